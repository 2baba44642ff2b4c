/**
 * IotJobs over @aws-sdk/client-iot: the only module that builds IoT requests. Every request goes
 * through one MeteredIot (rate-limit → send → meter → classify; metered-iot.ts), then its answer
 * is mapped by the pure mappers.
 */
import {
  AssociateTargetsWithJobCommand,
  CancelJobCommand,
  CancelJobExecutionCommand,
  CreateJobCommand,
  DeleteJobCommand,
  DeleteJobExecutionCommand,
  DescribeJobCommand,
  DescribeJobExecutionCommand,
  DescribeThingCommand,
  DescribeThingGroupCommand,
  GetJobDocumentCommand,
  ListJobExecutionsForJobCommand,
  ListJobsCommand,
  UpdateJobCommand,
} from '@aws-sdk/client-iot';
import type { DesiredJob } from '../model/iot-job.js';
import { ThrottledError } from '../model/errors.js';
import type { ExecutionStatus, JobSummary, ObservedExecution, ObservedJob } from '../model/observed-job.js';
import type { AwsOperation } from '../observability/metrics.js';
import { tagsToSet } from '../plan/diff.js';
import type { ComparedField } from '../plan/fields.js';
import type { Partition } from '../plan/normalize.js';
import { desiredTags } from '../plan/ownership.js';
import type { TargetArnLookup, TargetKind } from './account.js';
import { classify } from './errors.js';
import { orMissing, readTags, tagResource } from './resource-tags.js';
import type { CancelRequest, CreateResult, IotJobs } from './iot-jobs.js';
import { fromDescribeJob, fromSummary, toCreateJob, toUpdateJob } from './mappers.js';
import type { IotRequest, MeteredIot } from './metered-iot.js';

/** The door to AWS IoT and who this controller is. */
export interface SdkIotJobsOptions {
  /** Every request goes through it (shared with the job templates, so each operation has one budget). */
  iot: MeteredIot;
  controllerId: string;
  partition: () => Partition;
}

interface Cached {
  document?: string;
  tags?: Record<string, string>;
}

/** The IotJobs port on the real SDK client; it also reads the ARNs of shorthand targets for the account lookup. */
export class SdkIotJobs implements IotJobs, TargetArnLookup {
  private readonly cache = new Map<string, Cached>();
  /**
   * Jobs this controller changed and has not read since. The read that follows a change goes ahead
   * of routine reads (a resync's) in DescribeJob's line, so that a change is confirmed (Ready) in
   * about the time it takes to make, however many jobs a resync reads meanwhile.
   */
  private readonly changed = new Set<string>();
  private readonly iot: MeteredIot;

  constructor(private readonly o: SdkIotJobsOptions) {
    this.iot = o.iot;
  }

  /** Runs a call that may answer ResourceNotFoundException; that answer becomes undefined. */
  private orMissing<T>(operation: AwsOperation, request: IotRequest<T>, first = false): Promise<T | undefined> {
    return orMissing(this.iot, operation, request, first);
  }

  async list(): Promise<JobSummary[]> {
    const out: JobSummary[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.iot.call('ListJobs', (c) => c.send(new ListJobsCommand({ maxResults: 250, nextToken })));
      for (const j of page.jobs ?? []) out.push(fromSummary(j));
      nextToken = page.nextToken;
    } while (nextToken);
    return out;
  }

  async readOne(jobId: string, opts: { fresh?: boolean } = {}): Promise<ObservedJob | undefined> {
    const described = await this.orMissing('DescribeJob', (c) => c.send(new DescribeJobCommand({ jobId })), this.changed.has(jobId));
    this.changed.delete(jobId);
    if (!described?.job) {
      this.cache.delete(jobId);
      return undefined;
    }
    const job = fromDescribeJob(described);
    const cached = await this.tagsAndDocument(job, opts.fresh ? {} : (this.cache.get(jobId) ?? {}));
    if (!cached?.tags) return undefined;
    this.cache.set(jobId, cached);
    return { ...job, tags: cached.tags, document: cached.document };
  }

  /** The job's tags and document, read where `cached` lacks them; undefined when the job went away meanwhile. */
  private async tagsAndDocument(job: ObservedJob, cached: Cached): Promise<Cached | undefined> {
    if (cached.tags === undefined) {
      const tags = await this.readTags(job.jobArn);
      if (tags === undefined) return undefined;
      cached.tags = tags;
    }
    if (cached.document === undefined && job.documentSource === undefined) {
      const doc = await this.orMissing('GetJobDocument', (c) => c.send(new GetJobDocumentCommand({ jobId: job.jobId })));
      if (doc === undefined) return undefined;
      cached.document = doc.document ?? '';
    }
    return cached;
  }

  /** A job's tags; undefined when the job is gone. */
  private readTags(resourceArn: string): Promise<Record<string, string> | undefined> {
    return readTags(this.iot, resourceArn);
  }

  async readExecution(jobId: string, thingName: string): Promise<ObservedExecution | undefined> {
    const out = await this.orMissing('DescribeJobExecution', (c) => c.send(new DescribeJobExecutionCommand({ jobId, thingName })));
    const e = out?.execution;
    if (!e) return undefined;
    return { thingName, status: e.status as ExecutionStatus, executionNumber: e.executionNumber ?? 0, versionNumber: e.versionNumber };
  }

  async listFailedExecutions(jobId: string, limit: number): Promise<ObservedExecution[]> {
    const out: ObservedExecution[] = [];
    for (const status of ['FAILED', 'TIMED_OUT', 'REJECTED'] as const) {
      if (out.length >= limit) break;
      const page = await this.orMissing('ListJobExecutionsForJob', (c) =>
        c.send(new ListJobExecutionsForJobCommand({ jobId, status, maxResults: Math.min(250, limit - out.length) })),
      );
      for (const e of page?.executionSummaries ?? []) {
        const thingName = e.thingArn?.split('/').pop();
        if (thingName) out.push({ thingName, status, executionNumber: e.jobExecutionSummary?.executionNumber ?? 0 });
      }
    }
    return out.slice(0, limit);
  }

  /**
   * Sends CreateJob. When a job with that id exists already (a retry of our own create whose answer
   * was lost, or somebody else's job), it is read back fresh and returned for the executor to judge.
   */
  async create(desired: DesiredJob, jobId: string): Promise<CreateResult> {
    const input = toCreateJob(desired, jobId, this.o.partition(), this.o.controllerId);
    try {
      await this.iot.call('CreateJob', (c) => c.send(new CreateJobCommand(input)));
      this.changed.add(jobId);
      this.cache.set(jobId, { document: desired.document, tags: Object.fromEntries((input.tags ?? []).map((t) => [t.Key!, t.Value!])) });
      return { created: true };
    } catch (err) {
      if (classify(err) !== 'exists') throw err;
      const existing = await this.readOne(jobId, { fresh: true });
      if (!existing) throw new ThrottledError(`job ${jobId} exists but could not be read back yet`);
      return { exists: existing };
    }
  }

  async update(desired: DesiredJob, observed: ObservedJob, fields: readonly ComparedField[]): Promise<void> {
    const { jobId } = observed;
    this.changed.add(jobId);
    const jobFields = fields.filter((f) => f !== 'tags');
    if (jobFields.length > 0) await this.iot.call('UpdateJob', (c) => c.send(new UpdateJobCommand(toUpdateJob(desired, jobId, jobFields))));
    if (fields.includes('tags')) {
      const set = tagsToSet(desiredTags(desired, this.o.controllerId), observed.tags);
      if (Object.keys(set).length > 0) await tagResource(this.iot, observed.jobArn, set);
      const cached = this.cache.get(jobId);
      if (cached?.tags) cached.tags = { ...cached.tags, ...set };
    }
  }

  async tag(job: Pick<ObservedJob, 'jobId' | 'jobArn'>, tags: Record<string, string>): Promise<void> {
    this.changed.add(job.jobId);
    await tagResource(this.iot, job.jobArn, tags);
    const cached = this.cache.get(job.jobId);
    if (cached?.tags) cached.tags = { ...cached.tags, ...tags };
  }

  async associateTargets(jobId: string, targets: readonly string[], comment: string): Promise<void> {
    this.changed.add(jobId);
    await this.iot.call('AssociateTargetsWithJob', (c) => c.send(new AssociateTargetsWithJobCommand({ jobId, targets: [...targets], comment })));
  }

  async cancel(jobId: string, req: CancelRequest): Promise<void> {
    this.changed.add(jobId);
    await this.iot.call('CancelJob', (c) => c.send(new CancelJobCommand({ jobId, force: req.force, reasonCode: req.reasonCode, comment: req.comment })));
  }

  async delete(jobId: string): Promise<void> {
    this.changed.add(jobId);
    await this.iot.call('DeleteJob', (c) => c.send(new DeleteJobCommand({ jobId })));
  }

  async cancelExecution(jobId: string, thingName: string, force: boolean): Promise<void> {
    this.changed.add(jobId);
    await this.iot.call('CancelJobExecution', (c) => c.send(new CancelJobExecutionCommand({ jobId, thingName, force })));
  }

  async deleteExecution(jobId: string, thingName: string, executionNumber: number, force: boolean): Promise<void> {
    this.changed.add(jobId);
    await this.iot.call('DeleteJobExecution', (c) => c.send(new DeleteJobExecutionCommand({ jobId, thingName, executionNumber, force })));
  }

  /** The ARN of a thing or thing group (DescribeThing / DescribeThingGroup); undefined when it does not exist. */
  async targetArn(kind: TargetKind, name: string): Promise<string | undefined> {
    if (kind === 'thingGroup')
      return (await this.orMissing('DescribeThingGroup', (c) => c.send(new DescribeThingGroupCommand({ thingGroupName: name }))))?.thingGroupArn;
    return (await this.orMissing('DescribeThing', (c) => c.send(new DescribeThingCommand({ thingName: name }))))?.thingArn;
  }

  invalidate(jobId: string): void {
    this.cache.delete(jobId);
  }
}
