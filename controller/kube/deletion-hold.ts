/**
 * The deletion guard's memory in Kubernetes mode. An IoTJob being deleted whose deletionPolicy
 * acts on AWS first waits until no other deletion has come for `quietMs` (a prune or a namespace
 * deletion arrives as one watch event per object), then every waiting deletion is judged at once
 * (plan/deletion-guard.ts): all proceed, or all are held. A held deletion stays held until its
 * object carries `iot.gitops.dev/approve-deletion: "true"`; time never releases it. Its hold is
 * written on the object (`iot.gitops.dev/deletion-held`) by the status writer, so a restarted or
 * newly elected controller holds it too: the state is the objects themselves. An approved
 * deletion proceeds at once, also when approved before the deletion (a planned removal).
 */
import type { Logger } from '../observability/logger.js';
import { judgeDeletions, type DeletionLimits } from '../plan/deletion-guard.js';
import type { Clock } from '../model/clock.js';

/** The annotation that approves a held deletion (or one to come). */
export const APPROVE_ANNOTATION = 'iot.gitops.dev/approve-deletion';
/** The annotation the controller writes on a held IoTJob: why it is held. */
export const HELD_ANNOTATION = 'iot.gitops.dev/deletion-held';
/** How long deletions must pause before the waiting ones are judged together. */
export const DEFAULT_QUIET_MS = 2_000;

/** What the guard knows of one IoTJob. */
export interface DeletionFacts {
  /** It carries the controller's finalizer. */
  managed: boolean;
  /** It is being deleted, carries the finalizer, and its deletionPolicy acts on AWS. */
  deleting: boolean;
  /** It carries the approval annotation with the value "true". */
  approved: boolean;
  /** The hold written on it before (the deletion-held annotation); undefined when there is none. */
  heldBefore?: string;
}

/** Where one deletion stands: waiting to be judged, held (with why), or free to proceed. */
export type DeletionState = { kind: 'waiting'; message: string } | { kind: 'held'; reason: string } | { kind: 'released' };

type Tracked = { kind: 'waiting' } | { kind: 'held'; reason: string } | { kind: 'released' };

/** How the guard is set up. */
export interface DeletionHoldOptions {
  limits: DeletionLimits;
  quietMs?: number;
  clock: Clock;
  logger: Logger;
  /** Whether the IoTJobs have been listed, so the counts are whole; waiting deletions are judged only then. */
  ready: () => boolean;
  /** Called with the number of held deletions whenever it changes. */
  onHeldCount: (held: number) => void;
}

/** Tracks the deletions of IoTJobs and holds those the guard refuses. */
export class DeletionHold {
  private readonly managed = new Set<string>();
  private readonly deletions = new Map<string, Tracked>();
  /** When each deletion let through without approval went, oldest first (for the window). */
  private readonly releases: number[] = [];
  private lastArrival = Number.NEGATIVE_INFINITY;
  private held = 0;
  /** When each held deletion was held (a hold read back from its object after a restart counts as old). */
  private readonly heldSince = new Map<string, number>();

  constructor(private readonly o: DeletionHoldOptions) {}

  /** Records what is known of an IoTJob now; undefined when it is gone. */
  update(key: string, facts: DeletionFacts | undefined): void {
    if (facts?.managed) this.managed.add(key);
    else this.managed.delete(key);
    const before = this.deletions.get(key);
    if (!facts?.deleting) this.forget(key, before);
    else if (facts.approved && before?.kind !== 'released') this.approve(key, before);
    else if (!before) this.arrive(key, facts.heldBefore);
  }

  /** An IoTJob no longer being deleted (or gone): its deletion, if tracked (`before`), is forgotten. */
  private forget(key: string, before: Tracked | undefined): void {
    if (before?.kind === 'held')
      this.o.logger.info(
        { key },
        'a held deletion no longer waits for approval (its finalizer was removed by hand, or its deletionPolicy is now Orphan); its job is left alone',
      );
    if (before) this.set(key, undefined);
  }

  /** An approved deletion proceeds, whether it was held, waiting or not yet seen (`before` undefined). */
  private approve(key: string, before: Tracked | undefined): void {
    if (before?.kind === 'held') this.o.logger.info({ key }, 'held deletion approved; its deletionPolicy applies');
    this.set(key, { kind: 'released' });
  }

  /** A deletion seen for the first time: held again when its object says it was held (`heldBefore`), else waiting (and deletions are not quiet yet). */
  private arrive(key: string, heldBefore: string | undefined): void {
    if (heldBefore === undefined) this.lastArrival = this.o.clock.now();
    this.set(key, heldBefore === undefined ? { kind: 'waiting' } : { kind: 'held', reason: heldBefore }, Number.NEGATIVE_INFINITY);
  }

  /** Where the deletion of an IoTJob stands; undefined when it is not being deleted (or its deletion changes nothing in AWS). */
  state(key: string): DeletionState | undefined {
    if (this.deletions.get(key)?.kind === 'waiting' && this.o.clock.now() - this.lastArrival >= this.quietMs() && this.o.ready()) this.judge();
    const t = this.deletions.get(key);
    if (t?.kind === 'waiting')
      return {
        kind: 'waiting',
        message: `deletion requested; waiting until no other IoTJob has been deleted for ${this.quietMs() / 1000} s, to judge the deletions that come together`,
      };
    return t;
  }

  /** How many deletions are held. */
  heldCount(): number {
    return this.held;
  }

  private quietMs(): number {
    return this.o.quietMs ?? DEFAULT_QUIET_MS;
  }

  /** Judges every waiting deletion at once: all are held, or all proceed. */
  private judge(): void {
    const now = this.o.clock.now();
    while (this.releases.length > 0 && this.releases[0]! <= now - this.o.limits.windowMs) this.releases.shift();
    const waiting = [...this.deletions].filter(([, t]) => t.kind === 'waiting').map(([k]) => k);
    // The rate rule counts what went, or was held, within the window: a batch held long ago does
    // not make every later single deletion look like part of a burst (found by review).
    let recentHolds = 0;
    for (const at of this.heldSince.values()) if (at > now - this.o.limits.windowMs) recentHolds++;
    const counts = { managed: this.managed.size, deleting: this.deletions.size, unapproved: this.releases.length + waiting.length + recentHolds };
    const verdict = judgeDeletions(counts, this.o.limits);
    for (const key of waiting) {
      this.set(key, verdict.hold ? { kind: 'held', reason: verdict.reason } : { kind: 'released' });
      if (!verdict.hold) this.releases.push(now);
    }
    if (verdict.hold)
      this.o.logger.error(
        { ...counts, held: this.held, keys: waiting.slice(0, 20) },
        `deletion guard: holding ${waiting.length} deletions: ${verdict.reason}; annotate them ${APPROVE_ANNOTATION}=true to proceed`,
      );
  }

  /** Tracks a deletion as `t` (undefined: not at all), keeping when it was first held (`heldAt` for a new hold) and the held count. */
  private set(key: string, t: Tracked | undefined, heldAt = this.o.clock.now()): void {
    if (t?.kind === 'held') this.heldSince.set(key, this.heldSince.get(key) ?? heldAt);
    else this.heldSince.delete(key);
    const change = heldCount(t) - heldCount(this.deletions.get(key));
    if (t) this.deletions.set(key, t);
    else this.deletions.delete(key);
    if (change === 0) return;
    this.held += change;
    this.o.onHeldCount(this.held);
  }
}

/** 1 for a held deletion, 0 for any other (or none). */
function heldCount(t: Tracked | undefined): number {
  return t?.kind === 'held' ? 1 : 0;
}
