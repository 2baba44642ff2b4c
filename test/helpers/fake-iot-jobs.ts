/**
 * An in-memory IotJobs port for unit tests of the runtime's logic (reconciler, executor, controller
 * loop). It keeps jobs as the controller observes them and records every call; it models none of
 * AWS's semantics beyond what those tests need (the emulator does that, over HTTP, in the
 * integration tests).
 */
import type { CancelRequest, CreateResult, IotJobs } from '../../controller/aws/iot-jobs.js';
import type { DesiredJob } from '../../controller/model/iot-job.js';
import { zeroCounts, type JobSummary, type ObservedExecution, type ObservedJob } from '../../controller/model/observed-job.js';
import { targetArns } from '../../controller/plan/normalize.js';
import { desiredTags } from '../../controller/plan/ownership.js';
import { CONTROLLER, PARTITION } from './builders.js';

/** The fake port. `fail` makes the next call of an operation throw. */
export class FakeIotJobs implements IotJobs {
  readonly jobs = new Map<string, ObservedJob>();
  /** The operation of every call, in order. */
  readonly calls: string[] = [];
  /** Every call with its arguments, in order (the desired and observed jobs included as given). */
  readonly requests: { op: string; args: unknown[] }[] = [];
  /** The job ids whose cache the controller invalidated, in order. */
  readonly invalidated: string[] = [];
  readonly fail = new Map<string, Error>();
  /** Failed executions by job id, for listFailedExecutions. */
  readonly failedExecutions = new Map<string, ObservedExecution[]>();
  /** Executions by `jobId/thingName`, for readExecution. */
  readonly executions = new Map<string, ObservedExecution>();

  private call(op: string, ...args: unknown[]): void {
    this.calls.push(op);
    this.requests.push({ op, args });
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

  async readOne(jobId: string, opts?: { fresh?: boolean }): Promise<ObservedJob | undefined> {
    this.call('DescribeJob', jobId, opts);
    const j = this.jobs.get(jobId);
    return j && { ...j, tags: { ...j.tags } };
  }

  async readExecution(jobId: string, thingName: string): Promise<ObservedExecution | undefined> {
    this.call('DescribeJobExecution', jobId, thingName);
    return this.executions.get(`${jobId}/${thingName}`);
  }

  async listFailedExecutions(jobId: string, limit: number): Promise<ObservedExecution[]> {
    this.call('ListJobExecutionsForJob', jobId, limit);
    return this.failedExecutions.get(jobId) ?? [];
  }

  async create(desired: DesiredJob, jobId: string): Promise<CreateResult> {
    this.call('CreateJob', desired, jobId);
    const existing = this.jobs.get(jobId);
    if (existing) return { exists: existing };
    this.jobs.set(jobId, {
      jobId,
      jobArn: `arn:aws:iot:us-east-1:123456789012:job/${jobId}`,
      status: 'IN_PROGRESS',
      targets: targetArns(desired.spec.targets ?? [], PARTITION),
      targetSelection: 'SNAPSHOT',
      document: desired.document,
      tags: desiredTags(desired, CONTROLLER),
      counts: zeroCounts(),
    });
    return { created: true };
  }

  async update(desired: DesiredJob, observed: ObservedJob, fields: readonly string[]): Promise<void> {
    this.call('UpdateJob', desired, observed, fields);
  }

  async tag(job: Pick<ObservedJob, 'jobId' | 'jobArn'>, tags: Record<string, string>): Promise<void> {
    this.call('TagResource', job.jobId, tags);
    const j = this.jobs.get(job.jobId);
    if (j) j.tags = { ...j.tags, ...tags };
  }

  async associateTargets(jobId: string, targets: readonly string[], comment: string): Promise<void> {
    this.call('AssociateTargetsWithJob', jobId, targets, comment);
    const j = this.jobs.get(jobId);
    if (j) j.targets = [...j.targets, ...targets];
  }

  async cancel(jobId: string, req: CancelRequest): Promise<void> {
    this.call('CancelJob', jobId, req);
    const j = this.jobs.get(jobId);
    if (j) j.status = 'CANCELED';
  }

  async delete(jobId: string): Promise<void> {
    this.call('DeleteJob', jobId);
    this.jobs.delete(jobId);
  }

  async cancelExecution(jobId: string, thingName: string, force: boolean): Promise<void> {
    this.call('CancelJobExecution', jobId, thingName, force);
  }

  async deleteExecution(jobId: string, thingName: string, executionNumber: number, force: boolean): Promise<void> {
    this.call('DeleteJobExecution', jobId, thingName, executionNumber, force);
  }

  invalidate(jobId: string): void {
    this.invalidated.push(jobId);
  }

  /** The arguments of every call of one operation, in order. */
  argsOf(op: string): unknown[][] {
    return this.requests.filter((r) => r.op === op).map((r) => r.args);
  }
}
