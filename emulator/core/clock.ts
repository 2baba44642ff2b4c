/**
 * Clocks for the emulator. Every timestamp and timer of the service reads one injected Clock, so a
 * test can drive time by hand (FakeClock) and a demo can run minutes of rollout in seconds
 * (ScaledClock).
 */

/** A source of time in epoch milliseconds. */
export interface Clock {
  /** The current time in epoch milliseconds; never decreases. */
  now(): number;
  /** How many simulated milliseconds pass per real millisecond (1 for real time). */
  readonly scale: number;
}

/** Real wall-clock time. */
export class SystemClock implements Clock {
  readonly scale = 1;
  now(): number {
    return Date.now();
  }
}

/**
 * Simulated time that runs `scale` times faster than the wall clock, starting from the wall
 * clock's time at construction. A scale of 60 turns a minute of rollout into a second.
 */
export class ScaledClock implements Clock {
  private readonly realStart: number;
  private readonly simStart: number;

  constructor(
    readonly scale: number,
    private readonly realNow: () => number = Date.now,
  ) {
    if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`time scale must be a positive number, got ${scale}`);
    this.realStart = realNow();
    this.simStart = this.realStart;
  }

  now(): number {
    return this.simStart + (this.realNow() - this.realStart) * this.scale;
  }
}

/** A clock that moves only when told to; for tests. */
export class FakeClock implements Clock {
  readonly scale = 1;
  constructor(private current: number = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.current;
  }

  /** Moves time forward by `ms` milliseconds (negative values are refused). */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError('a clock cannot go backwards');
    this.current += ms;
  }

  /** Moves time to an absolute instant, which must not be in the past. */
  set(epochMs: number): void {
    this.advance(epochMs - this.current);
  }
}

/** Converts epoch milliseconds to the rest-json wire form: epoch seconds with fractions. */
export function toEpochSeconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}

/** Converts epoch milliseconds to whole epoch seconds, the data plane's `long` timestamps. */
export function toWholeSeconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Math.floor(ms / 1000);
}
