/**
 * The controller loop: N workers take keys from the queue and reconcile them; a resync on a
 * jittered timer lists the jobs in AWS, learns who owns unknown ones, applies the prune guard and
 * queues every desired and owned key. A source change queues the keys it changed, ahead of the
 * rest (level-based: the queue holds keys, never events).
 */
import type { IotJobs } from '../aws/iot-jobs.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { DesiredSource } from '../sources/source.js';
import type { Clock, Timer } from '../model/clock.js';
import type { Inventory } from './inventory.js';
import type { PruneGate } from './prune-gate.js';
import type { Reconciler } from './reconciler.js';
import type { TemplateSync } from './template-sync.js';
import type { TemplateSource } from '../sources/template-source.js';
import type { WorkQueue } from './work-queue.js';

/** How the loop runs. */
export interface ControllerOptions {
  workers: number;
  resyncMs: number;
  /** ± this share of resyncMs, at random. */
  jitter: number;
  /** Unknown jobs whose ownership is learned per resync. */
  discoveryPerResync: number;
}

/** What the loop works with. */
export interface ControllerDeps {
  source: DesiredSource;
  jobs: IotJobs;
  inventory: Inventory;
  queue: WorkQueue;
  reconciler: Reconciler;
  /** The prune guard's verdict, judged here on every snapshot and resync. */
  pruneGate: PruneGate;
  metrics: Metrics;
  logger: Logger;
  clock: Clock;
  random?: () => number;
  /** The job templates: synced at every resync and source change, before the changed jobs are queued (a job may name a new template). */
  templates?: { sync: TemplateSync; source: TemplateSource };
}

/** The least time between two resyncs asked for by request (POST /reconcile without a key). */
export const REQUESTED_RESYNC_MS = 10_000;

/** Runs workers and resyncs until stopped. */
export class Controller {
  private workers: Promise<void>[] = [];
  private timer: Timer | undefined;
  private stopped = false;
  private lastListOk = false;
  private started = false;

  constructor(
    private readonly d: ControllerDeps,
    private readonly o: ControllerOptions,
  ) {}

  /** Ready: the source has a good snapshot and the last ListJobs succeeded. */
  ready(): boolean {
    return this.d.source.synced() && this.lastListOk;
  }

  /**
   * Starts the source and lists AWS once; then, unless told not to (a one-off plan), starts the
   * workers and the resync timer.
   */
  async start(opts: { workers?: boolean } = {}): Promise<void> {
    await this.d.source.start((changed) => this.onSourceChange(changed));
    await this.d.templates?.source.startTemplates?.(() => void this.d.templates?.sync.sync());
    await this.resync();
    this.started = true;
    if (opts.workers === false) return;
    for (let i = 0; i < this.o.workers; i++) this.workers.push(this.work());
    this.schedule();
  }

  /** A new snapshot: judge pruning again, sync the templates, and queue the keys that changed, after the template pass when templates are declared (the resync covers the rest). */
  private onSourceChange(changed: string[]): void {
    this.judge();
    if (!this.started) return;
    const queue = (): void => {
      if (!this.stopped) for (const key of changed) this.d.queue.addFirst(key);
    };
    const templates = this.d.templates;
    // Only a commit that declares templates makes its jobs wait for the template pass (a job may name a new one).
    const pass = templates?.sync.sync();
    if (pass && templates!.source.templates().length > 0) void pass.finally(queue);
    else queue();
  }

  private schedule(): void {
    if (this.stopped) return;
    const spread = (this.d.random ?? Math.random)() * 2 - 1;
    this.timer = this.d.clock.setTimer(
      () => {
        void this.resync().finally(() => this.schedule());
      },
      this.o.resyncMs * (1 + this.o.jitter * spread),
    );
  }

  /** One resync pass: list, learn ownership of unknown jobs, judge pruning, queue every key. */
  async resync(): Promise<void> {
    try {
      this.d.inventory.setSummaries(await this.d.jobs.list());
      this.lastListOk = true;
    } catch (err) {
      this.lastListOk = false;
      this.d.logger.error({ err: (err as Error).message }, 'resync could not list the jobs in AWS');
      return;
    }
    await this.discover();
    this.judge();
    await this.d.templates?.sync.sync();
    this.enqueueAll();
    this.d.logger.info({ listed: this.d.inventory.size, queued: this.d.queue.depth }, 'resync');
  }

  /**
   * Reads the tags of jobs whose owner is not known yet. A read that fails ends this pass's
   * discovery (the next resync goes on, and a reconcile reads what it needs itself); it neither
   * aborts the resync nor makes the controller unready.
   */
  private async discover(): Promise<void> {
    for (const s of this.d.inventory.unknownJobs(this.o.discoveryPerResync)) {
      try {
        const job = await this.d.jobs.readOne(s.jobId);
        if (job) this.d.inventory.recordObserved(job);
      } catch (err) {
        this.d.logger.warn({ jobId: s.jobId, err: (err as Error).message }, 'discovery paused until the next resync: a job could not be read');
        return;
      }
    }
  }

  private judge(): void {
    if (!this.d.source.prunesAbsent) return;
    const revision = this.d.source.status().revision;
    const verdict = this.d.pruneGate.judge(this.d.inventory.guardedKeys(), new Set(this.d.source.keys()), revision);
    this.d.metrics.pruneBlocked.set(verdict.allowed ? 0 : 1);
    if (!verdict.allowed) this.d.logger.error({ revision, managed: verdict.managed, removed: verdict.removed }, `prune guard: ${verdict.reason}`);
  }

  /** When the last resync asked for by request started (epoch ms); such resyncs are at most one per REQUESTED_RESYNC_MS. */
  private lastRequestedResync = Number.NEGATIVE_INFINITY;

  /**
   * A reconcile asked for now (POST /reconcile): of one key, or of every key after a fresh list of
   * AWS (a resync; 'tooSoon' within REQUESTED_RESYNC_MS of the last one, so requests cannot turn
   * into a stream of ListJobs). Undefined while this controller is not reconciling (not started: a
   * standby; or not ready); 'unknownKey' for a key it does not reconcile.
   */
  async requestReconcile(key: string | undefined): Promise<{ queued: number } | 'unknownKey' | 'tooSoon' | undefined> {
    if (!this.started || !this.ready()) return undefined;
    if (key === undefined) {
      const now = this.d.clock.now();
      if (now - this.lastRequestedResync < REQUESTED_RESYNC_MS) return 'tooSoon';
      this.lastRequestedResync = now;
      await this.resync();
      return { queued: this.d.queue.depth };
    }
    if (!this.keys().includes(key)) return 'unknownKey';
    this.d.queue.add(key);
    return { queued: 1 };
  }

  /** Every key to reconcile: the manifests' and, when the source prunes absent manifests, those of the owned jobs. */
  keys(): string[] {
    if (!this.d.source.prunesAbsent) return this.d.source.keys();
    return [...new Set([...this.d.source.keys(), ...this.d.inventory.ownedKeys()])];
  }

  private enqueueAll(): void {
    if (!this.d.source.synced()) return;
    for (const key of this.keys()) this.d.queue.add(key);
  }

  private async work(): Promise<void> {
    for (let key = await this.d.queue.get(); key !== undefined; key = await this.d.queue.get()) {
      try {
        const out = await this.d.reconciler.reconcile(key);
        this.d.queue.forget(key);
        if (out.requeueAfterMs !== undefined) this.d.queue.addAfter(key, out.requeueAfterMs);
      } catch {
        this.d.queue.addRateLimited(key);
      } finally {
        this.d.queue.done(key);
      }
    }
  }

  /** Stops taking new work, lets the reconciles in flight finish, then stops the source. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.d.queue.shutDown();
    await Promise.all(this.workers);
    await this.d.source.stop();
    await this.d.templates?.source.stopTemplates?.();
  }
}
