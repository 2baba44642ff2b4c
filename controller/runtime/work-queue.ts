/**
 * A work queue of keys with client-go's semantics: a key is queued at most once, never handed to
 * two workers at once, and a key added while it is being processed is processed once more after.
 * Failed keys come back after a per-key exponential backoff.
 */
import type { Clock, Timer } from '../model/clock.js';

/** Backoff for failing keys: base doubling to a cap. */
export interface Backoff {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 1_000, maxMs: 300_000 };

/** A deduplicating, rate-limited work queue. */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, { at: number; timer: Timer }>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;

  constructor(
    private readonly clock: Clock,
    private readonly backoff: Backoff = DEFAULT_BACKOFF,
    private readonly onDepth: (depth: number) => void = () => undefined,
  ) {}

  /** Queues a key unless it is queued already; a key being processed is queued again when it is done. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.push(key);
  }

  /**
   * Queues a key ahead of the others (a change a user just made should not wait behind a resync);
   * a key already queued moves to the front.
   */
  addFirst(key: string): void {
    if (this.shuttingDown) return;
    if (this.dirty.has(key) && !this.processing.has(key)) {
      const i = this.queue.indexOf(key);
      if (i > 0) {
        this.queue.splice(i, 1);
        this.queue.unshift(key);
      }
      return;
    }
    if (this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.push(key, true);
  }

  private push(key: string, first = false): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      this.take(key);
      waiter(key);
    } else {
      if (first) this.queue.unshift(key);
      else this.queue.push(key);
      this.onDepth(this.queue.length);
    }
  }

  private take(key: string): void {
    this.dirty.delete(key);
    this.processing.add(key);
  }

  /**
   * Queues a key after `ms`, ahead of the keys queued meanwhile: it waited its turn already (a
   * read-back after a change, a retry after its backoff), so a resync's bulk does not delay it
   * again. An earlier pending time for the key wins.
   */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.clock.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    pending?.timer.cancel();
    const timer = this.clock.setTimer(() => {
      this.delayed.delete(key);
      this.addFirst(key);
    }, ms);
    this.delayed.set(key, { at, timer });
  }

  /** Queues a failed key after its backoff: base × 2^(failures − 1), capped. */
  addRateLimited(key: string): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    const delay = Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** (n - 1));
    this.addAfter(key, delay);
    return delay;
  }

  /** Clears a key's failure count (after a success). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** The next key to process; undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.queue.shift();
    if (key !== undefined) {
      this.take(key);
      this.onDepth(this.queue.length);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks a key as processed; if it was added meanwhile, it is queued again. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) this.push(key);
  }

  /** Keys waiting to be processed. */
  get depth(): number {
    return this.queue.length;
  }

  /** Stops handing out keys: waiting workers get undefined; queued and delayed keys are dropped. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const d of this.delayed.values()) d.timer.cancel();
    this.delayed.clear();
    this.queue.length = 0;
    this.onDepth(0);
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}
