/**
 * Time as the controller sees it: now, and timers that can be cancelled. An interface only, so that
 * every layer can take a Clock and tests can pass a fake one (ARCHITECTURE.md principle 11); the
 * wall clock is runtime/clock.ts.
 */

/** A cancellable timer. */
export interface Timer {
  cancel(): void;
}

/** A source of time and timers. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` after `ms` milliseconds, unless cancelled first. */
  setTimer(fn: () => void, ms: number): Timer;
  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}
