/**
 * An in-memory IotJobs port for unit tests of the runtime's logic (reconciler, executor, controller
 * loop). It keeps jobs as the controller observes them and records every call; it models none of
 * AWS's semantics beyond what those tests need (the emulator does that, over HTTP, in the
 * integration tests).
 */
import type { CancelRequest, IotJobs } from '../../controller/aws/iot-jobs.js';
import type { DesiredJob } from '../../controller/model/iot-job.js';
import { zeroCounts, type JobSummary, type ObservedExecution, type ObservedJob } from '../../controller/model/observed-job.js';
import { targetArns } from '../../controller/plan/normalize.js';
import { desiredTags } from '../../controller/plan/ownership.js';
import { CONTROLLER, PARTITION } from './builders.js';

/** The fake port. `fail` makes the next call of an operation throw. */
export class FakeIotJobs implements IotJobs {
  readonly jobs = new Map<string, ObservedJob>();
  readonly calls: string[] = [];
  readonly fail = new Map<string, Error>();

  private call(op: string): void {
    this.calls.push(op);
    const err = this.fail.get(op);
    if (err) {
      this.fail.delete(op);
      throw err;
    }
  }

  async list(): Promise<JobSummary[]> {
    this.call('ListJobs');
    return [...this.jobs.values()].map((j) => ({ jobId: j.jobId, status: j.status }));
  }

  async readOne(jobId: string): Promise<ObservedJob | undefined> {
    this.call('DescribeJob');
    const j = this.jobs.get(jobId);
    return j && { ...j, tags: { ...j.tags } };
  }

  async readExecution(): Promise<ObservedExecution | undefined> {
    this.call('DescribeJobExecution');
    return undefined;
  }

  async listFailedExecutions(): Promise<ObservedExecution[]> {
    this.call('ListJobExecutionsForJob');
    return [];
  }

  async create(desired: DesiredJob, jobId: string): Promise<boolean> {
    this.call('CreateJob');
    this.jobs.set(jobId, { jobId, jobArn: `arn:aws:iot:us-east-1:123456789012:job/${jobId}`, status: 'IN_PROGRESS', targets: targetArns(desired.spec.targets, PARTITION), targetSelection: 'SNAPSHOT', document: desired.document, tags: desiredTags(desired, CONTROLLER), counts: zeroCounts() });
    return true;
  }

  async update(): Promise<void> {
    this.call('UpdateJob');
  }

  async cancel(jobId: string, _req: CancelRequest): Promise<void> {
    this.call('CancelJob');
    const j = this.jobs.get(jobId);
    if (j) j.status = 'CANCELED';
  }

  async delete(jobId: string): Promise<void> {
    this.call('DeleteJob');
    this.jobs.delete(jobId);
  }

  async cancelExecution(): Promise<void> {
    this.call('CancelJobExecution');
  }

  async deleteExecution(): Promise<void> {
    this.call('DeleteJobExecution');
  }

  invalidate(): void {}
}
