/**
 * Pure mappers from the emulator's records to the service model's output shapes, with times as
 * the wire wants them: epoch seconds with fractions on the control plane, whole seconds on the
 * jobs data plane. Absent fields are left out, as the service does.
 */
import { toEpochSeconds, toWholeSeconds } from './clock.js';
import { deadlineOf } from './lifecycle.js';
import type { Execution, Job, Thing, ThingGroup } from './types.js';

/** Drops keys whose value is undefined, so JSON output carries only the fields that are set. */
export function compact<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

/** DescribeJob's `job`. */
export function jobView(job: Job): Record<string, unknown> {
  const c = job.counts;
  return compact({
    jobArn: job.jobArn,
    jobId: job.jobId,
    targetSelection: job.targetSelection,
    status: job.status,
    forceCanceled: job.forceCanceled,
    reasonCode: job.reasonCode,
    comment: job.comment,
    targets: job.targets,
    description: job.description,
    presignedUrlConfig: job.presignedUrlConfig,
    jobExecutionsRolloutConfig: job.jobExecutionsRolloutConfig,
    abortConfig: job.abortConfig,
    createdAt: toEpochSeconds(job.createdAt),
    lastUpdatedAt: toEpochSeconds(job.lastUpdatedAt),
    completedAt: toEpochSeconds(job.completedAt),
    jobProcessDetails: compact({
      processingTargets: job.rollout.done || job.status !== 'IN_PROGRESS' ? undefined : job.targets,
      numberOfCanceledThings: c.CANCELED,
      numberOfSucceededThings: c.SUCCEEDED,
      numberOfFailedThings: c.FAILED,
      numberOfRejectedThings: c.REJECTED,
      numberOfQueuedThings: c.QUEUED,
      numberOfInProgressThings: c.IN_PROGRESS,
      numberOfRemovedThings: c.REMOVED,
      numberOfTimedOutThings: c.TIMED_OUT,
    }),
    timeoutConfig: job.timeoutConfig,
    namespaceId: job.namespaceId,
    jobTemplateArn: job.jobTemplateArn,
    jobExecutionsRetryConfig: job.jobExecutionsRetryConfig,
    documentParameters: job.documentParameters,
    isConcurrent: isConcurrent(job),
    schedulingConfig: job.schedulingConfig,
    destinationPackageVersions: job.destinationPackageVersions,
  });
}

/** A job is "concurrent" while it rolls out or cancels (DG job-limits). */
function isConcurrent(job: Job): boolean {
  return job.status === 'IN_PROGRESS' && !job.rollout.done;
}

/** ListJobs' JobSummary. */
export function jobSummary(job: Job, thingGroupId: string | undefined): Record<string, unknown> {
  return compact({
    jobArn: job.jobArn,
    jobId: job.jobId,
    thingGroupId,
    targetSelection: job.targetSelection,
    status: job.status,
    createdAt: toEpochSeconds(job.createdAt),
    lastUpdatedAt: toEpochSeconds(job.lastUpdatedAt),
    completedAt: toEpochSeconds(job.completedAt),
    isConcurrent: isConcurrent(job),
  });
}

/** The control plane's JobExecutionSummary. */
export function executionSummary(exec: Execution): Record<string, unknown> {
  return compact({
    status: exec.status,
    queuedAt: toEpochSeconds(exec.queuedAt),
    startedAt: toEpochSeconds(exec.startedAt),
    lastUpdatedAt: toEpochSeconds(exec.lastUpdatedAt),
    executionNumber: exec.executionNumber,
    retryAttempt: exec.retryAttempt,
  });
}

function secondsLeft(exec: Execution, now: number): number | undefined {
  const d = deadlineOf(exec);
  return exec.status === 'IN_PROGRESS' && d !== undefined ? Math.max(0, Math.floor((d - now) / 1000)) : undefined;
}

/** The control plane's JobExecution (DescribeJobExecution). */
export function executionView(exec: Execution, thingArn: string, now: number): Record<string, unknown> {
  return compact({
    jobId: exec.jobId,
    status: exec.status,
    forceCanceled: exec.forceCanceled,
    statusDetails: { detailsMap: exec.statusDetails ?? {} },
    thingArn,
    queuedAt: toEpochSeconds(exec.queuedAt),
    startedAt: toEpochSeconds(exec.startedAt),
    lastUpdatedAt: toEpochSeconds(exec.lastUpdatedAt),
    executionNumber: exec.executionNumber,
    versionNumber: exec.versionNumber,
    approximateSecondsBeforeTimedOut: secondsLeft(exec, now),
  });
}

/** The data plane's JobExecution, with the document when asked for. */
export function deviceExecutionView(exec: Execution, now: number, jobDocument: string | undefined): Record<string, unknown> {
  return compact({
    jobId: exec.jobId,
    thingName: exec.thingName,
    status: exec.status,
    statusDetails: exec.statusDetails,
    queuedAt: toWholeSeconds(exec.queuedAt),
    startedAt: toWholeSeconds(exec.startedAt),
    lastUpdatedAt: toWholeSeconds(exec.lastUpdatedAt),
    approximateSecondsBeforeTimedOut: secondsLeft(exec, now),
    versionNumber: exec.versionNumber,
    executionNumber: exec.executionNumber,
    jobDocument,
  });
}

/** The data plane's JobExecutionSummary (GetPendingJobExecutions). */
export function deviceExecutionSummary(exec: Execution): Record<string, unknown> {
  return compact({
    jobId: exec.jobId,
    queuedAt: toWholeSeconds(exec.queuedAt),
    startedAt: toWholeSeconds(exec.startedAt),
    lastUpdatedAt: toWholeSeconds(exec.lastUpdatedAt),
    versionNumber: exec.versionNumber,
    executionNumber: exec.executionNumber,
  });
}

/** DescribeThing's output. */
export function thingView(t: Thing): Record<string, unknown> {
  return compact({
    defaultClientId: t.thingName,
    thingName: t.thingName,
    thingId: t.thingId,
    thingArn: t.thingArn,
    thingTypeName: t.thingTypeName,
    attributes: t.attributes,
    version: t.version,
  });
}

/** DescribeThingGroup's output. */
export function groupView(g: ThingGroup, ancestry: ThingGroup[]): Record<string, unknown> {
  return compact({
    thingGroupName: g.thingGroupName,
    thingGroupId: g.thingGroupId,
    thingGroupArn: g.thingGroupArn,
    version: g.version,
    thingGroupProperties: compact({ thingGroupDescription: g.description, attributePayload: { attributes: g.attributes } }),
    thingGroupMetadata: compact({
      parentGroupName: g.parentGroupName,
      rootToParentThingGroups: ancestry.length === 0 ? undefined : ancestry.map((a) => ({ groupName: a.thingGroupName, groupArn: a.thingGroupArn })),
      creationDate: toEpochSeconds(g.creationDate),
    }),
    status: 'ACTIVE',
  });
}
