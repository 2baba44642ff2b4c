/**
 * List-then-watch of one collection, kept going until stopped (client-go's reflector, the parts
 * the controller needs): a paged list, then a watch from the list's resourceVersion with
 * bookmarks and a bounded duration; on 410 Gone it lists again, on any other error it backs off
 * (exponential, capped) and watches again from the last resourceVersion; and it lists again on a
 * timer anyway, because a watch stream can miss things. A list replaces everything the consumer
 * holds, so a missed deletion is repaired by the next list.
 */
import type { Logger } from '../observability/logger.js';
import type { Clock, Timer } from '../model/clock.js';
import { KubeError, type KubeRest, type Query, type WatchEvent } from './rest.js';

/** Enough of an object for the reflector. */
export interface KubeObject {
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    deletionTimestamp?: string;
    finalizers?: string[];
    labels?: Record<string, string>;
    creationTimestamp?: string;
  };
}

interface KubeList<T> {
  items: T[];
  metadata: { resourceVersion: string; continue?: string };
}

/** The Status object an ERROR watch event carries. */
interface WatchStatus {
  code?: number;
  message?: string;
}

/** Why the reflector listed. */
export type RelistReason = 'initial' | 'periodic' | 'gone' | 'error';

/** What the reflector is told. */
export interface ReflectorOptions<T extends KubeObject> {
  rest: KubeRest;
  /** The collection's path, e.g. /apis/iot.gitops.dev/v1alpha1/iotjobs. */
  path: string;
  labelSelector?: string;
  clock: Clock;
  logger: Logger;
  /** Every list: the complete set of objects. */
  onList(items: T[]): void;
  /** Every watch event on an object (ADDED, MODIFIED, DELETED). */
  onEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: T): void;
  /** Called for every list (and its reason) and every failure, for metrics. */
  onRelist?(reason: RelistReason): void;
  onError?(err: Error): void;
  /** List again this often, watch or no watch (default 10 minutes). */
  relistMs?: number;
  /** Ask the server to end each watch after this long (default 300 s). */
  watchTimeoutSeconds?: number;
  pageSize?: number;
  /** Backoff after errors: first and largest delay (default 250 ms, 30 s). */
  backoffMs?: { initial: number; max: number };
}

/** Keeps one collection listed and watched. */
export class Reflector<T extends KubeObject> {
  private stopped = false;
  private stopWatch: (() => void) | undefined;
  private sleeper: { timer: Timer; resolve: () => void } | undefined;
  private loop: Promise<void> | undefined;
  private listedOnce = false;
  private resourceVersion = '';
  private failures = 0;

  constructor(private readonly o: ReflectorOptions<T>) {}

  /** Whether a list has succeeded since start. */
  get synced(): boolean {
    return this.listedOnce;
  }

  /** The last resourceVersion seen (from a list, an event or a bookmark). */
  get lastResourceVersion(): string {
    return this.resourceVersion;
  }

  /** Starts the loop; resolves after the first list attempt (successful or not). */
  start(): Promise<void> {
    return new Promise((firstAttempt) => {
      this.loop = this.run(firstAttempt);
    });
  }

  /** Stops the loop and the watch in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopWatch?.();
    if (this.sleeper) {
      this.sleeper.timer.cancel();
      this.sleeper.resolve();
    }
    await this.loop;
  }

  private async run(firstAttempt: () => void): Promise<void> {
    let reason: RelistReason = 'initial';
    while (!this.stopped) {
      const listed = await this.listAll(reason).then(
        () => true,
        (err: Error) => this.failed(err, 'list'),
      );
      firstAttempt();
      if (!listed) {
        reason = 'error';
        await this.backoff();
        continue;
      }
      reason = await this.watchUntilRelist();
    }
  }

  private async listAll(reason: RelistReason): Promise<void> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv: string;
    do {
      const page: KubeList<T> = await this.o.rest.request('GET', this.o.path, {
        query: { labelSelector: this.o.labelSelector, limit: this.o.pageSize ?? 500, continue: cont },
      });
      items.push(...page.items);
      cont = page.metadata.continue || undefined;
      rv = page.metadata.resourceVersion;
    } while (cont);
    this.resourceVersion = rv;
    this.listedOnce = true;
    this.failures = 0;
    this.o.onRelist?.(reason);
    if (reason !== 'initial' && reason !== 'periodic') this.o.logger.info({ path: this.o.path, reason, objects: items.length }, 'relisted');
    this.o.onList(items);
  }

  /** Watches (again and again) until it is time to list again; resolves to why. */
  private async watchUntilRelist(): Promise<RelistReason> {
    const relistAt = this.o.clock.now() + (this.o.relistMs ?? 600_000);
    while (!this.stopped) {
      if (this.o.clock.now() >= relistAt) return 'periodic';
      const end = await this.watchOnce(Math.max(1, Math.min(this.o.watchTimeoutSeconds ?? 300, Math.ceil((relistAt - this.o.clock.now()) / 1000))));
      if (end === 'gone') {
        this.o.logger.info({ path: this.o.path, resourceVersion: this.resourceVersion }, 'watch expired (410 Gone); listing again');
        return 'gone';
      }
      if (end === 'error') await this.backoff();
    }
    return 'periodic';
  }

  /** One watch request; resolves when it ends. */
  private watchOnce(timeoutSeconds: number): Promise<'closed' | 'gone' | 'error'> {
    return new Promise((resolve) => {
      let outcome: 'closed' | 'gone' | 'error' = 'closed';
      const query: Query = { resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds, labelSelector: this.o.labelSelector };
      const onEvent = (e: WatchEvent<T>): void => {
        if (e.type !== 'ERROR') return this.seen(e.type, e.object);
        outcome = this.errorEvent(e.object as unknown as WatchStatus);
        this.stopWatch?.();
      };
      const onDone = (err: (Error & { statusCode?: number }) | null): void => {
        this.stopWatch = undefined;
        if (err && outcome === 'closed' && !this.stopped) {
          if (err.statusCode === 410) outcome = 'gone';
          else {
            outcome = 'error';
            this.failed(new KubeError(err.statusCode ?? 0, `watch ${this.o.path}: ${err.message}`), 'watch');
          }
        }
        resolve(outcome);
      };
      this.o.rest.watch<T>(this.o.path, query, onEvent, onDone).then(
        (stop) => {
          if (this.stopped) stop();
          else this.stopWatch = stop;
        },
        (err: Error) => {
          this.failed(err, 'watch');
          resolve('error');
        },
      );
    });
  }

  /** An event on an object or a bookmark: its resourceVersion is the one to watch from; a bookmark goes no further. */
  private seen(type: Exclude<WatchEvent<T>['type'], 'ERROR'>, object: T): void {
    const rv = object?.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    this.failures = 0;
    if (type !== 'BOOKMARK') this.o.onEvent(type, object);
  }

  /** An ERROR event ends the watch: 'gone' for a 410 (list again), else 'error' (counted as a failure). */
  private errorEvent(status: WatchStatus): 'gone' | 'error' {
    if (status.code === 410) return 'gone';
    this.failed(new KubeError(status.code ?? 0, `watch ${this.o.path}: ${status.message ?? 'error event'}`), 'watch');
    return 'error';
  }

  private failed(err: Error, what: string): false {
    if (this.stopped) return false;
    this.failures++;
    this.o.onError?.(err);
    this.o.logger.warn({ path: this.o.path, err: err.message, failures: this.failures }, `${what} failed; retrying with backoff`);
    return false;
  }

  private backoff(): Promise<void> {
    const b = this.o.backoffMs ?? { initial: 250, max: 30_000 };
    const ms = Math.min(b.max, b.initial * 2 ** Math.max(0, this.failures - 1));
    return new Promise((resolve) => {
      if (this.stopped) return resolve();
      const timer = this.o.clock.setTimer(
        () => {
          this.sleeper = undefined;
          resolve();
        },
        ms * (0.8 + Math.random() * 0.4),
      );
      this.sleeper = { timer, resolve };
    });
  }
}
