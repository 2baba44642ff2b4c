/**
 * execute(action): the one place that changes AWS. Each kind of action makes its calls and leaves
 * its trace in the inventory and metrics; nothing destructive happens before a fresh read shows the
 * job is this controller's job for this manifest.
 */
import { describe, expect, it } from 'vitest';
import type { Action } from '../../../../controller/model/action.js';
import { TerminalError, WaitError } from '../../../../controller/model/errors.js';
import { Metrics } from '../../../../controller/observability/metrics.js';
import { MANAGED_BY, ownershipTags, SOURCE_KEY } from '../../../../controller/plan/ownership.js';
import { execute, type ExecutorDeps } from '../../../../controller/runtime/executor.js';
import { Inventory } from '../../../../controller/runtime/inventory.js';
import { aDesired, anObserved, CONTROLLER, PARTITION } from '../../../helpers/builders.js';
import { FakeIotJobs } from '../../../helpers/fake-iot-jobs.js';

/** Executor deps over the fake port, after a first (empty) ListJobs; `forgotten` collects the jobs whose series were deleted. */
function setup(over: Partial<ExecutorDeps> = {}): ExecutorDeps & { jobs: FakeIotJobs; forgotten: string[] } {
  const jobs = new FakeIotJobs();
  const inventory = new Inventory(CONTROLLER);
  inventory.setSummaries([]);
  const metrics = new Metrics({ defaultMetrics: false });
  const forgotten: string[] = [];
  metrics.onForgetJob((id) => forgotten.push(id));
  return { jobs, inventory, metrics, controllerId: CONTROLLER, partition: PARTITION, forgotten, ...over } as ExecutorDeps & {
    jobs: FakeIotJobs;
    forgotten: string[];
  };
}

const drift = async (m: Metrics, field: string): Promise<number> => (await m.driftCorrected.get()).values.find((v) => v.labels.field === field)?.value ?? 0;

describe('execute', () => {
  it('a noop changes nothing: unchanged, or stalled when it needs a human', async () => {
    const d = setup();
    expect(await execute({ kind: 'noop', reason: 'in sync' }, { key: 'fw', desired: aDesired(), observed: anObserved() }, d)).toBe('unchanged');
    expect(await execute({ kind: 'noop', stalled: true, reason: 'targets cannot change' }, { key: 'fw', desired: aDesired(), observed: anObserved() }, d)).toBe(
      'stalled',
    );
    expect(d.jobs.calls).toEqual([]);
  });

  it("a wait throws a WaitError with the action's delay and reason", async () => {
    const err = await execute({ kind: 'wait', afterMs: 5_000, reason: 'job fw is being deleted' }, { key: 'fw', desired: aDesired() }, setup()).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WaitError);
    expect(err).toMatchObject({ afterMs: 5_000, message: 'job fw is being deleted' });
  });

  it('create: CreateJob with the planned id, and the inventory owns it for the manifest', async () => {
    const d = setup();
    const desired = aDesired({}, 'fw');
    expect(await execute({ kind: 'create', jobId: 'fw-r2', reason: 'no job' }, { key: 'fw', desired }, d)).toBe('created');
    expect(d.jobs.argsOf('CreateJob')).toEqual([[desired, 'fw-r2']]);
    expect(d.inventory.ownedJobOf('fw')).toBe('fw-r2');
    expect(d.inventory.taken('fw-r2')).toBe(true);
    expect(d.inventory.ledger.entry('fw-r2')).toEqual({ key: 'fw', state: 'live' });
  });

  it('create answered "already exists": our own identical job is created (a lost answer retried); any other job is a terminal error', async () => {
    const d = setup();
    const desired = aDesired({}, 'fw');
    await d.jobs.create(desired, 'fw');
    expect(await execute({ kind: 'create', jobId: 'fw', reason: 'no job' }, { key: 'fw', desired }, d)).toBe('created');
    expect(d.inventory.ownedJobOf('fw')).toBe('fw');
    const changed = aDesired({ document: { op: 'other' } }, 'fw');
    await expect(execute({ kind: 'create', jobId: 'fw', reason: 'no job' }, { key: 'fw', desired: changed }, d)).rejects.toThrow(
      /already exists with a different document/,
    );
    const other = execute({ kind: 'create', jobId: 'fw', reason: 'no job' }, { key: 'other', desired: aDesired({}, 'other') }, d);
    await expect(other).rejects.toThrow(TerminalError);
    await expect(other).rejects.toThrow(/already taken by a job this controller did not create for other/);
    expect(d.inventory.ownedJobOf('other')).toBeUndefined();
  });

  it('record and promote (a staged rollout): a fresh read shows the job is ours, then TagResource or AssociateTargetsWithJob', async () => {
    const d = setup();
    const desired = aDesired({}, 'fw');
    await d.jobs.create(desired, 'fw');
    expect(
      await execute(
        { kind: 'record', jobId: 'fw', tag: 'iot-jobs-controller/rollout', value: 'w=0 b=0/0/0/0/0 s=1', reason: 'start' },
        { key: 'fw', desired },
        d,
      ),
    ).toBe('recorded');
    const arn = 'arn:aws:iot:us-east-1:123456789012:thinggroup/ten';
    expect(await execute({ kind: 'promote', jobId: 'fw', wave: 'ten', targets: [arn], reason: 'next' }, { key: 'fw', desired }, d)).toBe('promoted');
    expect(d.jobs.calls).toEqual(['CreateJob', 'DescribeJob', 'TagResource', 'DescribeJob', 'AssociateTargetsWithJob']);
    expect(d.jobs.argsOf('AssociateTargetsWithJob')).toEqual([['fw', [arn], 'wave ten of fw']]);
    await expect(execute({ kind: 'promote', jobId: 'fw', wave: 'ten', targets: [arn], reason: 'next' }, { key: 'other', desired }, d)).rejects.toThrow(
      TerminalError,
    );
  });

  it('refuses an action without the data it needs instead of sending half a request', async () => {
    const d = setup();
    await expect(execute({ kind: 'create', jobId: 'fw', reason: 'no job' }, { key: 'fw' }, d)).rejects.toThrow('internal error');
    await expect(execute({ kind: 'update', jobId: 'fw', fields: ['description'], reason: 'drift' }, { key: 'fw', desired: aDesired() }, d)).rejects.toThrow(
      'internal error',
    );
    expect(d.jobs.calls).toEqual([]);
  });

  it("update: UpdateJob with the fields, one drift count per field, and the job's cache invalidated", async () => {
    const d = setup();
    const desired = aDesired({ description: 'new' });
    const observed = anObserved();
    expect(await execute({ kind: 'update', jobId: 'fw', fields: ['description', 'tags'], reason: 'drift' }, { key: 'fw', desired, observed }, d)).toBe(
      'configured',
    );
    expect(d.jobs.calls).toEqual(['UpdateJob']);
    expect(d.jobs.argsOf('UpdateJob')).toEqual([[desired, observed, ['description', 'tags']]]);
    expect(d.jobs.invalidated).toEqual(['fw']);
    expect([await drift(d.metrics, 'description'), await drift(d.metrics, 'tags')]).toEqual([1, 1]);
  });

  it('update with a claim (adopt, rename): reads the job fresh and updates it when its tags are still as planned', async () => {
    const d = setup();
    d.jobs.jobs.set('fw', anObserved('IN_PROGRESS', { tags: ownershipTags(CONTROLLER, 'old', 'Cancel') }));
    const action: Action = { kind: 'update', jobId: 'fw', fields: ['tags'], reason: 'rename', claim: { managedBy: CONTROLLER, sourceKey: 'old' } };
    expect(await execute(action, { key: 'new', desired: aDesired({}, 'new'), observed: anObserved() }, d)).toBe('configured');
    expect(d.jobs.requests.map((r) => [r.op, r.args[0]])).toEqual([
      ['DescribeJob', 'fw'],
      ['UpdateJob', expect.anything()],
    ]);
    expect(d.jobs.argsOf('DescribeJob')[0]![1]).toEqual({ fresh: true });
  });

  it("update with a claim waits and plans again when the job's ownership tags changed since the plan, and when it vanished", async () => {
    const d = setup();
    const action: Action = { kind: 'update', jobId: 'fw', fields: ['tags'], reason: 'adopt', claim: { managedBy: undefined, sourceKey: undefined } };
    d.jobs.jobs.set('fw', anObserved('IN_PROGRESS', { tags: { [MANAGED_BY]: 'someone-else' } }));
    await expect(execute(action, { key: 'fw', desired: aDesired({ adopt: true }), observed: anObserved() }, d)).rejects.toThrow(
      expect.objectContaining({ name: 'WaitError', message: expect.stringContaining('ownership tags changed') }),
    );
    d.jobs.jobs.delete('fw');
    await expect(execute(action, { key: 'fw', desired: aDesired({ adopt: true }), observed: anObserved() }, d)).rejects.toThrow(
      expect.objectContaining({ name: 'WaitError', message: expect.stringContaining('disappeared') }),
    );
    expect(d.jobs.calls).toEqual(['DescribeJob', 'DescribeJob']);
    expect(d.inventory.ownerOf('fw')).toEqual({ jobId: 'fw', managedBy: 'someone-else', sourceKey: undefined });
  });

  it('replace: cancels the old job (checked fresh) with a comment naming the new one, creates the new one, forgets the old series', async () => {
    const d = setup();
    d.jobs.jobs.set('fw', anObserved('IN_PROGRESS'));
    const action: Action = { kind: 'replace', oldJobId: 'fw', jobId: 'fw-r2', cancelOld: true, reason: 'targets changed' };
    expect(await execute(action, { key: 'fw', desired: aDesired(), observed: anObserved() }, d)).toBe('replaced');
    expect(d.jobs.calls).toEqual(['DescribeJob', 'CancelJob', 'CreateJob']);
    expect(d.jobs.argsOf('CancelJob')).toEqual([['fw', { force: false, comment: 'Replaced by job fw-r2' }]]);
    expect(d.jobs.jobs.get('fw')!.status).toBe('CANCELED');
    expect(d.inventory.ownedJobOf('fw')).toBe('fw-r2');
    expect(d.forgotten).toEqual(['fw']);
  });

  it('replace of a finished job creates the new one without touching the old', async () => {
    const d = setup();
    expect(
      await execute(
        { kind: 'replace', oldJobId: 'fw', jobId: 'fw-r2', cancelOld: false, reason: 'document changed' },
        { key: 'fw', desired: aDesired(), observed: anObserved('COMPLETED') },
        d,
      ),
    ).toBe('replaced');
    expect(d.jobs.calls).toEqual(['CreateJob']);
  });

  it("cancel: CancelJob with the manifest's force, reason code and comment after a fresh read", async () => {
    const d = setup();
    d.jobs.jobs.set('fw', anObserved('IN_PROGRESS'));
    expect(
      await execute(
        { kind: 'cancel', jobId: 'fw', force: true, reasonCode: 'BAD_FW', comment: 'rolled back', reason: 'state: Canceled' },
        { key: 'fw', desired: aDesired(), observed: anObserved() },
        d,
      ),
    ).toBe('canceled');
    expect(d.jobs.requests.map((r) => [r.op, ...r.args])).toEqual([
      ['DescribeJob', 'fw', { fresh: true }],
      ['CancelJob', 'fw', { force: true, reasonCode: 'BAD_FW', comment: 'rolled back' }],
    ]);
  });

  it.each<[string, Record<string, string>]>([
    ["another controller's job", ownershipTags('other-controller', 'fw', 'Cancel')],
    ['our job for another manifest', ownershipTags(CONTROLLER, 'other', 'Cancel')],
    ['an untagged job', {}],
  ])('refuses to cancel or delete %s: a TerminalError, and no mutating call', async (_name, tags) => {
    const d = setup();
    d.jobs.jobs.set('fw', anObserved('IN_PROGRESS', { tags }));
    for (const action of [
      { kind: 'cancel', jobId: 'fw', force: false, reason: 'removed' },
      { kind: 'delete', jobId: 'fw', reason: 'removed' },
    ] as Action[]) {
      await expect(execute(action, { key: 'fw', observed: anObserved() }, d)).rejects.toThrow(TerminalError);
    }
    expect(d.jobs.calls).toEqual(['DescribeJob', 'DescribeJob']);
    expect(d.jobs.jobs.get('fw')!.status).toBe('IN_PROGRESS');
  });

  it('waits instead of acting on a job that disappeared before it could be changed', async () => {
    const d = setup();
    const err = await execute({ kind: 'cancel', jobId: 'fw', force: false, reason: 'removed' }, { key: 'fw', observed: anObserved() }, d).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WaitError);
    expect(err).toMatchObject({ afterMs: 1_000, message: 'job fw disappeared before it could be changed' });
    expect(d.jobs.calls).toEqual(['DescribeJob']);
  });

  it('delete: the ledger marks the job deleting before DeleteJob is sent, so a crash mid-call does not report it Gone', async () => {
    const d = setup();
    d.jobs.jobs.set('fw', anObserved('CANCELED', { tags: ownershipTags(CONTROLLER, 'fw', 'Delete') }));
    d.jobs.fail.set('DeleteJob', new Error('socket hang up'));
    await expect(execute({ kind: 'delete', jobId: 'fw', reason: 'removed' }, { key: 'fw', observed: anObserved() }, d)).rejects.toThrow('socket hang up');
    expect(d.inventory.ledger.entry('fw')).toEqual({ key: 'fw', state: 'deleting' });
    expect(await execute({ kind: 'delete', jobId: 'fw', reason: 'removed' }, { key: 'fw', observed: anObserved() }, d)).toBe('deleted');
    expect(d.jobs.jobs.has('fw')).toBe(false);
    d.inventory.recordGone('fw');
    expect(d.inventory.ledger.entry('fw')).toBeUndefined();
  });

  it('cancel-execution and delete-execution: the thing, execution number and force as planned, after a fresh read', async () => {
    const d = setup();
    d.jobs.jobs.set('fw', anObserved('IN_PROGRESS'));
    expect(
      await execute(
        { kind: 'cancel-execution', jobId: 'fw', thingName: 'dev-1', force: true, reason: 'override' },
        { key: 'fw', desired: aDesired(), observed: anObserved() },
        d,
      ),
    ).toBe('execution-canceled');
    expect(
      await execute(
        { kind: 'delete-execution', jobId: 'fw', thingName: 'dev-2', executionNumber: 3, force: false, reason: 'override' },
        { key: 'fw', desired: aDesired(), observed: anObserved() },
        d,
      ),
    ).toBe('execution-deleted');
    expect(d.jobs.requests.map((r) => [r.op, ...r.args])).toEqual([
      ['DescribeJob', 'fw', { fresh: true }],
      ['CancelJobExecution', 'fw', 'dev-1', true],
      ['DescribeJob', 'fw', { fresh: true }],
      ['DeleteJobExecution', 'fw', 'dev-2', 3, false],
    ]);
  });

  it("an execution override on a job that is not this manifest's is refused", async () => {
    const d = setup();
    d.jobs.jobs.set('fw', anObserved('IN_PROGRESS', { tags: { ...ownershipTags(CONTROLLER, 'fw', 'Cancel'), [SOURCE_KEY]: 'elsewhere' } }));
    await expect(
      execute(
        { kind: 'cancel-execution', jobId: 'fw', thingName: 'dev-1', force: false, reason: 'override' },
        { key: 'fw', desired: aDesired(), observed: anObserved() },
        d,
      ),
    ).rejects.toThrow(TerminalError);
    expect(d.jobs.calls).toEqual(['DescribeJob']);
  });
});
