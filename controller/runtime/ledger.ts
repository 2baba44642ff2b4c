/**
 * The ledger: the jobs this controller created or saw for each manifest key, and those of them
 * that someone else deleted. It is what a restart must not forget, so that a job deleted outside
 * the controller is reported as Gone rather than created again. The jobs that still exist are
 * known from their tags in AWS as well; the ledger adds the gone ones. With a store (the
 * --state-file) every change is written in the background within `flushMs`, and at once before
 * a DeleteJob and at stop.
 */
import type { Clock, Timer } from '../model/clock.js';

/** live: the job exists as far as we know; deleting: this controller deleted it; gone: someone else did. */
export type LedgerState = 'live' | 'deleting' | 'gone';

/** One job the ledger remembers. `at` is when it was seen gone (epoch ms). */
export interface LedgerEntry {
  key: string;
  state: LedgerState;
  at?: number;
}

/** Where the ledger is kept between runs. */
export interface LedgerStore {
  /** The entries saved last, by job id; empty when nothing was saved yet. Throws when the store is unreadable. */
  load(): Record<string, LedgerEntry>;
  /** Saves all entries atomically, now; `generation` orders saves (an older one never replaces a newer one). */
  save(entries: Record<string, LedgerEntry>, generation: number): void;
  /** The same, without blocking the event loop. */
  saveInBackground(entries: Record<string, LedgerEntry>, generation: number): Promise<void>;
  /** Where it is, for logs. */
  readonly where: string;
}

/** How to build a ledger. */
export interface LedgerOptions {
  clock: Clock;
  store?: LedgerStore;
  /** How long a change may wait before it is written in the background (default 500 ms). */
  flushMs?: number;
  /** Called when a write fails (it is retried with the next change or at stop). */
  onError?: (err: Error) => void;
}

/** The controller's durable memory of its jobs. */
export class Ledger {
  private readonly entries = new Map<string, LedgerEntry>();
  private readonly byKey = new Map<string, Set<string>>();
  private timer: Timer | undefined;
  /** Counts changes; a save carries the generation it saw. */
  private generation = 0;
  private saved = 0;

  constructor(private readonly o: LedgerOptions) {
    this.reload();
  }

  /** Replaces what is in memory with what the store holds (a replica that becomes the leader reads what the last leader wrote). */
  reload(): void {
    if (!this.o.store) return;
    this.entries.clear();
    this.byKey.clear();
    for (const [jobId, e] of Object.entries(this.o.store.load())) this.put(jobId, e);
  }

  /**
   * Remembers that `jobId` exists and is `key`'s; a job of another key moves over (a rename took
   * it). A job this controller was deleting stays so unless `alive` (it is seen not being deleted:
   * the delete did not happen).
   */
  remember(jobId: string, key: string, alive = true): void {
    const e = this.entries.get(jobId);
    const state = e?.state === 'deleting' && !alive ? 'deleting' : 'live';
    if (e && e.key === key && e.state === state) return;
    this.put(jobId, { key, state });
    this.changed();
  }

  /** Notes that this controller is deleting `jobId`, so its disappearance is not someone else's doing. */
  markDeleting(jobId: string): void {
    const e = this.entries.get(jobId);
    if (!e || e.state === 'deleting') return;
    this.put(jobId, { key: e.key, state: 'deleting' });
    this.changed();
  }

  /** Notes that `jobId` is not in AWS: forgotten when we deleted it, kept as gone otherwise. */
  markGone(jobId: string): void {
    const e = this.entries.get(jobId);
    if (!e || e.state === 'gone') return;
    if (e.state === 'deleting') this.drop(jobId);
    else this.put(jobId, { key: e.key, state: 'gone', at: this.o.clock.now() });
    this.changed();
  }

  /** The job ids remembered for `key`, gone ones included. */
  jobsOf(key: string): string[] {
    return [...(this.byKey.get(key) ?? [])];
  }

  /** The entry of one job; undefined when the ledger does not know it. */
  entry(jobId: string): LedgerEntry | undefined {
    return this.entries.get(jobId);
  }

  /** Forgets the gone jobs of these keys (an operator approved creating them again); returns the ids forgotten. */
  approveRecreate(keys: readonly string[]): string[] {
    const out: string[] = [];
    for (const key of keys) for (const jobId of this.jobsOf(key)) if (this.entries.get(jobId)?.state === 'gone') out.push(jobId);
    for (const jobId of out) this.drop(jobId);
    if (out.length > 0) this.changed();
    return out;
  }

  /** Writes pending changes now, blocking (at stop, and before a DeleteJob). */
  flush(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (!this.o.store || this.saved === this.generation) return;
    const generation = this.generation;
    try {
      this.o.store.save(Object.fromEntries(this.entries), generation);
      this.saved = Math.max(this.saved, generation);
    } catch (err) {
      this.o.onError?.(err as Error);
    }
  }

  /** Writes pending changes without blocking the event loop. */
  private async flushInBackground(): Promise<void> {
    this.timer = undefined;
    if (!this.o.store || this.saved === this.generation) return;
    const generation = this.generation;
    try {
      await this.o.store.saveInBackground(Object.fromEntries(this.entries), generation);
      this.saved = Math.max(this.saved, generation);
    } catch (err) {
      this.o.onError?.(err as Error);
    }
  }

  private changed(): void {
    this.generation++;
    if (!this.o.store || this.timer) return;
    this.timer = this.o.clock.setTimer(() => void this.flushInBackground(), this.o.flushMs ?? 500);
  }

  private put(jobId: string, e: LedgerEntry): void {
    const old = this.entries.get(jobId);
    if (old && old.key !== e.key) this.byKey.get(old.key)?.delete(jobId);
    this.entries.set(jobId, e);
    let set = this.byKey.get(e.key);
    if (!set) this.byKey.set(e.key, (set = new Set()));
    set.add(jobId);
  }

  private drop(jobId: string): void {
    const e = this.entries.get(jobId);
    if (!e) return;
    this.entries.delete(jobId);
    const set = this.byKey.get(e.key);
    set?.delete(jobId);
    if (set?.size === 0) this.byKey.delete(e.key);
  }
}
