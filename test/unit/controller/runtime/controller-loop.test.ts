/**
 * The controller loop (runtime/controller.ts) on fake time: start, the resync (list, discovery,
 * the prune gate's judgement, every key queued), the keys it reconciles, the workers with the
 * queue's requeue and backoff, the jittered resync timer, and stop.
 */
import { describe, expect, it } from 'vitest';
import type { DesiredJob } from '../../../../controller/model/iot-job.js';
import { Metrics } from '../../../../controller/observability/metrics.js';
import { ownershipTags } from '../../../../controller/plan/ownership.js';
import { Controller, type ControllerOptions } from '../../../../controller/runtime/controller.js';
import { Inventory } from '../../../../controller/runtime/inventory.js';
import { PruneGate } from '../../../../controller/runtime/prune-gate.js';
import type { Reconciler, ReconcileOutcome } from '../../../../controller/runtime/reconciler.js';
import { WorkQueue } from '../../../../controller/runtime/work-queue.js';
import type { DesiredSource, SourceStatus } from '../../../../controller/sources/source.js';
import { aDesired, anObserved, CONTROLLER } from '../../../helpers/builders.js';
import { FakeClock } from '../../../helpers/fake-clock.js';
import { FakeIotJobs } from '../../../helpers/fake-iot-jobs.js';
import { capturingLogger } from '../../../helpers/logs.js';

/** A source whose manifests, sync state and revision the test sets; it keeps the change callback it was started with. */
class FakeSource implements DesiredSource {
  readonly kind = 'directory';
  manifests: string[];
  isSynced = true;
  revision = 'r1';
  onChange: ((changed: string[]) => void) | undefined;
  readonly events: string[] = [];

  constructor(
    keys: string[],
    readonly prunesAbsent = true,
  ) {
    this.manifests = keys;
  }

  get(key: string): DesiredJob | undefined {
    return this.manifests.includes(key) ? aDesired({}, key) : undefined;
  }

  keys(): string[] {
    return [...this.manifests];
  }

  status(): SourceStatus {
    return { revision: this.revision, problems: [] };
  }

  synced(): boolean {
    return this.isSynced;
  }

  async start(onChange: (changed: string[]) => void): Promise<void> {
    this.events.push('start');
    this.onChange = onChange;
  }

  async stop(): Promise<void> {
    this.events.push('stop');
  }
}

/** A reconciler that records the keys it is given and answers with `answer` (default: success). */
function fakeReconciler(answer: (key: string) => Promise<ReconcileOutcome> = async () => ({ result: 'success' })): { reconciler: Reconciler; seen: string[] } {
  const seen: string[] = [];
  const reconciler = { reconcile: (key: string) => (seen.push(key), answer(key)) } as unknown as Reconciler;
  return { reconciler, seen };
}

const OPTIONS: ControllerOptions = { workers: 1, resyncMs: 60_000, jitter: 0, discoveryPerResync: 100 };

/** A controller over fakes; `listed` puts jobs in the fake AWS. */
function setup(
  o: {
    clock?: FakeClock;
    source?: FakeSource;
    reconciler?: Reconciler;
    options?: Partial<ControllerOptions>;
    random?: () => number;
    backoff?: { baseMs: number; maxMs: number };
  } = {},
) {
  const clock = o.clock ?? new FakeClock();
  const jobs = new FakeIotJobs();
  const inventory = new Inventory(CONTROLLER);
  const queue = new WorkQueue(clock, o.backoff);
  const metrics = new Metrics({ defaultMetrics: false });
  const pruneGate = new PruneGate({ maxShare: 0.5 });
  const source = o.source ?? new FakeSource(['a', 'b']);
  const { logger, lines } = capturingLogger();
  const rec = o.reconciler ? { reconciler: o.reconciler, seen: [] } : fakeReconciler();
  const controller = new Controller(
    { source, jobs, inventory, queue, reconciler: rec.reconciler, pruneGate, metrics, logger, clock, random: o.random },
    { ...OPTIONS, ...o.options },
  );
  return { controller, clock, jobs, inventory, queue, metrics, pruneGate, source, lines, seen: rec.seen };
}

/** Drains the queue without workers: the keys in the order they would be handed out. */
async function drain(queue: WorkQueue): Promise<string[]> {
  const out: string[] = [];
  while (queue.depth > 0) {
    const key = (await queue.get())!;
    out.push(key);
    queue.done(key);
  }
  return out;
}

/** A promise and the function that resolves it. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('Controller.start', () => {
  it('starts the source, lists AWS once, becomes ready, and the worker reconciles every manifest once', async () => {
    const s = setup();
    expect(s.controller.ready()).toBe(false);
    await s.controller.start();
    await s.clock.advance(0);
    expect(s.source.events).toEqual(['start']);
    expect(s.jobs.calls).toEqual(['ListJobs']);
    expect(s.controller.ready()).toBe(true);
    expect(s.seen).toEqual(['a', 'b']);
    expect(s.queue.depth).toBe(0);
    await s.controller.stop();
  });

  it('a one-off plan (workers: false) resyncs and queues every key, but reconciles nothing and sets no timer', async () => {
    const s = setup();
    await s.controller.start({ workers: false });
    await s.clock.advance(0);
    expect(s.seen).toEqual([]);
    expect(s.clock.pending).toBe(0);
    expect(await drain(s.queue)).toEqual(['a', 'b']);
  });

  it('is not ready while the source has no good snapshot, and queues nothing from it', async () => {
    const source = new FakeSource(['a']);
    source.isSynced = false;
    const s = setup({ source });
    await s.controller.start({ workers: false });
    expect(s.controller.ready()).toBe(false);
    expect(s.queue.depth).toBe(0);
    source.isSynced = true;
    expect(s.controller.ready()).toBe(true);
  });

  it("a source change queues the changed keys ahead of the resync's, and only once started", async () => {
    const source = new FakeSource(['a', 'b', 'c']);
    const s = setup({ source });
    const started = s.controller.start({ workers: false });
    source.onChange!(['c']);
    await started;
    expect(await drain(s.queue)).toEqual(['a', 'b', 'c']);
    s.queue.add('a');
    s.queue.add('b');
    source.onChange!(['b']);
    expect(await drain(s.queue)).toEqual(['b', 'a']);
  });
});

describe('Controller.resync', () => {
  it('a failed ListJobs makes the controller unready and queues nothing; the next good one recovers', async () => {
    const s = setup();
    s.jobs.fail.set('ListJobs', new Error('ThrottlingException'));
    await s.controller.start({ workers: false });
    expect(s.controller.ready()).toBe(false);
    expect(s.queue.depth).toBe(0);
    expect(s.lines.find((l) => l.level === 'error')).toMatchObject({ msg: 'resync could not list the jobs in AWS', err: 'ThrottlingException' });
    await s.controller.resync();
    expect(s.controller.ready()).toBe(true);
    expect(await drain(s.queue)).toEqual(['a', 'b']);
  });

  it('discovers the owner of at most discoveryPerResync unknown jobs per pass, active ones first', async () => {
    const s = setup({ options: { discoveryPerResync: 2 } });
    s.jobs.jobs.set('done-1', anObserved('COMPLETED', {}, 'done-1'));
    s.jobs.jobs.set('live-1', anObserved('IN_PROGRESS', {}, 'live-1'));
    s.jobs.jobs.set('live-2', anObserved('IN_PROGRESS', {}, 'live-2'));
    await s.controller.resync();
    expect(s.jobs.argsOf('DescribeJob').map((a) => a[0])).toEqual(['live-1', 'live-2']);
    await s.controller.resync();
    expect(s.jobs.argsOf('DescribeJob').map((a) => a[0])).toEqual(['live-1', 'live-2', 'done-1']);
    await s.controller.resync();
    expect(s.jobs.calls.filter((c) => c === 'DescribeJob')).toHaveLength(3);
  });

  it("with a source that prunes, every owned job's manifest key is reconciled too (a removed manifest is pruned); another controller's job is not", async () => {
    const s = setup();
    s.jobs.jobs.set('old', anObserved('IN_PROGRESS', {}, 'old'));
    s.jobs.jobs.set('theirs', anObserved('IN_PROGRESS', { tags: ownershipTags('other-controller', 'theirs', 'Cancel') }, 'theirs'));
    await s.controller.resync();
    expect(s.controller.keys()).toEqual(['a', 'b', 'old']);
    expect(await drain(s.queue)).toEqual(['a', 'b', 'old']);
  });

  it('with a source that does not prune (Kubernetes), only its own keys are reconciled and the prune gate is not judged', async () => {
    const s = setup({ source: new FakeSource(['ns/a'], false) });
    s.jobs.jobs.set('old', anObserved('IN_PROGRESS', {}, 'old'));
    await s.controller.resync();
    expect(s.inventory.ownedKeys()).toEqual(['old']);
    expect(s.controller.keys()).toEqual(['ns/a']);
    expect(s.pruneGate.verdict().reason).toBe('not judged yet');
  });

  it('judges the prune gate on each resync and each snapshot: too many removals block pruning (metric and error log) until restored', async () => {
    const source = new FakeSource(['a', 'b', 'c', 'd']);
    const s = setup({ source });
    for (const k of ['a', 'b', 'c', 'd']) s.jobs.jobs.set(k, anObserved('IN_PROGRESS', {}, k));
    await s.controller.start({ workers: false });
    expect(s.pruneGate.allowed()).toBe(true);
    source.manifests = ['a'];
    source.revision = 'r2';
    source.onChange!(['b', 'c', 'd']);
    expect(s.pruneGate.allowed()).toBe(false);
    expect((await s.metrics.pruneBlocked.get()).values[0]!.value).toBe(1);
    expect(s.lines.find((l) => l.msg.startsWith('prune guard:'))).toMatchObject({ level: 'error', revision: 'r2', managed: 4, removed: 3 });
    source.manifests = ['a', 'b', 'c', 'd'];
    await s.controller.resync();
    expect(s.pruneGate.allowed()).toBe(true);
    expect((await s.metrics.pruneBlocked.get()).values[0]!.value).toBe(0);
  });
});

describe('Controller workers', () => {
  it('a reconcile that asks to be looked at again is requeued after its delay', async () => {
    let calls = 0;
    const { reconciler, seen } = fakeReconciler(async () => (++calls === 1 ? { result: 'requeue', requeueAfterMs: 5_000 } : { result: 'success' }));
    const s = setup({ source: new FakeSource(['a']), reconciler });
    await s.controller.start();
    await s.clock.advance(0);
    await s.clock.advance(4_999);
    expect(seen).toEqual(['a']);
    await s.clock.advance(1);
    expect(seen).toEqual(['a', 'a']);
    await s.controller.stop();
  });

  it('a reconcile that throws is retried after an exponential backoff; a success resets it', async () => {
    let failing = 3;
    let failAgain = false;
    const at: number[] = [];
    const clock = new FakeClock();
    const { reconciler } = fakeReconciler(async () => {
      at.push(clock.now());
      if (failing-- > 0 || failAgain) throw new Error('socket hang up');
      return { result: 'success' };
    });
    const s = setup({ clock, source: new FakeSource(['a']), reconciler, backoff: { baseMs: 100, maxMs: 1_000 } });
    const t0 = clock.now();
    await s.controller.start();
    await s.clock.advance(0);
    await s.clock.advance(10_000);
    expect(at.map((t) => t - t0)).toEqual([0, 100, 300, 700]);
    failAgain = true;
    s.queue.add('a');
    await s.clock.advance(0);
    await s.clock.advance(100);
    expect(at.map((t) => t - t0)).toEqual([0, 100, 300, 700, 10_000, 10_100]);
    await s.controller.stop();
  });

  it('runs different keys in parallel up to the number of workers, and never one key twice at once', async () => {
    const gates = new Map<string, ReturnType<typeof deferred<ReconcileOutcome>>>();
    const { reconciler, seen } = fakeReconciler((key) => {
      const d = deferred<ReconcileOutcome>();
      gates.set(key, d);
      return d.promise;
    });
    const s = setup({ source: new FakeSource(['a', 'b', 'c']), reconciler, options: { workers: 2 } });
    await s.controller.start();
    await s.clock.advance(0);
    expect(seen).toEqual(['a', 'b']);
    s.queue.add('a');
    gates.get('b')!.resolve({ result: 'success' });
    await s.clock.advance(0);
    expect(seen).toEqual(['a', 'b', 'c']);
    gates.get('a')!.resolve({ result: 'success' });
    await s.clock.advance(0);
    expect(seen).toEqual(['a', 'b', 'c', 'a']);
    for (const d of gates.values()) d.resolve({ result: 'success' });
    await s.controller.stop();
  });

  it('resyncs on a jittered timer: resyncMs × (1 + jitter × (2·random − 1))', async () => {
    for (const [random, due] of [
      [1, 66_000],
      [0, 54_000],
      [0.5, 60_000],
    ] as const) {
      const s = setup({ random: () => random, options: { jitter: 0.1 } });
      await s.controller.start();
      await s.clock.advance(due - 1);
      expect(s.jobs.calls.filter((c) => c === 'ListJobs')).toHaveLength(1);
      await s.clock.advance(1);
      expect(s.jobs.calls.filter((c) => c === 'ListJobs')).toHaveLength(2);
      await s.controller.stop();
    }
  });

  it('stop: no more resyncs, the reconcile in flight finishes before the source is stopped, and nothing new is taken', async () => {
    const gate = deferred<ReconcileOutcome>();
    const { reconciler, seen } = fakeReconciler(() => gate.promise);
    const source = new FakeSource(['a', 'b']);
    const s = setup({ source, reconciler });
    await s.controller.start();
    await s.clock.advance(0);
    let stopped = false;
    const stopping = s.controller.stop().then(() => (stopped = true));
    await s.clock.advance(0);
    expect(stopped).toBe(false);
    expect(source.events).toEqual(['start']);
    gate.resolve({ result: 'success' });
    await stopping;
    expect(source.events).toEqual(['start', 'stop']);
    expect(seen).toEqual(['a']);
    await s.clock.advance(600_000);
    expect(s.jobs.calls.filter((c) => c === 'ListJobs')).toHaveLength(1);
    expect(s.clock.pending).toBe(0);
  });
});
