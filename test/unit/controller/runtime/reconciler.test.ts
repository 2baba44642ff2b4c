import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TerminalError, WaitError } from '../../../../controller/model/errors.js';
import type { DesiredJob } from '../../../../controller/model/iot-job.js';
import type { ReconcileReport } from '../../../../controller/model/report.js';
import { createLogger } from '../../../../controller/observability/logger.js';
import { Metrics } from '../../../../controller/observability/metrics.js';
import { Inventory } from '../../../../controller/runtime/inventory.js';
import { PruneGate } from '../../../../controller/runtime/prune-gate.js';
import { Reconciler, type ReconcilerDeps } from '../../../../controller/runtime/reconciler.js';
import { aDesired, anObserved, aSource, CONTROLLER, PARTITION } from '../../../helpers/builders.js';
import { FakeClock } from '../../../helpers/fake-clock.js';
import { FakeIotJobs } from '../../../helpers/fake-iot-jobs.js';

const quiet = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));

/** A reconciler on fakes; `reports` collects what the hooks were told. */
function setup(
  manifests: DesiredJob[],
  over: Partial<ReconcilerDeps> = {},
): { r: Reconciler; jobs: FakeIotJobs; inventory: Inventory; metrics: Metrics; reports: ReconcileReport[]; mutated: string[] } {
  const jobs = new FakeIotJobs();
  const inventory = new Inventory(CONTROLLER);
  inventory.setSummaries([]);
  const metrics = new Metrics({ defaultMetrics: false });
  const reports: ReconcileReport[] = [];
  const mutated: string[] = [];
  const r = new Reconciler({
    source: aSource(manifests),
    jobs,
    inventory,
    metrics,
    logger: quiet,
    clock: new FakeClock(),
    controllerId: CONTROLLER,
    accounts: { partition: () => PARTITION, ensure: async () => undefined },
    pruneGate: { allowed: () => true },
    hooks: { beforeMutate: async (k) => void mutated.push(k), afterReconcile: async (rep) => void reports.push(rep) },
    settleMs: 500,
    ...over,
  });
  return { r, jobs, inventory, metrics, reports, mutated };
}

const counter = async (m: Metrics, action: string, outcome: string): Promise<number> =>
  (await m.actionsTotal.get()).values.find((v) => v.labels.action === action && v.labels.outcome === outcome)?.value ?? 0;

describe('the reconciler', () => {
  it('creates a missing job: outcome created, the hook before the change, a look again after settleMs, one count', async () => {
    const s = setup([aDesired()]);
    expect(await s.r.reconcile('fw')).toEqual({ result: 'success', requeueAfterMs: 500 });
    expect(s.jobs.calls).toEqual(['CreateJob']);
    expect(s.mutated).toEqual(['fw']);
    expect(s.reports[0]).toMatchObject({ key: 'fw', outcome: 'created', result: 'success', action: { kind: 'create', jobId: 'fw' } });
    expect(await counter(s.metrics, 'create', 'created')).toBe(1);
  });

  it('leaves a job in sync alone: outcome unchanged, nothing mutated', async () => {
    const s = setup([aDesired()]);
    s.jobs.jobs.set('fw', anObserved('IN_PROGRESS'));
    s.inventory.setSummaries([{ jobId: 'fw', status: 'IN_PROGRESS' }]);
    expect(await s.r.reconcile('fw')).toEqual({ result: 'success' });
    expect(s.reports[0]).toMatchObject({ outcome: 'unchanged', action: { kind: 'noop', reason: 'in sync' } });
    expect(s.mutated).toEqual([]);
  });

  it('plans without carrying out in a dry run: outcome planned', async () => {
    const s = setup([aDesired()], { dryRun: true });
    expect(await s.r.reconcile('fw')).toEqual({ result: 'success' });
    expect(s.jobs.calls).toEqual([]);
    expect(s.reports[0]).toMatchObject({ outcome: 'planned', action: { kind: 'create' } });
  });

  it('maps errors by type: a WaitError waits, a TerminalError stalls, anything else fails and is thrown for backoff', async () => {
    const s = setup([aDesired()]);
    s.jobs.fail.set('CreateJob', new WaitError('not yet', 750));
    expect(await s.r.reconcile('fw')).toEqual({ result: 'requeue', requeueAfterMs: 750 });
    s.jobs.fail.set('CreateJob', new TerminalError('AWS refused it'));
    expect(await s.r.reconcile('fw')).toEqual({ result: 'stalled' });
    s.jobs.fail.set('CreateJob', new Error('socket hang up'));
    await expect(s.r.reconcile('fw')).rejects.toThrow('socket hang up');
    expect(s.reports.map((r) => [r.outcome, r.result, r.error])).toEqual([
      ['waiting', 'requeue', 'not yet'],
      ['stalled', 'stalled', 'AWS refused it'],
      ['failed', 'error', 'socket hang up'],
    ]);
    expect(await counter(s.metrics, 'create', 'failed')).toBe(1);
  });

  it("waits for the first ListJobs before deciding which job is a manifest's", async () => {
    const s = setup([aDesired()], { inventory: new Inventory(CONTROLLER) });
    expect(await s.r.reconcile('fw')).toMatchObject({ result: 'requeue' });
    expect(s.jobs.calls).toEqual([]);
    expect(s.reports[0]).toMatchObject({ outcome: 'waiting', error: expect.stringContaining('first ListJobs') });
  });

  it('holds a removal while the prune gate says no (the job keeps its series), and prunes it once allowed (its series go)', async () => {
    let allowed = false;
    const s = setup([], { pruneGate: { allowed: () => allowed } as Pick<PruneGate, 'allowed'> });
    s.jobs.jobs.set('gone', anObserved('IN_PROGRESS', {}, 'gone'));
    s.inventory.setSummaries([{ jobId: 'gone', status: 'IN_PROGRESS' }]);
    s.inventory.recordObserved(anObserved('IN_PROGRESS', {}, 'gone'));
    // Its series, from when its manifest was declared.
    s.metrics.observeJob(anObserved('IN_PROGRESS', {}, 'gone'), 'gone', 'r1');
    expect(await s.r.reconcile('gone')).toEqual({ result: 'stalled' });
    expect(s.reports[0]).toMatchObject({ outcome: 'stalled', action: { reason: 'the prune guard holds removals back' } });
    const series = async (): Promise<string[]> => (await s.metrics.jobInfo.get()).values.map((v) => `${v.labels.job_id} ${v.labels.source}`);
    expect(await series()).toEqual(['gone gone']);
    allowed = true;
    expect(await s.r.reconcile('gone')).toMatchObject({ result: 'success' });
    expect(s.reports[1]).toMatchObject({ outcome: 'canceled', action: { kind: 'cancel', jobId: 'gone' } });
    expect(s.jobs.jobs.get('gone')!.status).toBe('CANCELED');
    // The manifest is gone and its removal done: the job, canceled but still in AWS, has no series (regression: they stayed for good).
    expect(await series()).toEqual([]);
  });
});

describe('the reconciler, staged rollouts', () => {
  const waves = [
    { name: 'canary', targets: ['thingGroup:canary'] },
    { name: 'fleet', targets: ['thingGroup:fleet'] },
  ];
  const arn = (g: string): string => `arn:aws:iot:us-east-1:123456789012:thinggroup/${g}`;

  it('creates the job on the first wave only, CONTINUOUS', async () => {
    const s = setup([aDesired({ targets: undefined, waves })]);
    await s.r.reconcile('fw');
    expect(s.jobs.argsOf('CreateJob')[0]![0]).toMatchObject({ spec: { targets: ['thingGroup:canary'], targetSelection: 'CONTINUOUS' } });
  });

  it('a replacement (a new document under Recreate) starts the rollout again at the first wave, not at the wave the old job reached', async () => {
    const desired = aDesired({ targets: undefined, waves, document: { op: 'ota', v: 2 }, replacePolicy: 'Recreate' });
    const s = setup([desired]);
    s.inventory.setSummaries([{ jobId: 'fw', status: 'IN_PROGRESS' }]);
    s.jobs.jobs.set('fw', anObserved('IN_PROGRESS', { targets: [arn('canary'), arn('fleet')], targetSelection: 'CONTINUOUS' }));
    await s.r.reconcile('fw');
    expect(s.reports[0]!.action).toMatchObject({ kind: 'replace', oldJobId: 'fw', jobId: 'fw-r2' });
    expect(s.jobs.argsOf('CreateJob')[0]).toEqual([expect.objectContaining({ spec: expect.objectContaining({ targets: ['thingGroup:canary'] }) }), 'fw-r2']);
  });
});
