/**
 * What one reconcile found and did: the report the reconciler hands to its hooks (status, events,
 * the status board, `plan`), and how it ended. Plain data.
 */
import type { Action, Outcome } from './action.js';
import type { DesiredJob } from './iot-job.js';
import type { ObservedJob } from './observed-job.js';
import type { RolloutHealth } from './health.js';
import type { WaveStatus } from './wave-status.js';

/** How a reconcile ended for the queue: done, waiting (requeued), failed (backed off) or stalled (needs a human). */
export const RECONCILE_RESULTS = ['success', 'requeue', 'error', 'stalled'] as const;
export type ReconcileResult = (typeof RECONCILE_RESULTS)[number];

/** The queue's result of an outcome. */
export function resultOf(outcome: Outcome): ReconcileResult {
  if (outcome === 'failed') return 'error';
  if (outcome === 'stalled') return 'stalled';
  return outcome === 'waiting' ? 'requeue' : 'success';
}

/** What one reconcile found and did. */
export interface ReconcileReport {
  key: string;
  desired?: DesiredJob;
  observed?: ObservedJob;
  action?: Action;
  /** What the reconcile did; `result` is derived from it (resultOf). */
  outcome: Outcome;
  result: ReconcileResult;
  error?: string;
  revision?: string;
  /** The manifest is being deleted and this reconcile applied (or is applying) its deletionPolicy. */
  leaving?: DesiredJob;
  /** A staged rollout's waves as they stood when the job was observed; undefined without spec.waves. */
  waves?: WaveStatus[];
  /** The rollout's health, judged once from the job observed (model/health.ts); undefined when the job was not read. Every view reads it from here. */
  health?: RolloutHealth;
}

/** A problem with one manifest; `waiting` when it clears by itself (a referenced object is being read). */
export interface KeyProblem {
  message: string;
  waiting?: boolean;
}

/** The report's action in words for a status (lastAction): `kind (outcome): reason`; undefined without an action. */
export function describeAction(r: ReconcileReport): string | undefined {
  return r.action ? `${r.action.kind} (${r.outcome}): ${r.action.reason}` : undefined;
}

/** The job a report is about: the one observed, else the one its action names, else the one `before` had; undefined when none. */
export function reportedJobId(r: ReconcileReport, before?: { jobId?: string }): string | undefined {
  return r.observed?.jobId ?? (r.action && 'jobId' in r.action ? r.action.jobId : undefined) ?? before?.jobId;
}
