/** A controller Clock for unit tests: time moves only when told to. */
import type { Clock, Timer } from '../../controller/model/clock.js';

/** A clock that only moves when told to; timers fire in order as it passes them. */
export class FakeClock implements Clock {
  private timers: { at: number; seq: number; fn: () => void; live: boolean }[] = [];
  private seq = 0;

  constructor(private current = 1_000_000) {}

  now(): number {
    return this.current;
  }

  setTimer(fn: () => void, ms: number): Timer {
    const t = { at: this.current + Math.max(0, ms), seq: this.seq++, fn, live: true };
    this.timers.push(t);
    return { cancel: () => (t.live = false) };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(resolve, ms));
  }

  /** Moves time forward, firing every timer that comes due, in order; awaits microtasks between them. */
  async advance(ms: number): Promise<void> {
    const end = this.current + ms;
    for (;;) {
      this.timers = this.timers.filter((t) => t.live);
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.current = next.at;
      next.live = false;
      next.fn();
      await flush();
    }
    this.current = end;
    await flush();
  }

  /** How many live timers are pending. */
  get pending(): number {
    return this.timers.filter((t) => t.live).length;
  }
}

/** Lets every pending promise chain run to its next wait (a macrotask turn drains the microtasks). */
function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
