/**
 * Job ids of a manifest's replacements. The first job uses the base id; each replacement under
 * replacePolicy Recreate takes a later revision, `<base>-r<N>`, skipping any id that is taken, so
 * no id is ever reused while an older job exists. An id's shape only narrows the candidates: which
 * job is a manifest's is decided by its tags (job-identity.ts). Because a replacement skips every
 * taken id, two manifests' families never truly collide: `pp` and `pp-r2` may both be declared,
 * and only two manifests with the same jobId are refused at validation. Pure.
 */

const MAX_JOB_ID = 64;
/** How far past the current revision a replacement looks for a free id. */
const MAX_SKIP = 1_000;

/** The job id of revision `n` (1 is the base id itself), kept within 64 characters. */
export function revisionJobId(base: string, n: number): string {
  if (n <= 1) return base;
  const suffix = `-r${n}`;
  return `${base.slice(0, MAX_JOB_ID - suffix.length)}${suffix}`;
}

/** The revision of `jobId` for `base`, or undefined when the id is not one of base's. */
export function revisionOf(base: string, jobId: string): number | undefined {
  if (jobId === base) return 1;
  const m = /-r(\d+)$/.exec(jobId);
  if (!m) return undefined;
  const n = Number(m[1]);
  return n >= 2 && revisionJobId(base, n) === jobId ? n : undefined;
}

/** The first id after revision `after` of `base` that `taken` does not hold; undefined when none is free nearby. */
export function nextFreeJobId(base: string, after: number, taken: (jobId: string) => boolean): string | undefined {
  for (let n = after + 1; n <= after + MAX_SKIP; n++) {
    const id = revisionJobId(base, n);
    if (!taken(id)) return id;
  }
  return undefined;
}

/** The id with the highest revision of `base` among `jobIds`, or undefined when none is base's. */
export function newestRevision(base: string, jobIds: Iterable<string>): string | undefined {
  let best: { id: string; n: number } | undefined;
  for (const id of jobIds) {
    const n = revisionOf(base, id);
    if (n !== undefined && (!best || n > best.n)) best = { id, n };
  }
  return best?.id;
}

/** Finds the ids shaped like a base's revisions among many job ids without scanning them all per base. */
export class JobIdIndex {
  private readonly byStem = new Map<string, string[]>();

  constructor(jobIds: Iterable<string>) {
    for (const id of jobIds) this.add(id);
  }

  /** Adds one job id. */
  add(id: string): void {
    const stem = id.replace(/-r\d+$/, '');
    for (const s of stem === id ? [id] : [stem, id]) {
      const list = this.byStem.get(s);
      if (!list) this.byStem.set(s, [id]);
      else if (!list.includes(id)) list.push(id);
    }
  }

  /** Removes one job id (a job seen gone). */
  remove(id: string): void {
    const stem = id.replace(/-r\d+$/, '');
    for (const s of stem === id ? [id] : [stem, id]) {
      const list = this.byStem.get(s);
      const i = list?.indexOf(id) ?? -1;
      if (i >= 0) list!.splice(i, 1);
      if (list?.length === 0) this.byStem.delete(s);
    }
  }

  /** Every indexed id that is `base` or one of its revisions. */
  family(base: string): string[] {
    const candidates = new Set<string>(this.byStem.get(base) ?? []);
    for (let len = 3; MAX_JOB_ID - len < base.length && len <= 12; len++)
      for (const id of this.byStem.get(base.slice(0, MAX_JOB_ID - len)) ?? []) candidates.add(id);
    return [...candidates].filter((id) => revisionOf(base, id) !== undefined);
  }
}
