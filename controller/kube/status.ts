/**
 * Pure: an IoTJob's status from one reconcile's report (kstatus conditions, as Flux writes them).
 * Ready is True when the job in AWS matches the spec, even while its rollout runs (a firmware
 * rollout can take days, and a GitOps health check must not wait for it); Reconciling is True
 * while the controller is changing the job or waiting on AWS; Stalled is True when it cannot go on
 * without a change to the spec or to AWS. The time is passed in; nothing here reads a clock.
 */
import { mutates } from '../model/action.js';
import type { ExecutionStatus, ObservedJob } from '../model/observed-job.js';
import { canonicalJson } from '../plan/normalize.js';
import { describeAction, type ReconcileReport } from '../model/report.js';

/** One condition, as metav1.Condition shapes it. */
export interface Condition {
  type: 'Ready' | 'Reconciling' | 'Stalled';
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/** A thing whose execution failed, timed out or was rejected. */
export interface FailedThing {
  thingName: string;
  status: ExecutionStatus;
  executionNumber?: number;
}

/** Execution counts as the status shows them. */
export interface ExecutionCounts {
  queued: number;
  inProgress: number;
  succeeded: number;
  failed: number;
  timedOut: number;
  rejected: number;
  removed: number;
  canceled: number;
}

/** The IoTJob status the controller writes. */
export interface IoTJobStatus {
  observedGeneration?: number;
  jobId?: string;
  jobArn?: string;
  awsStatus?: string;
  executions?: ExecutionCounts;
  failedThings?: FailedThing[];
  lastSyncTime?: string;
  lastAction?: string;
  lastError?: string;
  conditions?: Condition[];
}

/** The most failed things the status lists. */

/** Counts in the status's shape. */
export function countsOf(o: ObservedJob): ExecutionCounts {
  const c = o.counts;
  return { queued: c.QUEUED, inProgress: c.IN_PROGRESS, succeeded: c.SUCCEEDED, failed: c.FAILED, timedOut: c.TIMED_OUT, rejected: c.REJECTED, removed: c.REMOVED, canceled: c.CANCELED };
}

type Verdict = { ready: [Condition['status'], string, string]; reconciling?: [string, string]; stalled?: [string, string] };

/** What the report says about the three conditions. */
function verdictOf(r: ReconcileReport): Verdict {
  const a = r.action;
  const reason = a?.reason ?? '';
  if (r.result === 'error') return { ready: ['False', 'ReconcileFailed', r.error ?? 'reconcile failed'], reconciling: ['ProgressingWithRetry', `retrying after: ${r.error ?? 'an error'}`] };
  if (r.result === 'stalled') {
    const why = r.error ?? reason;
    const kind = r.error ? 'AWSRejected' : 'NeedsAttention';
    return { ready: ['False', kind, why], stalled: [kind, why] };
  }
  if (r.result === 'requeue' || a?.kind === 'wait') return { ready: ['False', 'Progressing', r.error ?? reason], reconciling: ['Progressing', r.error ?? reason] };
  if (a && mutates(a)) return { ready: ['False', 'Progressing', reason], reconciling: ['Progressing', `${a.kind}: ${reason}`] };
  if (r.desired?.spec.suspend) return { ready: ['True', 'Suspended', reason] };
  return { ready: ['True', 'Synced', rolloutSummary(r.observed) ?? reason] };
}

function rolloutSummary(o: ObservedJob | undefined): string | undefined {
  if (!o) return undefined;
  const c = o.counts;
  const total = Object.values(c).reduce((x, y) => x + y, 0);
  return `job ${o.jobId} is ${o.status}: ${c.SUCCEEDED} of ${total} executions succeeded, ${c.FAILED + c.TIMED_OUT + c.REJECTED} failed, ${c.QUEUED + c.IN_PROGRESS} pending`;
}

function condition(type: Condition['type'], status: Condition['status'], reason: string, message: string, generation: number | undefined, previous: Condition[] | undefined, now: string): Condition {
  const before = previous?.find((c) => c.type === type);
  const since = before && before.status === status ? before.lastTransitionTime : now;
  return { type, status, observedGeneration: generation, lastTransitionTime: since, reason, message: message.slice(0, 32_000) };
}

/**
 * The status after a reconcile. Fields the reconcile did not observe (the job, when the reconcile
 * failed before reading it) keep their previous values.
 */
export function statusFor(r: ReconcileReport, generation: number | undefined, previous: IoTJobStatus | undefined, now: string, failedThings?: FailedThing[]): IoTJobStatus {
  const v = verdictOf(r);
  const prevConds = previous?.conditions;
  const o = r.observed;
  const status: IoTJobStatus = {
    observedGeneration: generation,
    jobId: o?.jobId ?? (r.action && 'jobId' in r.action ? r.action.jobId : undefined) ?? previous?.jobId,
    jobArn: o?.jobArn ?? previous?.jobArn,
    awsStatus: o?.status ?? previous?.awsStatus,
    executions: o ? countsOf(o) : previous?.executions,
    failedThings: failedThings ?? previous?.failedThings,
    lastSyncTime: now,
    lastAction: describeAction(r)?.slice(0, 2_000) ?? previous?.lastAction,
    lastError: r.error,
    conditions: [
      condition('Ready', v.ready[0], v.ready[1], v.ready[2], generation, prevConds, now),
      condition('Reconciling', v.reconciling ? 'True' : 'False', v.reconciling?.[0] ?? 'Idle', v.reconciling?.[1] ?? '', generation, prevConds, now),
      condition('Stalled', v.stalled ? 'True' : 'False', v.stalled?.[0] ?? 'Idle', v.stalled?.[1] ?? '', generation, prevConds, now),
    ],
  };
  if (o && o.jobId !== previous?.jobId) status.failedThings = failedThings;
  return status;
}

/** Whether two statuses differ in more than their lastSyncTime. */
export function statusChanged(a: IoTJobStatus | undefined, b: IoTJobStatus): boolean {
  if (!a) return true;
  const strip = (s: IoTJobStatus): string => canonicalJson({ ...s, lastSyncTime: undefined });
  return strip(a) !== strip(b);
}
