/**
 * Pure: what one reconcile says about a manifest's health, in the words every view uses (the
 * IoTJob's conditions, the status page, `status.json`, the `status` CLI and the metrics), so the
 * views cannot disagree.
 *
 * Sync (Ready, Reconciling, Stalled, as kstatus reads them): Ready is True when the job in AWS
 * matches the spec, even while its rollout runs; Reconciling while the controller is changing the
 * job or waiting on AWS; Stalled when it cannot go on without a change to the spec or to AWS.
 *
 * Rollout health (Healthy) is separate from sync: a job in sync whose executions fail is Ready and
 * Degraded. It is judged on the share of the job's executions that failed, timed out or were
 * rejected, out of all its executions (so it only grows while a snapshot rollout runs, and does not
 * flap on the first few results), and on a cancel the spec did not ask for (AWS's abort criteria).
 */
import { mutates } from './action.js';
import type { ExecutionStatus, ObservedJob } from './observed-job.js';
import type { ReconcileReport } from './report.js';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** [status, reason, message] of Ready; [reason, message] of a flag condition that is True, undefined when it is False. */
export interface SyncVerdict {
  ready: [ConditionStatus, string, string];
  reconciling?: [string, string];
  stalled?: [string, string];
}

/** The rollout's health: Healthy (True), Degraded or Aborted (False), or Unknown before the job was read. */
export interface RolloutHealth {
  status: ConditionStatus;
  reason: 'Healthy' | 'Degraded' | 'Aborted' | 'CanceledInAWS' | 'NotStarted' | 'Unknown';
  message: string;
  /** Failed, timed-out and rejected executions ÷ all executions; undefined without executions. */
  failureRatio?: number;
}

/** The health of a job not read yet. */
export const UNKNOWN_HEALTH: RolloutHealth = { status: 'Unknown', reason: 'Unknown', message: 'the job has not been read' };

/** The default share of failed executions above which a rollout is Degraded. */
export const DEFAULT_DEGRADED_RATIO = 0.1;

/** What a report says about sync. */
export function syncVerdict(r: ReconcileReport): SyncVerdict {
  if (r.result === 'error') return errorVerdict(r.error);
  if (r.result === 'stalled') return stalledVerdict(r);
  return progressVerdict(r) ?? settledVerdict(r);
}

/** A failed reconcile: not Ready, and Reconciling while it is retried; undefined `error` reads as "reconcile failed". */
function errorVerdict(error: string | undefined): SyncVerdict {
  return { ready: ['False', 'ReconcileFailed', error ?? 'reconcile failed'], reconciling: ['ProgressingWithRetry', `retrying after: ${error ?? 'an error'}`] };
}

/** A stalled reconcile: AWSRejected when AWS refused (the report has an error), else NeedsAttention with the plan's reason. */
function stalledVerdict(r: ReconcileReport): SyncVerdict {
  const why = r.error ?? r.action?.reason ?? '';
  const kind = r.error ? 'AWSRejected' : 'NeedsAttention';
  return { ready: ['False', kind, why], stalled: [kind, why] };
}

/** A reconcile that is changing the job or waiting on AWS: Progressing; undefined when it is neither. */
function progressVerdict(r: ReconcileReport): SyncVerdict | undefined {
  const a = r.action;
  const reason = a?.reason ?? '';
  if (r.result === 'requeue' || a?.kind === 'wait')
    return { ready: ['False', 'Progressing', r.error ?? reason], reconciling: ['Progressing', r.error ?? reason] };
  if (a && mutates(a)) return { ready: ['False', 'Progressing', reason], reconciling: ['Progressing', `${a.kind}: ${reason}`] };
  return undefined;
}

/** A reconcile that left the job as the spec wants it: Ready, Suspended or Synced (with the rollout's progress when the job was read). */
function settledVerdict(r: ReconcileReport): SyncVerdict {
  const reason = r.action?.reason ?? '';
  if (r.desired?.spec.suspend) return { ready: ['True', 'Suspended', reason] };
  return { ready: ['True', 'Synced', rolloutSummary(r.observed) ?? reason] };
}

/** Failed, timed-out and rejected executions. */
export function failedCount(c: Record<ExecutionStatus, number>): number {
  return c.FAILED + c.TIMED_OUT + c.REJECTED;
}

/** All executions of the job, whatever their status. */
export function executionTotal(c: Record<ExecutionStatus, number>): number {
  return Object.values(c).reduce((x, y) => x + y, 0);
}

/** Executions that reached an end (neither queued nor in progress). */
export function finishedCount(c: Record<ExecutionStatus, number>): number {
  return executionTotal(c) - c.QUEUED - c.IN_PROGRESS;
}

/** "finished/total" for a printer column and the status page. */
export function progressText(c: Record<ExecutionStatus, number>): string {
  return `${finishedCount(c)}/${executionTotal(c)}`;
}

function rolloutSummary(o: ObservedJob | undefined): string | undefined {
  if (!o) return undefined;
  const c = o.counts;
  return `job ${o.jobId} is ${o.status}: ${c.SUCCEEDED} of ${executionTotal(c)} executions succeeded, ${failedCount(c)} failed, ${c.QUEUED + c.IN_PROGRESS} pending`;
}

/**
 * The rollout's health from the job as read: Aborted when AWS canceled it by its abort criteria,
 * CanceledInAWS when something else canceled a job the spec keeps active, Degraded when the failed
 * share exceeds `degradedRatio`, NotStarted without executions, else Healthy. A cancel the spec asked
 * for (state: Canceled, or a failed wave gate with onGateFailure: Cancel) is not a health problem.
 */
export function rolloutHealth(r: Pick<ReconcileReport, 'observed' | 'desired' | 'waves'>, degradedRatio: number): RolloutHealth {
  const o = r.observed;
  if (!o) return UNKNOWN_HEALTH;
  const total = executionTotal(o.counts);
  const failureRatio = total === 0 ? undefined : failedCount(o.counts) / total;
  const canceled = canceledVerdict(r, o);
  if (canceled) return { ...canceled, failureRatio };
  if (failureRatio === undefined) return { status: 'True', reason: 'NotStarted', message: `job ${o.jobId} has no executions yet` };
  const share = `${failedCount(o.counts)} of ${total} executions (${percent(failureRatio)}) failed, timed out or were rejected`;
  if (failureRatio > degradedRatio)
    return { status: 'False', reason: 'Degraded', message: `${share}; above the ${percent(degradedRatio)} threshold`, failureRatio };
  return { status: 'True', reason: 'Healthy', message: share, failureRatio };
}

/** An AWS-side cancel of a job the spec wants active; undefined otherwise. */
function canceledVerdict(r: Pick<ReconcileReport, 'desired' | 'waves'>, o: ObservedJob): Omit<RolloutHealth, 'failureRatio'> | undefined {
  if (o.status !== 'CANCELED' || !r.desired || r.desired.spec.state === 'Canceled') return undefined;
  if (r.waves?.some((w) => w.phase === 'Failed')) return undefined;
  const why = [o.reasonCode, o.comment].filter(Boolean).join(': ');
  const said = why ? `: ${why}` : '';
  const spec = r.desired.spec;
  if (spec.abortConfig || spec.waves?.some((w) => w.abortConfig)) return { status: 'False', reason: 'Aborted', message: `AWS aborted job ${o.jobId}${said}` };
  return { status: 'False', reason: 'CanceledInAWS', message: `job ${o.jobId} was canceled in AWS, not by its spec${said}` };
}

function percent(x: number): string {
  return `${Math.round(x * 1000) / 10}%`;
}
