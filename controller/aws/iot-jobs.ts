/**
 * The narrow port to AWS IoT, in the controller's terms (ARCHITECTURE.md principle 5). Reads
 * return `undefined` for a missing job or execution; NotFound is a value, never thrown.
 */
import type { DesiredJob } from '../model/iot-job.js';
import type { JobSummary, ObservedExecution, ObservedJob } from '../model/observed-job.js';
import type { ComparedField } from '../plan/fields.js';

/** What CancelJob is asked to do. */
export interface CancelRequest {
  force: boolean;
  reasonCode?: string;
  comment?: string;
}

/** What a CreateJob came to: the job was created, or a job with that id exists already (as read back, fresh). */
export type CreateResult = { created: true } | { exists: ObservedJob };

/** The controller's view of AWS IoT Jobs. */
export interface IotJobs {
  /** Every job's summary (ListJobs, 250 a page). */
  list(): Promise<JobSummary[]>;
  /**
   * A job with its document and tags; undefined when there is none. The document and tags are
   * read once per job and cached (the document cannot change; the controller owns its tags), unless `fresh`.
   */
  readOne(jobId: string, opts?: { fresh?: boolean }): Promise<ObservedJob | undefined>;
  /** The latest execution of a job on a thing; undefined when there is none. */
  readExecution(jobId: string, thingName: string): Promise<ObservedExecution | undefined>;
  /** Up to `limit` executions of a job that failed, timed out or were rejected (ListJobExecutionsForJob), in that order. */
  listFailedExecutions(jobId: string, limit: number): Promise<ObservedExecution[]>;
  /** Creates the job; when a job with that id exists already, resolves to it (the caller judges whether it is its own retried create). */
  create(desired: DesiredJob, jobId: string): Promise<CreateResult>;
  /** Sets the named mutable fields (UpdateJob) and tags (TagResource) to the desired values. */
  update(desired: DesiredJob, observed: ObservedJob, fields: readonly ComparedField[]): Promise<void>;
  /** Sets tags on a job (TagResource); other tags stay. */
  tag(job: Pick<ObservedJob, 'jobId' | 'jobArn'>, tags: Record<string, string>): Promise<void>;
  /** Adds targets to a CONTINUOUS job that is IN_PROGRESS (AssociateTargetsWithJob). */
  associateTargets(jobId: string, targets: readonly string[], comment: string): Promise<void>;
  cancel(jobId: string, req: CancelRequest): Promise<void>;
  delete(jobId: string): Promise<void>;
  cancelExecution(jobId: string, thingName: string, force: boolean): Promise<void>;
  deleteExecution(jobId: string, thingName: string, executionNumber: number, force: boolean): Promise<void>;
  /** Forgets what is cached about a job (after the controller changed it). */
  invalidate(jobId: string): void;
}
