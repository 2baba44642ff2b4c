/**
 * A token bucket: at most `rate` operations a second on average, bursts up to `burst`, callers
 * served in the order they asked, those who ask to go first ahead of the others. The AWS port keeps
 * one per IoT operation, defaulting to the IoT quotas (10 TPS), so the controller stays under the
 * quota instead of spending the SDK's retries on ThrottlingException, and one operation's line
 * never holds up another's.
 */
import type { Clock } from '../model/clock.js';

/** Rounding slack when tokens are refilled from elapsed milliseconds. */
const EPSILON = 1e-9;

/** A token bucket on an injected clock. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  /** Callers waiting for a token, in the order they are served. */
  private readonly waiting: { start: () => void; first: boolean }[] = [];
  private scheduled = false;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly clock: Clock,
  ) {
    if (!(rate > 0) || !(burst >= 1)) throw new RangeError(`a token bucket needs rate > 0 and burst >= 1 (got ${rate}, ${burst})`);
    this.tokens = burst;
    this.last = clock.now();
  }

  /** Takes a token if one is there and nobody is waiting for one; false (nothing taken) otherwise. */
  tryTake(): boolean {
    this.refill();
    if (this.waiting.length > 0 || this.tokens < 1 - EPSILON) return false;
    this.tokens -= 1;
    return true;
  }

  /** How long a caller asking now would wait for its token, in ms (0: one is there). */
  waitMs(): number {
    this.refill();
    return Math.max(0, ((this.waiting.length + 1 - this.tokens) / this.rate) * 1000);
  }

  /**
   * Resolves when a token has been taken. Callers are served in the order they asked; with `first`,
   * ahead of every caller that did not ask to go first.
   */
  take(first = false): Promise<void> {
    return new Promise((start) => {
      const at = first ? this.waiting.findIndex((w) => !w.first) : -1;
      this.waiting.splice(at < 0 ? this.waiting.length : at, 0, { start, first });
      this.pump();
    });
  }

  /** Serves the waiting callers the tokens there are, and comes back when the next one is due. */
  private pump(): void {
    this.refill();
    while (this.waiting.length > 0 && this.tokens >= 1 - EPSILON) {
      this.tokens -= 1;
      this.waiting.shift()!.start();
    }
    if (this.waiting.length === 0 || this.scheduled) return;
    this.scheduled = true;
    // sleep, not an unref'd timer: a caller waiting for a token keeps a one-off command alive.
    void this.clock.sleep(((1 - this.tokens) / this.rate) * 1000).then(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }
}
