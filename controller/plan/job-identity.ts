/**
 * Pure: which job in AWS is a manifest's. A job belongs to a manifest only when its managed-by tag
 * is this controller's id and its source-key tag is the manifest's key; an id shaped like the
 * manifest's jobId or its replacements (`fw`, `fw-r2`) only makes it a candidate.
 */
import { newestRevision, revisionOf } from './job-ids.js';

/** What the tags of one candidate job say; `managedBy` undefined when the job carries none. */
export interface JobOwner {
  jobId: string;
  managedBy?: string;
  sourceKey?: string;
}

/** What a manifest's job is. */
export type JobIdentity =
  /** The newest job of the manifest's own family (tagged with its key). */
  | { kind: 'own'; jobId: string }
  /** The family of a manifest that is no longer declared (a rename): the new manifest takes it over. */
  | { kind: 'takeover'; jobId: string; from: string }
  /** A job whose id is the jobId but that is not this manifest's: another manifest's or nobody's (adopt decides). */
  | { kind: 'other'; jobId: string }
  /** The manifest's newest known job is no longer in AWS: someone deleted it. */
  | { kind: 'gone'; jobId: string }
  /** No job: the manifest's job is still to be created. */
  | { kind: 'none' };

/** The inputs: the candidates in AWS with their tags, and what the controller remembers. */
export interface IdentityInput {
  base: string;
  key: string;
  controllerId: string;
  /** Every job in AWS whose id is shaped like base or one of its revisions, with its tags. */
  candidates: readonly JobOwner[];
  /** Ids of base's family that the controller recorded for this key, including those gone from AWS since. */
  remembered: readonly string[];
  /** Whether a manifest key is declared in the current snapshot. */
  declared: (key: string) => boolean;
  /**
   * Whether a job of a manifest that is not declared may be taken over (a rename). True in
   * directory mode; false in Kubernetes mode, where "not declared" also means out of view (another
   * namespace or shard), and a name never changes.
   */
  mayTakeOver: boolean;
}

/** Decides a manifest's job from tags and memory; never from the id's shape alone. */
export function identify(i: IdentityInput): JobIdentity {
  const ours = (c: JobOwner): boolean => c.managedBy === i.controllerId;
  const own = i.candidates.filter((c) => ours(c) && c.sourceKey === i.key).map((c) => c.jobId);
  const newest = newestRevision(i.base, [...own, ...i.remembered]);
  if (newest !== undefined && own.includes(newest)) return { kind: 'own', jobId: newest };
  // The newest job this manifest had is not in AWS any more, or its tags no longer say it is ours.
  if (newest !== undefined) return i.candidates.some((c) => c.jobId === newest) ? { kind: 'other', jobId: newest } : { kind: 'gone', jobId: newest };
  return i.mayTakeOver ? (takeover(i) ?? notOurs(i)) : notOurs(i);
}

/**
 * The family of exactly one manifest that is no longer declared, among the candidates: a rename
 * takes over its newest job. Undefined when there is none, or more than one (which is reported).
 */
function takeover(i: IdentityInput): JobIdentity | undefined {
  const orphans = new Map<string, string[]>();
  for (const c of i.candidates) {
    if (c.managedBy !== i.controllerId || c.sourceKey === undefined || c.sourceKey === i.key || i.declared(c.sourceKey)) continue;
    orphans.set(c.sourceKey, [...(orphans.get(c.sourceKey) ?? []), c.jobId]);
  }
  if (orphans.size !== 1) return undefined;
  const [[from, ids]] = [...orphans] as [[string, string[]]];
  return { kind: 'takeover', jobId: newestRevision(i.base, ids)!, from };
}

/** No job of this manifest: the job with the exact jobId (someone else's, reported or adopted), else the newest look-alike of ours, else none. */
function notOurs(i: IdentityInput): JobIdentity {
  const exact = i.candidates.find((c) => c.jobId === i.base);
  if (exact) return { kind: 'other', jobId: exact.jobId };
  const stray = newestRevision(
    i.base,
    i.candidates.filter((c) => c.managedBy === i.controllerId && c.sourceKey !== undefined && !i.declared(c.sourceKey)).map((c) => c.jobId),
  );
  return stray ? { kind: 'other', jobId: stray } : { kind: 'none' };
}

/** Whether `jobId` is base's or one of its replacements' id. */
export function inFamily(base: string, jobId: string): boolean {
  return revisionOf(base, jobId) !== undefined;
}
