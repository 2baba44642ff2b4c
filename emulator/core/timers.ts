/**
 * A min-heap of timed events. The emulator never sets real timers for its state machine: it
 * records when something is due and, whenever it is asked anything (or ticked), fires every event
 * whose time has come, in time order, stamped with its own due time. That keeps the state a pure
 * function of the calls made and the clock, so fake-clock tests are deterministic.
 */

/** One scheduled event: what is due, and when. `seq` breaks ties in insertion order. */
export interface TimedEvent<T> {
  at: number;
  seq: number;
  event: T;
}

/** A priority queue of events ordered by due time. */
export class TimerQueue<T> {
  private heap: TimedEvent<T>[] = [];
  private seq = 0;

  /** Schedules `event` to fire at epoch millisecond `at`. */
  schedule(at: number, event: T): void {
    this.heap.push({ at, seq: this.seq++, event });
    this.up(this.heap.length - 1);
  }

  /** The earliest due time, or undefined when nothing is scheduled. */
  peekTime(): number | undefined {
    return this.heap[0]?.at;
  }

  /** Removes and returns the earliest event if it is due at or before `now`; otherwise undefined. */
  popDue(now: number): TimedEvent<T> | undefined {
    const top = this.heap[0];
    if (!top || top.at > now) return undefined;
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
    return top;
  }

  /** How many events are scheduled. */
  get size(): number {
    return this.heap.length;
  }

  /** Every scheduled event, in no particular order (for snapshots). */
  entries(): readonly TimedEvent<T>[] {
    return this.heap;
  }

  /** Replaces the content with the given events (used when restoring a snapshot). */
  restore(entries: readonly TimedEvent<T>[]): void {
    this.heap = [];
    this.seq = 0;
    for (const e of [...entries].sort((a, b) => a.at - b.at || a.seq - b.seq)) this.schedule(e.at, e.event);
  }

  private less(i: number, j: number): boolean {
    const a = this.heap[i]!;
    const b = this.heap[j]!;
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private swap(i: number, j: number): void {
    const t = this.heap[i]!;
    this.heap[i] = this.heap[j]!;
    this.heap[j] = t;
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.heap.length && this.less(l, m)) m = l;
      if (r < this.heap.length && this.less(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
