/**
 * Reads which things failed in a job (ListJobExecutionsForJob) when its failed, timed-out or
 * rejected counts move, and attaches them to the reconcile's observation, so the status writer
 * does no AWS I/O. A job is read again only when those counts change.
 */
import type { IotJobs } from '../aws/iot-jobs.js';
import type { ObservedJob } from '../model/observed-job.js';
import type { Logger } from '../observability/logger.js';

/** How many failed things a status lists. */
export const MAX_FAILED_THINGS = 10;

/** Attaches failed things to observations whose failure counts moved. */
export class FailedThingsReader {
  /** job id → the failure counts its failed things were read at. */
  private readonly readAt = new Map<string, string>();

  constructor(
    private readonly jobs: IotJobs,
    private readonly logger: Logger,
  ) {}

  /** The observation, with its failed things when they were read now; a failed read is logged and retried next time. */
  async attach(o: ObservedJob): Promise<ObservedJob> {
    const c = o.counts;
    if (c.FAILED + c.TIMED_OUT + c.REJECTED === 0) return o;
    const signature = `${c.FAILED}:${c.TIMED_OUT}:${c.REJECTED}`;
    if (this.readAt.get(o.jobId) === signature) return o;
    try {
      const failedThings = await this.jobs.listFailedExecutions(o.jobId, MAX_FAILED_THINGS);
      this.readAt.set(o.jobId, signature);
      return { ...o, failedThings };
    } catch (err) {
      this.logger.warn({ jobId: o.jobId, err: (err as Error).message }, 'could not list the failed executions');
      return o;
    }
  }

  /** Forgets a job that is gone. */
  forget(jobId: string): void {
    this.readAt.delete(jobId);
  }
}
