/**
 * The observed side: a job as AWS IoT reports it, mapped out of the SDK's shapes. Plain data.
 * `undefined` where a job is expected always means "there is no such job in AWS".
 */
import type { JobFields } from './iot-job.js';

/** JobStatus from the service model. */
export type JobStatus = 'IN_PROGRESS' | 'CANCELED' | 'COMPLETED' | 'DELETION_IN_PROGRESS' | 'SCHEDULED';

/** JobExecutionStatus from the service model. */
export type ExecutionStatus = 'QUEUED' | 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'REJECTED' | 'REMOVED' | 'CANCELED';

/** The eight execution statuses in jobProcessDetails order. */
export const EXECUTION_STATUSES: readonly ExecutionStatus[] = ['QUEUED', 'IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'REJECTED', 'REMOVED', 'CANCELED'];

/** Whether a job status is final (nothing more happens to the job by itself). */
export function isTerminalJob(status: JobStatus): boolean {
  return status === 'COMPLETED' || status === 'CANCELED';
}

/** An execution of the job on one thing, as far as the controller needs it. */
export interface ObservedExecution {
  thingName: string;
  status: ExecutionStatus;
  executionNumber: number;
  versionNumber?: number;
}

/** A job as AWS reports it, with the document and tags the controller needs for diffing and ownership. */
export interface ObservedJob extends JobFields {
  jobId: string;
  jobArn: string;
  status: JobStatus;
  targets: string[];
  targetSelection: 'SNAPSHOT' | 'CONTINUOUS';
  /** The document text from GetJobDocument; undefined when it was not read. */
  document?: string;
  documentSource?: string;
  tags: Record<string, string>;
  forceCanceled?: boolean;
  reasonCode?: string;
  comment?: string;
  /** Epoch milliseconds (numbers, not Dates: ten thousand jobs hold three each). */
  createdAt?: number;
  lastUpdatedAt?: number;
  completedAt?: number;
  /** Execution counts by status, from jobProcessDetails. */
  counts: Record<ExecutionStatus, number>;
  /** Executions the manifest's overrides name, by thing; only read when there are overrides. */
  executions?: Record<string, ObservedExecution | undefined>;
  /** Some executions that failed, timed out or were rejected; read only when those counts moved (Kubernetes mode shows them). */
  failedThings?: ObservedExecution[];
}

/** A row of ListJobs: enough to decide whether a job needs reading again. */
export interface JobSummary {
  jobId: string;
  jobArn?: string;
  status: JobStatus;
  /** Epoch milliseconds. */
  lastUpdatedAt?: number;
  completedAt?: number;
}

/** All-zero execution counts. */
export function zeroCounts(): Record<ExecutionStatus, number> {
  return { QUEUED: 0, IN_PROGRESS: 0, SUCCEEDED: 0, FAILED: 0, TIMED_OUT: 0, REJECTED: 0, REMOVED: 0, CANCELED: 0 };
}
