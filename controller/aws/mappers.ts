/**
 * Pure mappers between the controller's model and the SDK's shapes: DesiredJob → CreateJob and
 * UpdateJob inputs; DescribeJob and ListJobs outputs → ObservedJob and JobSummary. The job fields
 * are mapped by looping over their descriptors (plan/fields.ts); this file names no field.
 */
import type {
  CreateJobCommandInput,
  DescribeJobCommandOutput,
  Job,
  JobProcessDetails,
  JobSummary as SdkJobSummary,
  UpdateJobCommandInput,
} from '@aws-sdk/client-iot';
import type { DesiredJob } from '../model/iot-job.js';
import { EXECUTION_STATUSES, zeroCounts, type ExecutionStatus, type JobStatus, type JobSummary, type ObservedJob } from '../model/observed-job.js';
import type { Partition } from '../plan/canonical.js';
import { COMPARED_FIELDS, descriptorOf, type ComparedField, type FIELDS } from '../plan/fields.js';

type Fields = typeof FIELDS;

/** What a field's request member carries: the desired value, encoded where the field encodes it. */
type Sent<K extends ComparedField> = Fields[K] extends { encode: (v: never) => infer R } ? R : ReturnType<Fields[K]['desired']>;

/** The fields whose `op` member is not one `Input` has, or does not accept what is sent in it; `never` when all fit. */
type Misfits<Input, Op extends 'create' | 'update'> = {
  [K in ComparedField]: Fields[K] extends { [P in Op]: infer M } ? (M extends keyof Input ? (Sent<K> extends Input[M] ? never : K) : K) : never;
}[ComparedField];

/** Where a DescribeJob answer can carry a field: a member of its job, or of the answer itself. */
type DescribePath = `job.${keyof Job & string}` | Exclude<keyof DescribeJobCommandOutput, 'job' | '$metadata'>;

/** The fields whose `describe` path DescribeJob's answer does not have; `never` when all have it. */
type Misread = { [K in ComparedField]: Fields[K] extends { describe: infer P } ? (P extends DescribePath ? never : K) : never }[ComparedField];

/**
 * Compiles only while its argument is `never`: every SDK member the descriptors name exists and
 * accepts what is sent in it. A misspelt member or a model type the SDK would refuse fails here,
 * naming the field.
 */
type NoMisfits<T extends never> = T;
export type DescriptorsFitTheSdk = NoMisfits<Misfits<CreateJobCommandInput, 'create'> | Misfits<UpdateJobCommandInput, 'update'> | Misread>;

/** The ObservedJob members DescribeJob's answer fills in through the descriptors. */
type Described = { [K in ComparedField as Fields[K] extends { describe: string } ? K : never]: ObservedJob[K] };

/** The CreateJob request for a desired job under `jobId`, tagged with the controller's ownership tags. */
export function toCreateJob(d: DesiredJob, jobId: string, p: Partition, controllerId: string): CreateJobCommandInput {
  const at = { partition: p, controllerId };
  const input: Record<string, unknown> = { jobId };
  for (const name of COMPARED_FIELDS) {
    const f = descriptorOf(name);
    const v = f.desired(d, at);
    input[f.create] = v !== undefined && f.encode ? f.encode(v) : v;
  }
  return asRequest<CreateJobCommandInput>(input);
}

/** The UpdateJob request that sets the named updatable fields to the desired values; other fields are ignored. */
export function toUpdateJob(d: DesiredJob, jobId: string, fields: readonly ComparedField[]): UpdateJobCommandInput {
  const input: Record<string, unknown> = { jobId };
  for (const name of fields) {
    const f = descriptorOf(name);
    if (f.class === 'update') input[f.update] = f.desired(d) ?? f.clear;
  }
  return asRequest<UpdateJobCommandInput>(input);
}

/** A request built member by member from the descriptors, whose members DescriptorsFitTheSdk checks. */
function asRequest<T>(members: Record<string, unknown>): T {
  return members as T;
}

/** An ObservedJob from DescribeJob's output; the document and tags are added by the caller. */
export function fromDescribeJob(out: DescribeJobCommandOutput): ObservedJob {
  const j = out.job!;
  return {
    jobId: j.jobId!,
    jobArn: j.jobArn!,
    status: j.status as JobStatus,
    ...described(out),
    forceCanceled: j.forceCanceled,
    reasonCode: j.reasonCode,
    comment: j.comment,
    createdAt: j.createdAt?.getTime(),
    lastUpdatedAt: j.lastUpdatedAt?.getTime(),
    completedAt: j.completedAt?.getTime(),
    tags: {},
    counts: countsOf(j.jobProcessDetails),
  };
}

/** A JobSummary from a ListJobs row. */
export function fromSummary(s: SdkJobSummary): JobSummary {
  return { jobId: s.jobId!, jobArn: s.jobArn, status: s.status as JobStatus, lastUpdatedAt: s.lastUpdatedAt?.getTime(), completedAt: s.completedAt?.getTime() };
}

/** Every field DescribeJob's answer carries, AWS's default where it leaves one out. */
function described(out: DescribeJobCommandOutput): Described {
  const fields: Record<string, unknown> = {};
  for (const name of COMPARED_FIELDS) {
    const f = descriptorOf(name);
    if (f.describe !== undefined) fields[name] = member(out, f.describe) ?? copyOf(f.absent);
  }
  return fields as Described;
}

function member(out: DescribeJobCommandOutput, path: string): unknown {
  if (path.startsWith('job.')) return (out.job as Record<string, unknown> | undefined)?.[path.slice(4)];
  return (out as unknown as Record<string, unknown>)[path];
}

/** A default that is an array is copied, so no two jobs share it. */
function copyOf(v: unknown): unknown {
  return Array.isArray(v) ? [...v] : v;
}

/** The jobProcessDetails member that counts each execution status. */
const COUNT_MEMBERS = {
  QUEUED: 'numberOfQueuedThings',
  IN_PROGRESS: 'numberOfInProgressThings',
  SUCCEEDED: 'numberOfSucceededThings',
  FAILED: 'numberOfFailedThings',
  TIMED_OUT: 'numberOfTimedOutThings',
  REJECTED: 'numberOfRejectedThings',
  REMOVED: 'numberOfRemovedThings',
  CANCELED: 'numberOfCanceledThings',
} as const satisfies Record<ExecutionStatus, keyof JobProcessDetails>;

function countsOf(details: JobProcessDetails | undefined): Record<ExecutionStatus, number> {
  const p = details ?? {};
  const counts = zeroCounts();
  for (const s of EXECUTION_STATUSES) counts[s] = p[COUNT_MEMBERS[s]] ?? 0;
  return counts;
}
