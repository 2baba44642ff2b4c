/**
 * A token bucket: at most `rate` operations a second on average, bursts up to `burst`. The AWS
 * adapter keeps one per operation, defaulting to the IoT quotas (10 TPS), so the controller stays
 * under the quota instead of spending the SDK's retries on ThrottlingException.
 */
import type { Clock } from './clock.js';

/** A token bucket on an injected clock. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly clock: Clock,
  ) {
    if (!(rate > 0) || !(burst >= 1)) throw new RangeError(`a token bucket needs rate > 0 and burst >= 1 (got ${rate}, ${burst})`);
    this.tokens = burst;
    this.last = clock.now();
  }

  /** Resolves when a token has been taken; callers are served in order. */
  take(): Promise<void> {
    const turn = this.queue.then(() => this.wait());
    this.queue = turn;
    return turn;
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }

  private async wait(): Promise<void> {
    this.refill();
    while (this.tokens < 1) {
      await this.clock.sleep(((1 - this.tokens) / this.rate) * 1000);
      this.refill();
    }
    this.tokens -= 1;
  }
}
