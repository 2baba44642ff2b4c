/**
 * What one reconcile found and did: the report the reconciler hands to its hooks (status, events,
 * the status board, `plan`), and how it ended. Plain data.
 */
import type { Action } from './action.js';
import type { DesiredJob } from './iot-job.js';
import type { ObservedJob } from './observed-job.js';

/** How a reconcile ended: done, waiting (requeued), failed (backed off) or stalled (needs a human). */
export const RECONCILE_RESULTS = ['success', 'requeue', 'error', 'stalled'] as const;
export type ReconcileResult = (typeof RECONCILE_RESULTS)[number];

/** What one reconcile found and did. */
export interface ReconcileReport {
  key: string;
  desired?: DesiredJob;
  observed?: ObservedJob;
  action?: Action;
  result: ReconcileResult;
  error?: string;
  revision?: string;
  /** The manifest is being deleted and this reconcile applied (or is applying) its deletionPolicy. */
  leaving?: DesiredJob;
}

/** A problem with one manifest; `waiting` when it clears by itself (a referenced object is being read). */
export interface KeyProblem {
  message: string;
  waiting?: boolean;
}
