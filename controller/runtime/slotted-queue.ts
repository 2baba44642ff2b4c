/**
 * The work queue behind the controller's workers when reconciles may wait for AWS without holding
 * a worker: a key is handed out only to a worker that holds a work slot (lib/slots.ts), and the slot
 * is given back when the key is done. The AWS port lends the slot out while a reconcile waits for
 * its turn in an operation's budget, so there are many more worker loops than slots: the loops
 * bound how many reconciles may be in flight, the slots how many work at once.
 */
import type { Clock } from '../model/clock.js';
import type { Slots } from '../lib/slots.js';
import { WorkQueue, type Backoff } from './work-queue.js';

/**
 * Reconciles that may wait for AWS at once beyond those working. Each is a worker loop: about 2 KB
 * of heap when idle (measured: 10,000 cost 23 MB), so there are enough for a burst of a couple of
 * thousand changes to pipeline fully; keys beyond them wait in the queue, as they did before.
 */
export const MAX_WAITING_RECONCILES = 2_000;

/** A WorkQueue whose keys go only to workers holding a work slot. */
export class SlottedQueue extends WorkQueue {
  constructor(
    private readonly slots: Slots,
    clock: Clock,
    backoff?: Backoff,
    onDepth?: (depth: number) => void,
  ) {
    super(clock, backoff, onDepth);
  }

  /** The next key, once a work slot is free; undefined once the queue is shut down. */
  override async get(): Promise<string | undefined> {
    if (!(await this.slots.acquire())) return undefined;
    const key = await super.get();
    if (key === undefined) this.slots.release();
    return key;
  }

  /** Marks a key as processed and frees its worker's slot. */
  override done(key: string): void {
    super.done(key);
    this.slots.release();
  }

  /** Shuts the queue down and lets the workers waiting for a slot go. */
  override shutDown(): void {
    super.shutDown();
    this.slots.close();
  }
}
