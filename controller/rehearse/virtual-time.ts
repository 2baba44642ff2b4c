/**
 * Virtual time for a rehearsal: one clock that the controller (model/clock.ts), the emulated
 * service (emulator/core/clock.ts) and the virtual fleet all read, and one queue of timed
 * callbacks. Nothing sleeps: `advance` jumps to the next due callback, runs it, and waits until
 * the work it started (the controller's reconciles, in-process AWS calls) has settled before the
 * next jump. Days of rollout take seconds.
 */
import type { Clock, Timer } from '../model/clock.js';

interface Entry {
  at: number;
  seq: number;
  fn: () => void;
  /** Whether running it may start asynchronous work (a controller timer), so a settle must follow. */
  async: boolean;
  cancelled: boolean;
}

const earliest = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined ? b : b === undefined ? a : Math.min(a, b));

/** How many macrotask turns with no new activity mean the in-process work has settled. */
const QUIET_TURNS = 3;

/** A clock whose time moves only when the rehearsal advances it. */
export class VirtualTime implements Clock {
  /** Simulated ms per real ms, for the emulator's Clock; meaningless here, so 1. */
  readonly scale = 1;
  private current: number;
  private heap: Entry[] = [];
  private seq = 0;
  /** Bumped by every timer set and by `touch`: how `settle` tells that work is still going on. */
  private activity = 0;
  /** The activity count when the work last settled. */
  private quietAt = -1;

  constructor(start: number) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  /** Runs `fn` at virtual time `at` (now, if `at` is past). */
  at(at: number, fn: () => void): Timer {
    this.activity++;
    return this.enqueue(at, fn, true);
  }

  /**
   * `at` for synchronous callbacks that start no asynchronous work (the virtual fleet's devices):
   * they are not counted as activity, so a rehearsal does not wait for a quiet turn after each.
   */
  schedule(at: number, fn: () => void): Timer {
    return this.enqueue(at, fn, false);
  }

  private enqueue(at: number, fn: () => void, async: boolean): Timer {
    const entry: Entry = { at: Math.max(at, this.current), seq: this.seq++, fn, async, cancelled: false };
    this.push(entry);
    return {
      cancel: () => {
        entry.cancelled = true;
      },
    };
  }

  setTimer(fn: () => void, ms: number): Timer {
    return this.at(this.current + Math.max(0, ms), fn);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(resolve, ms));
  }

  /** Records that in-process work happened (an AWS call answered), so `settle` waits on. */
  touch(): void {
    this.activity++;
  }

  /** The time of the next callback that is still to run; undefined when none is. */
  nextAt(): number | undefined {
    this.dropCancelled();
    return this.heap[0]?.at;
  }

  /** Waits, in real time, until the in-process work has stopped making new work (a few quiet macrotask turns). */
  async settle(): Promise<void> {
    let quiet = 0;
    let seen = this.activity;
    while (quiet < QUIET_TURNS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.activity === seen) quiet++;
      else {
        quiet = 0;
        seen = this.activity;
      }
    }
    this.quietAt = this.activity;
  }

  /**
   * Moves time to the next due moment (a callback, or `other.nextAt()`), never past `limit`, calls
   * `other.reached(now)` and runs every callback due then, settling whenever one started
   * asynchronous work. False when nothing is due up to `limit` (the time is then `limit`).
   */
  async advance(limit: number, other: { nextAt(): number | undefined; reached(now: number): void }): Promise<boolean> {
    if (this.activity !== this.quietAt) await this.settle();
    const next = earliest(this.nextAt(), other.nextAt());
    if (next === undefined || next > limit) {
      this.current = Math.max(this.current, limit);
      return false;
    }
    this.current = Math.max(this.current, next);
    other.reached(this.current);
    for (let e = this.popDue(); e; e = this.popDue()) {
      const before = this.activity;
      e.fn();
      if (e.async || this.activity !== before) await this.settle();
    }
    return true;
  }

  private popDue(): Entry | undefined {
    this.dropCancelled();
    const top = this.heap[0];
    if (!top || top.at > this.current) return undefined;
    this.pop();
    return top;
  }

  private dropCancelled(): void {
    while (this.heap[0]?.cancelled) this.pop();
  }

  private less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    for (let i = h.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      this.swap(i, p);
      i = p;
    }
  }

  private swap(i: number, j: number): void {
    const h = this.heap;
    const t = h[i]!;
    h[i] = h[j]!;
    h[j] = t;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    for (let i = 0; ;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }
}
