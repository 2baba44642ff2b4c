/**
 * Pure mappers between the controller's model and the SDK's shapes: DesiredJob → CreateJob and
 * UpdateJob inputs; DescribeJob and ListJobs outputs → ObservedJob and JobSummary.
 */
import type { CreateJobCommandInput, DescribeJobCommandOutput, JobSummary as SdkJobSummary, UpdateJobCommandInput } from '@aws-sdk/client-iot';
import type { DesiredJob } from '../model/iot-job.js';
import { zeroCounts, type JobStatus, type JobSummary, type ObservedJob } from '../model/observed-job.js';
import type { ComparedField } from '../plan/fields.js';
import { targetArns, type Partition } from '../plan/normalize.js';
import { desiredTags } from '../plan/ownership.js';

/** The CreateJob request for a desired job under `jobId`, tagged with the controller's ownership tags. */
export function toCreateJob(d: DesiredJob, jobId: string, p: Partition, controllerId: string): CreateJobCommandInput {
  const s = d.spec;
  const tags = desiredTags(d, controllerId);
  return {
    jobId,
    targets: targetArns(s.targets, p),
    document: d.document,
    documentSource: d.documentSource,
    description: s.description,
    targetSelection: s.targetSelection,
    presignedUrlConfig: s.presignedUrlConfig,
    jobExecutionsRolloutConfig: s.jobExecutionsRolloutConfig,
    abortConfig: s.abortConfig,
    timeoutConfig: s.timeoutConfig,
    jobExecutionsRetryConfig: s.jobExecutionsRetryConfig,
    schedulingConfig: s.schedulingConfig,
    tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
  };
}

/** The UpdateJob request that sets the named mutable fields to the desired values. */
export function toUpdateJob(d: DesiredJob, jobId: string, fields: readonly ComparedField[]): UpdateJobCommandInput {
  const s = d.spec;
  const input: UpdateJobCommandInput = { jobId };
  for (const f of fields) {
    if (f === 'description') input.description = s.description ?? '';
    if (f === 'presignedUrlConfig') input.presignedUrlConfig = s.presignedUrlConfig;
    if (f === 'jobExecutionsRolloutConfig') input.jobExecutionsRolloutConfig = s.jobExecutionsRolloutConfig;
    if (f === 'abortConfig') input.abortConfig = s.abortConfig;
    if (f === 'timeoutConfig') input.timeoutConfig = s.timeoutConfig;
    if (f === 'jobExecutionsRetryConfig') input.jobExecutionsRetryConfig = s.jobExecutionsRetryConfig;
  }
  return input;
}

/** An ObservedJob from DescribeJob's output; the document and tags are added by the caller. */
export function fromDescribeJob(out: DescribeJobCommandOutput): ObservedJob {
  const j = out.job!;
  const p = j.jobProcessDetails ?? {};
  const counts = zeroCounts();
  counts.QUEUED = p.numberOfQueuedThings ?? 0;
  counts.IN_PROGRESS = p.numberOfInProgressThings ?? 0;
  counts.SUCCEEDED = p.numberOfSucceededThings ?? 0;
  counts.FAILED = p.numberOfFailedThings ?? 0;
  counts.TIMED_OUT = p.numberOfTimedOutThings ?? 0;
  counts.REJECTED = p.numberOfRejectedThings ?? 0;
  counts.REMOVED = p.numberOfRemovedThings ?? 0;
  counts.CANCELED = p.numberOfCanceledThings ?? 0;
  return {
    jobId: j.jobId!,
    jobArn: j.jobArn!,
    status: j.status as JobStatus,
    targets: j.targets ?? [],
    targetSelection: (j.targetSelection ?? 'SNAPSHOT') as 'SNAPSHOT' | 'CONTINUOUS',
    documentSource: out.documentSource,
    description: j.description,
    presignedUrlConfig: j.presignedUrlConfig,
    jobExecutionsRolloutConfig: j.jobExecutionsRolloutConfig as ObservedJob['jobExecutionsRolloutConfig'],
    abortConfig: j.abortConfig as ObservedJob['abortConfig'],
    timeoutConfig: j.timeoutConfig,
    jobExecutionsRetryConfig: j.jobExecutionsRetryConfig as ObservedJob['jobExecutionsRetryConfig'],
    schedulingConfig: j.schedulingConfig as ObservedJob['schedulingConfig'],
    forceCanceled: j.forceCanceled,
    reasonCode: j.reasonCode,
    comment: j.comment,
    createdAt: j.createdAt?.getTime(),
    lastUpdatedAt: j.lastUpdatedAt?.getTime(),
    completedAt: j.completedAt?.getTime(),
    tags: {},
    counts,
  };
}

/** A JobSummary from a ListJobs row. */
export function fromSummary(s: SdkJobSummary): JobSummary {
  return { jobId: s.jobId!, jobArn: s.jobArn, status: s.status as JobStatus, lastUpdatedAt: s.lastUpdatedAt?.getTime(), completedAt: s.completedAt?.getTime() };
}
