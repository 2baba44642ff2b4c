/**
 * The emulator's domain model: jobs, executions, things and thing groups as the service holds
 * them. Times are epoch milliseconds; the wire layer converts them. Shapes of configuration
 * objects are the service model's, passed through as the caller gave them.
 */

/** JobStatus from the service model. There is no SUCCEEDED. */
export type JobStatus = 'IN_PROGRESS' | 'CANCELED' | 'COMPLETED' | 'DELETION_IN_PROGRESS' | 'SCHEDULED';

/** JobExecutionStatus from the service model. */
export type ExecutionStatus = 'QUEUED' | 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'REJECTED' | 'REMOVED' | 'CANCELED';

/** All execution statuses, in the order jobProcessDetails reports them. */
export const EXECUTION_STATUSES: readonly ExecutionStatus[] = ['QUEUED', 'IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'REJECTED', 'REMOVED', 'CANCELED'];

/** All job statuses. */
export const JOB_STATUSES: readonly JobStatus[] = ['IN_PROGRESS', 'CANCELED', 'COMPLETED', 'DELETION_IN_PROGRESS', 'SCHEDULED'];

const TERMINAL = new Set<ExecutionStatus>(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'REJECTED', 'REMOVED', 'CANCELED']);

/** True when no further transition of this execution attempt is possible. */
export function isTerminal(status: ExecutionStatus): boolean {
  return TERMINAL.has(status);
}

export type TargetSelection = 'SNAPSHOT' | 'CONTINUOUS';

export interface RateIncreaseCriteria {
  numberOfNotifiedThings?: number;
  numberOfSucceededThings?: number;
}

export interface RolloutConfig {
  maximumPerMinute?: number;
  exponentialRate?: { baseRatePerMinute: number; incrementFactor: number; rateIncreaseCriteria: RateIncreaseCriteria };
}

export interface AbortCriteria {
  failureType: 'FAILED' | 'REJECTED' | 'TIMED_OUT' | 'ALL';
  action: 'CANCEL';
  thresholdPercentage: number;
  minNumberOfExecutedThings: number;
}

export interface RetryCriteria {
  failureType: 'FAILED' | 'TIMED_OUT' | 'ALL';
  numberOfRetries: number;
}

export interface SchedulingConfig {
  startTime?: string;
  endTime?: string;
  endBehavior?: 'STOP_ROLLOUT' | 'CANCEL' | 'FORCE_CANCEL';
  maintenanceWindows?: { startTime: string; durationInMinutes: number }[];
}

/** The configuration fields a job carries, as the caller gave them. */
export interface JobConfig {
  description?: string;
  presignedUrlConfig?: { roleArn?: string; expiresInSec?: number };
  jobExecutionsRolloutConfig?: RolloutConfig;
  abortConfig?: { criteriaList: AbortCriteria[] };
  timeoutConfig?: { inProgressTimeoutInMinutes?: number };
  jobExecutionsRetryConfig?: { criteriaList: RetryCriteria[] };
  schedulingConfig?: SchedulingConfig;
  namespaceId?: string;
  jobTemplateArn?: string;
  documentParameters?: Record<string, string>;
  destinationPackageVersions?: string[];
}

/**
 * A job template of this account (CreateJobTemplate): a job's document and configuration kept for
 * CreateJob to start from. Immutable once created; only deletion ends it.
 */
export interface JobTemplate extends Pick<
  JobConfig,
  | 'description'
  | 'presignedUrlConfig'
  | 'jobExecutionsRolloutConfig'
  | 'abortConfig'
  | 'timeoutConfig'
  | 'jobExecutionsRetryConfig'
  | 'destinationPackageVersions'
> {
  jobTemplateId: string;
  jobTemplateArn: string;
  document?: string;
  documentSource?: string;
  maintenanceWindows?: SchedulingConfig['maintenanceWindows'];
  createdAt: number;
  tags: Record<string, string>;
}

/** Counts of terminal attempts, which the abort criteria are evaluated against. */
export interface AttemptCounts {
  SUCCEEDED: number;
  FAILED: number;
  REJECTED: number;
  TIMED_OUT: number;
}

/** The rollout's progress: which resolved things still wait to be notified, and at what rate. */
export interface RolloutState {
  pending: string[];
  ratePerMinute: number;
  step: number;
  notified: number;
  done: boolean;
}

/** A job as the service holds it. */
export interface Job extends JobConfig {
  jobId: string;
  jobArn: string;
  targets: string[];
  targetSelection: TargetSelection;
  document?: string;
  documentSource?: string;
  status: JobStatus;
  forceCanceled?: boolean;
  reasonCode?: string;
  comment?: string;
  createdAt: number;
  lastUpdatedAt: number;
  completedAt?: number;
  tags: Record<string, string>;
  /** Per-status execution counts; kept in step with every transition (jobProcessDetails). */
  counts: Record<ExecutionStatus, number>;
  attempts: AttemptCounts;
  rollout: RolloutState;
  /** When a DELETION_IN_PROGRESS job disappears. */
  deleteAt?: number;
  /** A job with maintenance windows whose start has come: SCHEDULED now means waiting for the next window. */
  windowed?: boolean;
}

/** One execution of a job on a thing. A retry re-queues the same record with retryAttempt + 1. */
export interface Execution {
  jobId: string;
  thingName: string;
  executionNumber: number;
  status: ExecutionStatus;
  forceCanceled?: boolean;
  statusDetails?: Record<string, string>;
  queuedAt: number;
  startedAt?: number;
  lastUpdatedAt: number;
  versionNumber: number;
  retryAttempt: number;
  /** Retries used per failure type, against the job's retry config. */
  retriesUsed: { FAILED: number; TIMED_OUT: number };
  /** This execution's own terminal attempts, so a deletion can take them out of the abort arithmetic. */
  attempts: AttemptCounts;
  /** Absolute deadline of the in-progress timer, if any. */
  inProgressDeadline?: number;
  /** Absolute deadline of the current step timer, if any. */
  stepDeadline?: number;
  /** Bumped whenever timers are reset, so stale timer events are ignored. */
  timerGeneration: number;
}

/** A thing in the registry. */
export interface Thing {
  thingName: string;
  thingId: string;
  thingArn: string;
  thingTypeName?: string;
  attributes: Record<string, string>;
  version: number;
  groups: Set<string>;
}

/** A thing group in the registry. */
export interface ThingGroup {
  thingGroupName: string;
  thingGroupId: string;
  thingGroupArn: string;
  parentGroupName?: string;
  description?: string;
  attributes: Record<string, string>;
  version: number;
  creationDate: number;
  members: Set<string>;
  children: Set<string>;
  tags: Record<string, string>;
}

/** Events scheduled on the service's timer queue. */
export type ServiceEvent =
  | { kind: 'rollout-batch'; jobId: string }
  | { kind: 'job-start'; jobId: string }
  | { kind: 'job-end'; jobId: string }
  | { kind: 'window-start'; jobId: string }
  | { kind: 'window-end'; jobId: string }
  | { kind: 'deletion-complete'; jobId: string }
  | { kind: 'execution-timeout'; jobId: string; thingName: string; executionNumber: number; generation: number };

/** An empty per-status counter. */
export function emptyCounts(): Record<ExecutionStatus, number> {
  return { QUEUED: 0, IN_PROGRESS: 0, SUCCEEDED: 0, FAILED: 0, TIMED_OUT: 0, REJECTED: 0, REMOVED: 0, CANCELED: 0 };
}

/** An empty attempt counter. */
export function emptyAttempts(): AttemptCounts {
  return { SUCCEEDED: 0, FAILED: 0, REJECTED: 0, TIMED_OUT: 0 };
}
