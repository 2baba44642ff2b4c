/**
 * Work slots: how many reconciles may work at once (--workers). A reconcile holds a slot from the
 * moment it takes its key until it is done with it. While it waits for something that is not work
 * (its turn in an AWS operation's budget), it lends its slot to the next key, and takes it back when
 * the wait is over. So a budget never idles because every worker is asleep in another budget's line,
 * and the work done at once (Kubernetes writes, CPU) stays bounded: by the slots, plus the few
 * reconciles whose turn has just come.
 */
import { WaitError } from '../model/errors.js';

/** What a wait cut short by a stop throws. */
function stopping(): WaitError {
  return new WaitError('the controller is stopping before this call had its turn in the AWS budget; it is made after the restart', 1_000);
}

/** A semaphore of work slots, with slots lent out during waits. */
export class Slots {
  /** Waiting for a slot (a worker about to take a key). */
  private readonly waiting: ((taken: boolean) => void)[] = [];
  /** The waits of those that lent their slot, to cut short when the slots are closed. */
  private readonly lent = new Set<(err: Error) => void>();
  private closed = false;

  constructor(private free: number) {
    if (!(free >= 1)) throw new RangeError(`work slots need at least one slot (got ${free})`);
  }

  /** Resolves to true when a slot is taken; to false once the slots are closed (nothing is taken). */
  acquire(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.free > 0) {
      this.free--;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Gives a slot back, to the worker waiting longest for one. */
  release(): void {
    this.free++;
    if (this.free > 0 && this.waiting.length > 0) {
      this.free--;
      this.waiting.shift()!(true);
    }
  }

  /**
   * Runs `wait` without holding a slot: lends one out for the wait and takes one back after it at
   * once, even if none is free (the count dips below zero, and no new worker starts until it is
   * back above): a reconcile whose turn has come sends its request on time and finishes. A caller
   * that holds no slot (a resync, a one-off plan) lends and takes back one too, so the count stays
   * right either way. Once the slots are closed, the wait is cut short with a WaitError: nothing
   * was sent, and the reconcile is made again after the restart.
   */
  async without<T>(wait: () => Promise<T>): Promise<T> {
    if (this.closed) throw stopping();
    this.release();
    let abort: (err: Error) => void = () => undefined;
    try {
      return await new Promise<T>((resolve, reject) => {
        this.lent.add((abort = reject));
        wait().then(resolve, reject);
      });
    } finally {
      this.lent.delete(abort);
      this.free--;
    }
  }

  /** Stops handing out slots: the workers waiting for one get false, the waits of those that lent theirs end (above). */
  close(): void {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w(false);
    for (const abort of [...this.lent]) abort(stopping());
  }
}
