/**
 * Pure: an IoTJob's status from one reconcile's report: the kstatus conditions Ready, Reconciling
 * and Stalled (as Flux writes them), and Healthy for the rollout itself, all as model/health.ts
 * judges them. Ready is True when the job in AWS matches the spec, even while its rollout runs (a
 * firmware rollout can take days, and a GitOps health check must not wait for it); Healthy is
 * False when too many executions fail or AWS aborted the job. The time is passed in; nothing here
 * reads a clock.
 */
import { progressText, syncVerdict, UNKNOWN_HEALTH, type ConditionStatus, type SyncVerdict } from '../model/health.js';
import type { ExecutionStatus, ObservedJob } from '../model/observed-job.js';
import { canonicalJson } from '../plan/normalize.js';
import { describeAction, reportedJobId, type ReconcileReport } from '../model/report.js';
import type { WaveStatus } from '../model/wave-status.js';

/** One condition, as metav1.Condition shapes it. */
export interface Condition {
  type: 'Ready' | 'Reconciling' | 'Stalled' | 'Healthy';
  status: ConditionStatus;
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/** A thing whose execution failed, timed out or was rejected. */
export interface FailedThing {
  thingName: string;
  status: ExecutionStatus;
  executionNumber?: number;
}

/** Execution counts as the status shows them. */
export interface ExecutionCounts {
  queued: number;
  inProgress: number;
  succeeded: number;
  failed: number;
  timedOut: number;
  rejected: number;
  removed: number;
  canceled: number;
}

/** The IoTJob status the controller writes. */
export interface IoTJobStatus {
  observedGeneration?: number;
  jobId?: string;
  jobArn?: string;
  awsStatus?: string;
  executions?: ExecutionCounts;
  failedThings?: FailedThing[];
  lastSyncTime?: string;
  lastAction?: string;
  lastError?: string;
  /** A staged rollout's waves; `wave` is the printer column's summary ("2/3 ten-percent"). */
  waves?: WaveStatus[];
  wave?: string;
  /** Finished of all executions ("finished/total"), the printer column's Progress. */
  progress?: string;
  /** The last reconcile request handled (kube/iotjob-resource.ts reconcileRequestOf), as Flux reports it. */
  lastHandledReconcileAt?: string;
  conditions?: Condition[];
}

/** The most failed things the status lists. */

/** Counts in the status's shape. */
export function countsOf(o: ObservedJob): ExecutionCounts {
  const c = o.counts;
  return {
    queued: c.QUEUED,
    inProgress: c.IN_PROGRESS,
    succeeded: c.SUCCEEDED,
    failed: c.FAILED,
    timedOut: c.TIMED_OUT,
    rejected: c.REJECTED,
    removed: c.REMOVED,
    canceled: c.CANCELED,
  };
}

/** What a status is computed against besides the report. */
export interface StatusContext {
  /** The object's metadata.generation; undefined when it has none. */
  generation?: number;
  /** The status written before; undefined when there is none yet. */
  previous?: IoTJobStatus;
  /** The time of this reconcile (RFC 3339). */
  now: string;
  /** The failed things read this time; undefined keeps the previous list (unless the job is another one). */
  failedThings?: FailedThing[];
  /** The reconcile request the object carried when this reconcile ran; undefined keeps the previous one. */
  reconcileRequest?: string;
}

/** A condition's own part; its observedGeneration and lastTransitionTime come from the context. */
type ConditionFacts = Pick<Condition, 'type' | 'status' | 'reason' | 'message'>;

/** Where a condition is written (an IoTJob's or an IoTJobTemplate's status): the generation, the conditions written before, now. */
export type ConditionContext = Pick<StatusContext, 'generation' | 'now'> & { previous?: { conditions?: Condition[] } };

/** One condition; its lastTransitionTime is the previous one's while the status stays the same, else `now`. */
export function condition(c: ConditionFacts, at: ConditionContext): Condition {
  const before = at.previous?.conditions?.find((p) => p.type === c.type);
  const since = before && before.status === c.status ? before.lastTransitionTime : at.now;
  return {
    type: c.type,
    status: c.status,
    observedGeneration: at.generation,
    lastTransitionTime: since,
    reason: c.reason,
    message: c.message.slice(0, 32_000),
  };
}

/** A condition that is True with the verdict's reason and message, or False and Idle when the verdict is undefined. */
function flagCondition(type: Condition['type'], verdict: [string, string] | undefined, at: StatusContext): Condition {
  return condition({ type, status: verdict ? 'True' : 'False', reason: verdict?.[0] ?? 'Idle', message: verdict?.[1] ?? '' }, at);
}

/** Ready, Reconciling, Stalled and Healthy, in that order. */
function conditionsOf(r: ReconcileReport, at: StatusContext): Condition[] {
  const v: SyncVerdict = syncVerdict(r);
  const [status, reason, message] = v.ready;
  return [
    condition({ type: 'Ready', status, reason, message }, at),
    flagCondition('Reconciling', v.reconciling, at),
    flagCondition('Stalled', v.stalled, at),
    healthCondition(r, at),
  ];
}

/** Healthy as the job read now shows it; when it was not read, as before while the job is the same one, else Unknown. */
function healthCondition(r: ReconcileReport, at: StatusContext): Condition {
  const before = at.previous?.conditions?.find((c) => c.type === 'Healthy');
  const sameJob = reportedJobId(r, at.previous) === at.previous?.jobId;
  if (!r.health && before && sameJob) return { ...before, observedGeneration: at.generation };
  const h = r.health ?? UNKNOWN_HEALTH;
  return condition({ type: 'Healthy', status: h.status, reason: h.reason, message: h.message }, at);
}

/** The job's fields: as observed now; when the job was not read, the action's job id and otherwise the previous values. */
function jobFields(r: ReconcileReport, previous: IoTJobStatus | undefined): Pick<IoTJobStatus, 'jobId' | 'jobArn' | 'awsStatus' | 'executions' | 'progress'> {
  const o = r.observed;
  const read = o ? { jobArn: o.jobArn, awsStatus: o.status, executions: countsOf(o), progress: progressText(o.counts) } : undefined;
  const { jobArn, awsStatus, executions, progress } = read ?? previous ?? {};
  return { jobId: reportedJobId(r, previous), jobArn, awsStatus, executions, progress };
}

/** The failed things read now; the previous list when none were read, unless the job read is another one than before. */
function failedThingsOf(r: ReconcileReport, at: StatusContext): FailedThing[] | undefined {
  const o = r.observed;
  if (o && o.jobId !== at.previous?.jobId) return at.failedThings;
  return at.failedThings ?? at.previous?.failedThings;
}

/** A staged rollout's waves as judged now, else as before; and the running (or last) wave as "n/total name: phase". */
function wavesOf(r: ReconcileReport, previous: IoTJobStatus | undefined): Pick<IoTJobStatus, 'waves' | 'wave'> {
  if (!r.desired?.spec.waves && !r.waves) return {};
  const waves = r.waves ?? previous?.waves;
  if (!waves) return {};
  const i = waves.findIndex((w) => w.phase !== 'Passed');
  const at = i < 0 ? waves.length - 1 : i;
  return { waves, wave: `${at + 1}/${waves.length} ${waves[at]!.name}: ${waves[at]!.phase}` };
}

/**
 * The status after a reconcile. Fields the reconcile did not observe (the job, when the reconcile
 * failed before reading it) keep their previous values.
 */
export function statusFor(r: ReconcileReport, at: StatusContext): IoTJobStatus {
  return {
    observedGeneration: at.generation,
    ...jobFields(r, at.previous),
    failedThings: failedThingsOf(r, at),
    lastSyncTime: at.now,
    lastHandledReconcileAt: at.reconcileRequest ?? at.previous?.lastHandledReconcileAt,
    lastAction: describeAction(r)?.slice(0, 2_000) ?? at.previous?.lastAction,
    lastError: r.error,
    ...wavesOf(r, at.previous),
    conditions: conditionsOf(r, at),
  };
}

/** Whether two statuses differ in more than their lastSyncTime. */
export function statusChanged(a: IoTJobStatus | undefined, b: IoTJobStatus): boolean {
  if (!a) return true;
  const strip = (s: IoTJobStatus): string => canonicalJson({ ...s, lastSyncTime: undefined });
  return strip(a) !== strip(b);
}
