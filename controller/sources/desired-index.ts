/**
 * The desired-state index both sources keep: manifest key → its DesiredJob or its problem (and, in
 * Kubernetes mode, the facts beside the job that the controller acts on), the keys an update
 * changed, the jobId claims, and the problem count behind iotjobs_source_problems.
 *
 * One change-detection method serves both sources: an entry's digest covers what reaches AWS and
 * what the controller acts on (jobId, spec, resolved document, problem, facts), so a key is
 * reported changed exactly when a reconcile could do something different. The same object handed
 * in again (the directory's parse cache returns one per unchanged file) is unchanged without a
 * digest. Entries and their jobs are never mutated once handed in.
 */
import { hash } from 'node:crypto';
import type { DesiredJob } from '../model/iot-job.js';
import type { Metrics } from '../observability/metrics.js';
import { ClaimIndex, type ConflictPolicy } from './claims.js';

export type { ConflictPolicy };

/** What the index holds for one key. */
export interface IndexEntry<P, F> {
  /** The desired job; undefined when the key has a problem instead. */
  readonly job?: DesiredJob;
  /** Why the key cannot be reconciled now; undefined when it can. */
  readonly problem?: P;
  /** Facts beside the job that change what the controller does (Kubernetes: leaving, deleting, approved); undefined in directory mode. */
  readonly facts?: F;
}

interface Stored<P, F> {
  readonly entry: IndexEntry<P, F>;
  /** The entry's digest, computed when first compared. */
  digest?: string;
}

/** How to build an index. */
export interface DesiredIndexOptions {
  metrics: Pick<Metrics, 'sourceProblems'>;
  /**
   * How a jobId that several keys claim is settled (see ConflictPolicy); claimants are keys. Under
   * 'refuse-snapshot' a snapshot reaches replace() only once refusedClaims found no conflict in it
   * (the snapshot's validation runs it beside every other check, so one report lists them all) and
   * the index holds no claims; under 'older-wins' the source records each key's claim with claim()
   * and asks holder() which key keeps a jobId.
   */
  conflicts: ConflictPolicy<string>;
}

/** A digest of what the controller acts on in an entry (the job's origin, generation and recorded id are not). */
function digestOf(s: Stored<unknown, unknown>): string {
  if (s.digest !== undefined) return s.digest;
  const { job, problem, facts } = s.entry;
  const acted = job ? [job.jobId, job.spec, job.document ?? null, job.documentSource ?? null] : null;
  s.digest = hash('sha256', JSON.stringify([problem ?? null, facts ?? null, acted]), 'base64');
  return s.digest;
}

/** Whether two stored entries differ in what the controller acts on; undefined is an absent key. */
function differs(a: Stored<unknown, unknown> | undefined, b: Stored<unknown, unknown> | undefined): boolean {
  if (!a || !b) return a !== b;
  return a.entry !== b.entry && digestOf(a) !== digestOf(b);
}

/** 1 when an entry has a problem, else 0 (undefined: no entry). */
/** The keys added, removed or changed in what the controller acts on between two sets of jobs. */
export function changedKeys(before: ReadonlyMap<string, DesiredJob>, after: ReadonlyMap<string, DesiredJob>): string[] {
  const out: string[] = [];
  for (const [k, job] of after) {
    const old = before.get(k);
    if (old !== job && differs(old && { entry: { job: old } }, { entry: { job } })) out.push(k);
  }
  for (const k of before.keys()) if (!after.has(k)) out.push(k);
  return out;
}

/** The desired state of one source: key → entry, with change detection, jobId claims and the problem gauge. */
export class DesiredIndex<P = never, F = undefined> {
  private stored = new Map<string, Stored<P, F>>();
  /** The keys whose entry has a problem (kept as entries change, so no update rescans them all). */
  private readonly problemKeys = new Set<string>();
  /** Problems of the latest snapshot that was refused as a whole (directory mode); 0 once one is accepted. */
  private snapshotProblems = 0;
  private readonly claims: ClaimIndex<string>;

  constructor(private readonly o: DesiredIndexOptions) {
    this.claims = new ClaimIndex(o.conflicts);
  }

  /** The entry of a key; undefined when the key is not in the index. */
  entry(key: string): IndexEntry<P, F> | undefined {
    return this.stored.get(key)?.entry;
  }

  /** The keys that have a problem, with it, in key order. */
  problems(): [string, P][] {
    return [...this.problemKeys].sort().map((k) => [k, this.stored.get(k)!.entry.problem!]);
  }

  /** Every key in the index. */
  keys(): string[] {
    return [...this.stored.keys()];
  }

  /**
   * Sets the entry of each key to `compute(key)` (undefined removes the key), in order, and returns
   * the keys whose entry changed in what the controller acts on. The problem gauge is set once.
   */
  update(keys: Iterable<string>, compute: (key: string) => IndexEntry<P, F> | undefined): string[] {
    const changed: string[] = [];
    for (const key of keys) {
      const before = this.stored.get(key);
      if (this.store(key, before, compute(key))) changed.push(key);
    }
    this.publish();
    return changed;
  }

  /**
   * Stores a key's new entry (undefined removes the key; the same entry keeps its stored digest),
   * keeps the problem count, and returns whether the entry changed in what the controller acts on.
   */
  private store(key: string, before: Stored<P, F> | undefined, entry: IndexEntry<P, F> | undefined): boolean {
    const after = entry && (before?.entry === entry ? before : { entry });
    if (after) this.stored.set(key, after);
    else this.stored.delete(key);
    if (entry?.problem !== undefined) this.problemKeys.add(key);
    else this.problemKeys.delete(key);
    return differs(before, after);
  }

  /**
   * Replaces every entry by a snapshot's jobs (keys unique, no problems: the snapshot was validated
   * whole) and returns the keys added, removed or changed. A job object the index already holds
   * for its key is unchanged before any digest is computed, which keeps a large rescan cheap.
   */
  replace(jobs: readonly DesiredJob[]): string[] {
    const next = new Map<string, Stored<P, F>>();
    const changed: string[] = [];
    for (const job of jobs) {
      const old = this.stored.get(job.key);
      const kept = old?.entry.job === job && old.entry.problem === undefined && old.entry.facts === undefined ? old : { entry: { job } };
      if (kept !== old && differs(old, kept)) changed.push(job.key);
      next.set(job.key, kept);
    }
    for (const k of this.stored.keys()) if (!next.has(k)) changed.push(k);
    this.stored = next;
    this.problemKeys.clear();
    this.publish();
    return changed;
  }

  /** Sets how many problems refused the latest snapshot (0: it was accepted); the entries in force stay. */
  refused(problems: number): void {
    this.snapshotProblems = problems;
    this.publish();
  }

  /** Records the jobId a key claims, replacing what it claimed before (undefined: it claims none). */
  claim(key: string, before: string | undefined, after: string | undefined): void {
    if (before !== undefined) this.claims.release(before, key);
    if (after !== undefined) this.claims.claim(after, key);
  }

  /** The key that holds a jobId under the index's conflict policy; undefined when no key claims it. */
  holder(jobId: string): string | undefined {
    return this.claims.holder(jobId);
  }

  /**
   * The keys, and every key that claims the jobId of one of them, as its entry has it or as
   * `claimed(key)` says it claims now: a change to one claimant may settle another's conflict.
   */
  withClaimants(keys: Iterable<string>, claimed: (key: string) => string | undefined): Set<string> {
    const out = new Set(keys);
    const ids = [...out].flatMap((k) => [this.entry(k)?.job?.jobId, claimed(k)]);
    for (const id of ids) if (id !== undefined) for (const other of this.claims.claimants(id)) out.add(other);
    return out;
  }

  private publish(): void {
    this.o.metrics.sourceProblems.set(this.problemKeys.size + this.snapshotProblems);
  }
}
