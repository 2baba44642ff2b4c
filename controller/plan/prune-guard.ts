/**
 * Pure: the prune guard's arithmetic. A snapshot that would remove more than `maxShare` of the
 * managed manifests, or all of them, is held back until an operator approves its revision.
 */

/** The guard's verdict on one snapshot. */
export interface PruneVerdict {
  allowed: boolean;
  managed: number;
  removed: number;
  reason: string;
}

/** Judges a snapshot: `managed` are the manifest keys whose owned jobs (or, with `noun`, job templates) a removal would act on, `desired` the snapshot's keys. */
export function judgePrune(
  managed: readonly string[],
  desired: ReadonlySet<string>,
  opts: { maxShare: number; approved: boolean; noun?: string },
): PruneVerdict {
  const noun = opts.noun ?? 'jobs';
  const removed = managed.filter((k) => !desired.has(k)).length;
  const base = { managed: managed.length, removed };
  if (removed === 0) return { ...base, allowed: true, reason: 'nothing to remove' };
  const all = removed === managed.length;
  const share = removed / managed.length;
  if ((all || share > opts.maxShare) && !opts.approved) {
    const what = all
      ? `every managed ${noun.replace(/s$/, '')}`
      : `${removed} of ${managed.length} managed ${noun} (${Math.round(share * 100)}%, more than ${Math.round(opts.maxShare * 100)}%)`;
    return { ...base, allowed: false, reason: `the snapshot would remove ${what}; approve its revision to proceed` };
  }
  return { ...base, allowed: true, reason: `${removed} of ${managed.length} managed ${noun} removed` };
}
