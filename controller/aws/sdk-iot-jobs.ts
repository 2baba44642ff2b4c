/**
 * IotJobs over @aws-sdk/client-iot: the only module that sends IoT requests. Every call goes
 * build → rate-limit → send → meter → classify → map. A token bucket per operation keeps the
 * controller under the IoT API quotas (10 TPS by default).
 */
import {
  CancelJobCommand,
  CancelJobExecutionCommand,
  CreateJobCommand,
  DeleteJobCommand,
  DeleteJobExecutionCommand,
  DescribeJobCommand,
  DescribeJobExecutionCommand,
  GetJobDocumentCommand,
  IoTClient,
  ListJobExecutionsForJobCommand,
  ListJobsCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UpdateJobCommand,
} from '@aws-sdk/client-iot';
import type { DesiredJob } from '../model/iot-job.js';
import { TerminalError, ThrottledError } from '../model/errors.js';
import type { ExecutionStatus, JobSummary, ObservedExecution, ObservedJob } from '../model/observed-job.js';
import type { AwsOperation, Metrics } from '../observability/metrics.js';
import { diffJob, differentIn, tagsToSet } from '../plan/diff.js';
import type { ComparedField } from '../plan/fields.js';
import { desiredShape, observedShape, type Partition } from '../plan/normalize.js';
import { desiredTags, isOwned, SOURCE_KEY } from '../plan/ownership.js';
import type { Clock } from '../runtime/clock.js';
import { TokenBucket } from '../runtime/token-bucket.js';
import { classify, outcomeName } from './errors.js';
import type { CancelRequest, IotJobs } from './iot-jobs.js';
import { fromDescribeJob, fromSummary, toCreateJob, toUpdateJob } from './mappers.js';

/** How to reach AWS IoT and how fast to call it. */
export interface SdkIotJobsOptions {
  client: IoTClient;
  clock: Clock;
  metrics: Metrics;
  controllerId: string;
  partition: () => Partition;
  /** Requests per second per operation (AWS's quota is 10). */
  tps?: number;
}

interface Cached {
  document?: string;
  tags?: Record<string, string>;
}

/** The IotJobs port on the real SDK client. */
export class SdkIotJobs implements IotJobs {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly cache = new Map<string, Cached>();

  constructor(private readonly o: SdkIotJobsOptions) {}

  private async call<T>(operation: AwsOperation, send: () => Promise<T>): Promise<T> {
    const tps = this.o.tps ?? 10;
    let bucket = this.buckets.get(operation);
    // Burst 1: calls are paced evenly at the quota. A burst as large as AWS's own bucket lets
    // timing jitter push requests over it, and each ThrottlingException costs a retry.
    if (!bucket) this.buckets.set(operation, (bucket = new TokenBucket(tps, 1, this.o.clock)));
    const end = this.o.metrics.awsDuration.startTimer({ operation });
    await bucket.take();
    try {
      const out = await send();
      this.o.metrics.awsRequests.inc({ operation, outcome: 'ok' });
      this.countRetries(operation, out);
      return out;
    } catch (err) {
      this.o.metrics.awsRequests.inc({ operation, outcome: outcomeName(err) });
      this.countRetries(operation, err);
      const cls = classify(err);
      if (cls === 'throttled' || cls === 'limit') throw new ThrottledError(`${operation}: ${(err as Error).message}`, { cause: err });
      // AWS refused the request itself (a value it does not accept): retrying the same request cannot
      // help, so the job is stalled with AWS's words until the manifest changes; the resync revisits it.
      if (cls === 'invalid-request') throw new TerminalError(`${operation} was refused by AWS IoT: ${(err as Error).message}`, { cause: err });
      throw err;
    } finally {
      end();
    }
  }

  /** The SDK retries throttled and failed attempts by itself; the answers it absorbed are counted here, or they would go unseen. */
  private countRetries(operation: AwsOperation, outcome: unknown): void {
    const attempts = (outcome as { $metadata?: { attempts?: number } } | undefined)?.$metadata?.attempts ?? 1;
    if (attempts > 1) this.o.metrics.awsRetries.inc({ operation }, attempts - 1);
  }

  /** Runs a call that may answer ResourceNotFoundException; that answer becomes undefined. */
  private async orMissing<T>(operation: AwsOperation, send: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.call(operation, send);
    } catch (err) {
      if (classify(err) === 'not-found') return undefined;
      throw err;
    }
  }

  async list(): Promise<JobSummary[]> {
    const out: JobSummary[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.call('ListJobs', () => this.o.client.send(new ListJobsCommand({ maxResults: 250, nextToken })));
      for (const j of page.jobs ?? []) out.push(fromSummary(j));
      nextToken = page.nextToken;
    } while (nextToken);
    return out;
  }

  async readOne(jobId: string, opts: { fresh?: boolean } = {}): Promise<ObservedJob | undefined> {
    const described = await this.orMissing('DescribeJob', () => this.o.client.send(new DescribeJobCommand({ jobId })));
    if (!described?.job) {
      this.cache.delete(jobId);
      return undefined;
    }
    const job = fromDescribeJob(described);
    const cached = opts.fresh ? {} : (this.cache.get(jobId) ?? {});
    if (cached.tags === undefined) {
      const tags = await this.readTags(job.jobArn);
      if (tags === undefined) return undefined;
      cached.tags = tags;
    }
    if (cached.document === undefined && job.documentSource === undefined) {
      const doc = await this.orMissing('GetJobDocument', () => this.o.client.send(new GetJobDocumentCommand({ jobId })));
      if (doc === undefined) return undefined;
      cached.document = doc.document ?? '';
    }
    this.cache.set(jobId, cached);
    return { ...job, tags: cached.tags, document: cached.document };
  }

  /** A job's tags, every page through the metered call (so its retries are counted); undefined when the job is gone. */
  private async readTags(resourceArn: string): Promise<Record<string, string> | undefined> {
    const tags: Record<string, string> = {};
    let nextToken: string | undefined;
    do {
      const page = await this.orMissing('ListTagsForResource', () => this.o.client.send(new ListTagsForResourceCommand({ resourceArn, nextToken })));
      if (page === undefined) return undefined;
      for (const t of page.tags ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
      nextToken = page.nextToken;
    } while (nextToken);
    return tags;
  }

  async readExecution(jobId: string, thingName: string): Promise<ObservedExecution | undefined> {
    const out = await this.orMissing('DescribeJobExecution', () => this.o.client.send(new DescribeJobExecutionCommand({ jobId, thingName })));
    const e = out?.execution;
    if (!e) return undefined;
    return { thingName, status: e.status as ExecutionStatus, executionNumber: e.executionNumber ?? 0, versionNumber: e.versionNumber };
  }

  async listFailedExecutions(jobId: string, limit: number): Promise<ObservedExecution[]> {
    const out: ObservedExecution[] = [];
    for (const status of ['FAILED', 'TIMED_OUT', 'REJECTED'] as const) {
      if (out.length >= limit) break;
      const page = await this.orMissing('ListJobExecutionsForJob', () => this.o.client.send(new ListJobExecutionsForJobCommand({ jobId, status, maxResults: Math.min(250, limit - out.length) })));
      for (const e of page?.executionSummaries ?? []) {
        const thingName = e.thingArn?.split('/').pop();
        if (thingName) out.push({ thingName, status, executionNumber: e.jobExecutionSummary?.executionNumber ?? 0 });
      }
    }
    return out.slice(0, limit);
  }

  async create(desired: DesiredJob, jobId: string): Promise<boolean> {
    const input = toCreateJob(desired, jobId, this.o.partition(), this.o.controllerId);
    try {
      await this.call('CreateJob', () => this.o.client.send(new CreateJobCommand(input)));
      this.cache.set(jobId, { document: desired.document, tags: Object.fromEntries((input.tags ?? []).map((t) => [t.Key!, t.Value!])) });
      return true;
    } catch (err) {
      if (classify(err) !== 'exists') throw err;
      return this.confirmOwnCreate(desired, jobId);
    }
  }

  /** ResourceAlreadyExists after a create: success only if the job is ours, for this manifest, with the same spec. */
  private async confirmOwnCreate(desired: DesiredJob, jobId: string): Promise<boolean> {
    const existing = await this.readOne(jobId, { fresh: true });
    if (!existing) throw new ThrottledError(`job ${jobId} exists but could not be read back yet`);
    if (!isOwned(existing, this.o.controllerId) || existing.tags[SOURCE_KEY] !== desired.key) {
      throw new TerminalError(`job id ${jobId} is already taken by a job this controller did not create for ${desired.key}`);
    }
    const delta = diffJob(desiredShape(desired, this.o.partition(), this.o.controllerId), observedShape(existing));
    if (differentIn(delta, 'replace').length > 0) throw new TerminalError(`job ${jobId} already exists with a different ${differentIn(delta, 'replace').join(', ')}`);
    return false;
  }

  async update(desired: DesiredJob, observed: ObservedJob, fields: readonly ComparedField[]): Promise<void> {
    const jobFields = fields.filter((f) => f !== 'tags');
    if (jobFields.length > 0) await this.call('UpdateJob', () => this.o.client.send(new UpdateJobCommand(toUpdateJob(desired, observed.jobId, jobFields))));
    if (fields.includes('tags')) {
      const set = tagsToSet(desiredTags(desired, this.o.controllerId), observed.tags);
      const tags = Object.entries(set).map(([Key, Value]) => ({ Key, Value }));
      if (tags.length > 0) await this.call('TagResource', () => this.o.client.send(new TagResourceCommand({ resourceArn: observed.jobArn, tags })));
      const cached = this.cache.get(observed.jobId);
      if (cached?.tags) cached.tags = { ...cached.tags, ...set };
    }
  }

  async cancel(jobId: string, req: CancelRequest): Promise<void> {
    await this.call('CancelJob', () => this.o.client.send(new CancelJobCommand({ jobId, force: req.force, reasonCode: req.reasonCode, comment: req.comment })));
  }

  async delete(jobId: string): Promise<void> {
    await this.call('DeleteJob', () => this.o.client.send(new DeleteJobCommand({ jobId })));
  }

  async cancelExecution(jobId: string, thingName: string, force: boolean): Promise<void> {
    await this.call('CancelJobExecution', () => this.o.client.send(new CancelJobExecutionCommand({ jobId, thingName, force })));
  }

  async deleteExecution(jobId: string, thingName: string, executionNumber: number, force: boolean): Promise<void> {
    await this.call('DeleteJobExecution', () => this.o.client.send(new DeleteJobExecutionCommand({ jobId, thingName, executionNumber, force })));
  }

  invalidate(jobId: string): void {
    this.cache.delete(jobId);
  }
}
