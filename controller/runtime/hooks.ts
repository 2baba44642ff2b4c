/**
 * What the reconciler asks of the mode it runs in (directory or Kubernetes), as typed objects
 * instead of loose closures: the account lookup, the prune gate, and the hooks around a reconcile.
 */
import type { ReconcileReport } from '../model/report.js';
import type { Partition } from '../plan/normalize.js';

/** Where shorthand targets (`thing:`, `thingGroup:`) resolve: the partition, learning the account on first need. */
export interface AccountLookup {
  partition(): Partition;
  /** Makes sure the account is known when a target needs it. */
  ensure(targets: readonly string[]): Promise<void>;
}

/** What a mode does around each reconcile. */
export interface ReconcileHooks {
  /** Before the first change to AWS for a manifest (Kubernetes mode adds its finalizer); throws to stop the change. */
  beforeMutate(key: string): Promise<void>;
  /** Once per reconcile, on every path, with what happened (status, events, the status board); never throws. */
  afterReconcile(report: ReconcileReport): Promise<void>;
}

/** Hooks that do nothing (a plan, or a test). */
export const NO_HOOKS: ReconcileHooks = {
  beforeMutate: async () => undefined,
  afterReconcile: async () => undefined,
};
