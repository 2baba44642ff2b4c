/**
 * The one door to AWS IoT: every request goes rate-limit → send → meter → classify. Each operation
 * has its own budget (a token bucket, `tps` a second, burst 1) and callers await their turn in its
 * line, so one operation's backlog never holds up another's. A caller that has to wait lends its
 * work slot out meanwhile (lib/slots.ts): a reconcile never sleeps in one budget's line holding a
 * worker that another budget's work is waiting for.
 */
import type { IoTClient } from '@aws-sdk/client-iot';
import type { Clock } from '../model/clock.js';
import type { Slots } from '../lib/slots.js';
import { TokenBucket } from '../lib/token-bucket.js';
import type { AwsOperation, Metrics } from '../observability/metrics.js';
import { outcomeName, typedError } from './errors.js';

/** The shortest wait for a token for which a caller lends its work slot out. */
export const LEND_MIN_WAIT_MS = 50;

/** How to reach AWS IoT and how fast to call it. */
export interface MeteredIotOptions {
  client: IoTClient;
  clock: Clock;
  metrics: Metrics;
  /** Requests per second per operation (AWS's quota is 10). */
  tps?: number;
  /** The workers' slots, lent out while a caller waits for its turn; undefined: waits hold whatever the caller holds. */
  slots?: Slots;
}

/** One request on the SDK client. */
export type IotRequest<T> = (client: IoTClient) => Promise<T>;

/** Paced, metered, classified calls to AWS IoT. */
export class MeteredIot {
  private readonly buckets = new Map<AwsOperation, TokenBucket>();

  constructor(private readonly o: MeteredIotOptions) {}

  /**
   * Sends a request when its operation's turn comes; with `first`, ahead of the requests waiting
   * that did not ask to go first. Throws a ThrottledError (AWS asked to slow down), a TerminalError
   * (AWS refused the request as invalid) or the SDK's error.
   */
  async call<T>(operation: AwsOperation, request: IotRequest<T>, first = false): Promise<T> {
    const end = this.o.metrics.awsDuration.startTimer({ operation });
    try {
      await this.turn(operation, first);
      return await this.send(operation, request);
    } finally {
      end();
    }
  }

  /** Waits for the operation's next token; a caller that has to wait lends its work slot meanwhile. */
  private async turn(operation: AwsOperation, first: boolean): Promise<void> {
    let bucket = this.buckets.get(operation);
    // Burst 1: calls are paced evenly at the quota. A burst as large as AWS's own bucket lets
    // timing jitter push requests over it, and each ThrottlingException costs a retry.
    if (!bucket) this.buckets.set(operation, (bucket = new TokenBucket(this.o.tps ?? 10, 1, this.o.clock)));
    if (bucket.tryTake()) return;
    const b = bucket;
    // A wait shorter than LEND_MIN_WAIT_MS is not worth lending the slot for: lending starts another
    // reconcile, and at a high rate (--aws-tps 10000) every call would lend, putting every queued
    // key in flight at once.
    if (!this.o.slots || b.waitMs() < LEND_MIN_WAIT_MS) return b.take(first);
    await this.o.slots.without(() => b.take(first));
  }

  private async send<T>(operation: AwsOperation, request: IotRequest<T>): Promise<T> {
    try {
      const out = await request(this.o.client);
      this.o.metrics.awsRequests.inc({ operation, outcome: 'ok' });
      this.countRetries(operation, out);
      return out;
    } catch (err) {
      this.o.metrics.awsRequests.inc({ operation, outcome: outcomeName(err) });
      this.countRetries(operation, err);
      throw typedError(operation, err);
    }
  }

  /** The SDK retries throttled and failed attempts by itself; the answers it absorbed are counted here, or they would go unseen. */
  private countRetries(operation: AwsOperation, outcome: unknown): void {
    const attempts = (outcome as { $metadata?: { attempts?: number } } | undefined)?.$metadata?.attempts ?? 1;
    if (attempts > 1) this.o.metrics.awsRetries.inc({ operation }, attempts - 1);
  }
}
