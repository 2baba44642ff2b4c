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
}

/** Decides a manifest's job from tags and memory; never from the id's shape alone. */
export function identify(i: IdentityInput): JobIdentity {
  const ours = (c: JobOwner): boolean => c.managedBy === i.controllerId;
  const own = i.candidates.filter((c) => ours(c) && c.sourceKey === i.key).map((c) => c.jobId);
  const newest = newestRevision(i.base, [...own, ...i.remembered]);
  if (newest !== undefined && own.includes(newest)) return { kind: 'own', jobId: newest };
  // The newest job this manifest had is not in AWS any more, or its tags no longer say it is ours.
  if (newest !== undefined) return i.candidates.some((c) => c.jobId === newest) ? { kind: 'other', jobId: newest } : { kind: 'gone', jobId: newest };
  const exact = i.candidates.find((c) => c.jobId === i.base);
  if (!exact) return { kind: 'none' };
  const from = exact.sourceKey;
  if (ours(exact) && from !== undefined && from !== i.key && !i.declared(from)) {
    const family = i.candidates.filter((c) => ours(c) && c.sourceKey === from).map((c) => c.jobId);
    return { kind: 'takeover', jobId: newestRevision(i.base, family) ?? exact.jobId, from };
  }
  return { kind: 'other', jobId: exact.jobId };
}

/** Whether `jobId` is base's or one of its replacements' id. */
export function inFamily(base: string, jobId: string): boolean {
  return revisionOf(base, jobId) !== undefined;
}
