/**
 * Pure: the deletion guard's arithmetic, the Kubernetes counterpart of the prune guard. Deletions
 * that come together are held until approved when they are more than one and more than
 * `maxShare` of the managed IoTJobs (an Argo CD or Flux prune, a deleted namespace or CRD), or
 * when the deletions without approval within the window would be more than `maxDeletions` (a
 * prune that drips, or one that is large but a small share of a large fleet).
 */
import type { DeletionPolicy } from '../model/iot-job.js';

/** What the guard counts when it judges the deletions waiting to be judged. */
export interface DeletionCounts {
  /** IoTJobs that carry the controller's finalizer, those being deleted included. */
  managed: number;
  /** Of those, the ones being deleted now whose deletionPolicy acts on AWS, approved or not. */
  deleting: number;
  /** Deletions without approval within the window: those already let through, and those waiting or held now. */
  unapproved: number;
}

/** The guard's limits. */
export interface DeletionLimits {
  /** The largest share of the managed IoTJobs that may be deleted together (--max-prune-share). */
  maxShare: number;
  /** The most deletions without approval per window (--max-deletions). */
  maxDeletions: number;
  /** The sliding window (--deletion-window-seconds), in milliseconds. */
  windowMs: number;
}

/** The guard's verdict: hold or not, and why. */
export interface DeletionVerdict {
  hold: boolean;
  reason: string;
}

/** Judges the deletions waiting to be judged: they are held together, or they all proceed. */
export function judgeDeletions(c: DeletionCounts, limits: DeletionLimits): DeletionVerdict {
  const share = c.deleting / Math.max(c.managed, c.deleting, 1);
  if (c.deleting > 1 && share > limits.maxShare) {
    return {
      hold: true,
      reason: `${c.deleting} of ${c.managed} managed IoTJobs are being deleted together (${percent(share)}, more than ${percent(limits.maxShare)})`,
    };
  }
  if (c.unapproved > limits.maxDeletions) {
    return {
      hold: true,
      reason: `${c.unapproved} IoTJobs were deleted without approval within ${duration(limits.windowMs)} (more than ${limits.maxDeletions})`,
    };
  }
  return {
    hold: false,
    reason: `${c.deleting} of ${c.managed} managed IoTJobs being deleted; ${c.unapproved} without approval within ${duration(limits.windowMs)}`,
  };
}

/** Whether deleting an IoTJob with this deletionPolicy changes anything in AWS (undefined is the default, Cancel). */
export function deletionActs(policy: DeletionPolicy | undefined): boolean {
  return policy !== 'Orphan';
}

function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s % 60 !== 0) return `${s} s`;
  return s === 60 ? '1 minute' : `${s / 60} minutes`;
}
