/**
 * The Observer (runtime/observer.ts): which job in AWS a manifest's reconcile looks at. Identity
 * is decided by tags (plan/job-identity.ts, tested on its own); these tests cover what the
 * observer adds around it: nothing concluded before the first ListJobs, unknown candidates read
 * first, takeover only where a missing manifest means a rename (directory mode), a leaving
 * manifest acting only on its own job, Gone told apart from our own deletion through the ledger,
 * and the declared index behind claimant() and taken().
 */
import { describe, expect, it } from 'vitest';
import { WaitError } from '../../../../controller/model/errors.js';
import type { DesiredJob } from '../../../../controller/model/iot-job.js';
import type { ObservedJob } from '../../../../controller/model/observed-job.js';
import { Metrics } from '../../../../controller/observability/metrics.js';
import { ownershipTags } from '../../../../controller/plan/ownership.js';
import { FailedThingsReader } from '../../../../controller/runtime/failed-things.js';
import { Inventory } from '../../../../controller/runtime/inventory.js';
import { Observer } from '../../../../controller/runtime/observer.js';
import type { DesiredSource } from '../../../../controller/sources/source.js';
import { aDesired, anObserved, CONTROLLER } from '../../../helpers/builders.js';
import { FakeIotJobs } from '../../../helpers/fake-iot-jobs.js';
import { quietLogger } from '../../../helpers/logs.js';

/** A source whose manifests, revision and mode the test changes. */
function fakeSource(manifests: DesiredJob[], prunesAbsent: boolean): DesiredSource & { manifests: Map<string, DesiredJob>; revision: string } {
  const s = {
    kind: prunesAbsent ? 'directory' : 'kubernetes',
    prunesAbsent,
    manifests: new Map(manifests.map((m) => [m.key, m])),
    revision: 'r1',
    get: (k: string) => s.manifests.get(k),
    keys: () => [...s.manifests.keys()],
    status: () => ({ revision: s.revision, problems: [] }),
    synced: () => true,
    start: async () => undefined,
    stop: async () => undefined,
  };
  return s;
}

/** An observer over the fake port; `directory` picks the mode; `failedThings` attaches a real reader. */
function setup(manifests: DesiredJob[], o: { directory?: boolean; failedThings?: boolean } = {}) {
  const jobs = new FakeIotJobs();
  const inventory = new Inventory(CONTROLLER);
  const metrics = new Metrics({ defaultMetrics: false });
  const forgotten: string[] = [];
  metrics.onForgetJob((id) => forgotten.push(id));
  const gone: string[] = [];
  const source = fakeSource(manifests, o.directory ?? true);
  const failedThings = o.failedThings ? new FailedThingsReader(jobs, quietLogger()) : undefined;
  const observer = new Observer({ source, jobs, inventory, metrics, controllerId: CONTROLLER, failedThings, onGone: (id) => gone.push(id) });
  /** Puts jobs in AWS and lists them, as a resync does (without counting the ListJobs call). */
  const aws = (...list: ObservedJob[]): void => {
    for (const j of list) jobs.jobs.set(j.jobId, j);
    inventory.setSummaries([...jobs.jobs.values()].map((j) => ({ jobId: j.jobId, status: j.status })));
  };
  const reads = (): string[] => jobs.argsOf('DescribeJob').map((a) => a[0] as string);
  return { jobs, inventory, source, observer, aws, reads, gone, forgotten };
}

/** Our job `jobId` for manifest `key`. */
const ours = (jobId: string, key: string, status: ObservedJob['status'] = 'IN_PROGRESS', over: Partial<ObservedJob> = {}): ObservedJob =>
  anObserved(status, { tags: ownershipTags(CONTROLLER, key, 'Cancel'), ...over }, jobId);

describe('Observer.desired', () => {
  it('concludes nothing before the first ListJobs: a WaitError, and nothing read', async () => {
    const s = setup([aDesired()]);
    await expect(s.observer.desired(aDesired())).rejects.toBeInstanceOf(WaitError);
    expect(s.jobs.calls).toEqual([]);
  });

  it('reads every candidate whose owner is unknown before deciding, and uses those reads (no second read)', async () => {
    const s = setup([aDesired()]);
    s.aws(ours('fw', 'fw', 'CANCELED'), ours('fw-r2', 'fw'), ours('fwx', 'fwx'));
    const seen = await s.observer.desired(aDesired());
    expect(seen.identity).toEqual({ kind: 'own', jobId: 'fw-r2' });
    expect(seen.observed?.jobId).toBe('fw-r2');
    expect(s.reads()).toEqual(['fw', 'fw-r2']);
  });

  it('once owners are known, reads only the chosen job, and not even that when it is finished and unchanged', async () => {
    const s = setup([aDesired()]);
    s.aws(ours('fw', 'fw'));
    await s.observer.desired(aDesired());
    await s.observer.desired(aDesired());
    expect(s.reads()).toEqual(['fw', 'fw']);
    const t = setup([aDesired()]);
    t.aws(ours('fw', 'fw', 'COMPLETED'));
    await t.observer.desired(aDesired());
    expect((await t.observer.desired(aDesired())).observed?.status).toBe('COMPLETED');
    expect(t.reads()).toEqual(['fw']);
  });

  it('takes over the job of a manifest that is no longer declared (a rename) in directory mode only', async () => {
    const renamed = aDesired({ jobId: 'fw' }, 'new');
    const dir = setup([renamed], { directory: true });
    dir.aws(ours('fw', 'old'));
    expect(await dir.observer.desired(renamed)).toMatchObject({ identity: { kind: 'takeover', jobId: 'fw', from: 'old' }, observed: { jobId: 'fw' } });
    const kube = setup([renamed], { directory: false });
    kube.aws(ours('fw', 'old'));
    expect((await kube.observer.desired(renamed)).identity).toEqual({ kind: 'other', jobId: 'fw' });
  });

  it('never takes over the job of a manifest that is still declared', async () => {
    const renamed = aDesired({ jobId: 'fw' }, 'new');
    const s = setup([renamed, aDesired({ jobId: 'fw-other' }, 'old')]);
    s.aws(ours('fw', 'old'));
    expect((await s.observer.desired(renamed)).identity).toEqual({ kind: 'other', jobId: 'fw' });
  });

  it("reads the executions the manifest's overrides name, except on a job being deleted", async () => {
    const desired = aDesired({ executions: [{ thingName: 'dev-1', action: 'Cancel' }] });
    const s = setup([desired]);
    s.jobs.executions.set('fw/dev-1', { thingName: 'dev-1', status: 'IN_PROGRESS', executionNumber: 2 });
    s.aws(ours('fw', 'fw'));
    expect((await s.observer.desired(desired)).observed?.executions).toEqual({ 'dev-1': { thingName: 'dev-1', status: 'IN_PROGRESS', executionNumber: 2 } });
    s.aws(ours('fw', 'fw', 'DELETION_IN_PROGRESS'));
    expect((await s.observer.desired(desired)).observed?.executions).toBeUndefined();
    expect(s.jobs.calls.filter((c) => c === 'DescribeJobExecution')).toHaveLength(1);
  });
});

describe('Observer.leaving', () => {
  it("finds only the manifest's own job: another manifest's job with its jobId is reported, not returned", async () => {
    const leaving = aDesired({ jobId: 'fw' }, 'ns/a');
    const s = setup([], { directory: false });
    s.aws(ours('fw', 'ns/b'));
    expect(await s.observer.leaving(leaving)).toEqual({ identity: { kind: 'other', jobId: 'fw' } });
    const t = setup([], { directory: false });
    t.aws(ours('fw', 'ns/a'));
    expect(await t.observer.leaving(leaving)).toMatchObject({ identity: { kind: 'own', jobId: 'fw' }, observed: { jobId: 'fw' } });
  });

  it('never takes over, even in directory mode, the job of a manifest that is not declared', async () => {
    const leaving = aDesired({ jobId: 'fw' }, 'a');
    const s = setup([], { directory: true });
    s.aws(ours('fw', 'old'));
    const seen = await s.observer.leaving(leaving);
    expect(seen.observed).toBeUndefined();
    expect(seen.identity?.kind).toBe('other');
  });
});

describe('Observer gone detection (the ledger)', () => {
  it('a job of ours someone else deleted is Gone: read once to confirm, then known without reading; its series and caches are forgotten', async () => {
    const s = setup([aDesired()]);
    s.aws(ours('fw', 'fw'));
    expect((await s.observer.desired(aDesired())).identity).toEqual({ kind: 'own', jobId: 'fw' });
    s.jobs.jobs.delete('fw');
    s.aws();
    expect(await s.observer.desired(aDesired())).toEqual({ identity: { kind: 'gone', jobId: 'fw' } });
    expect(s.inventory.ledger.entry('fw')).toMatchObject({ key: 'fw', state: 'gone' });
    expect(s.gone).toEqual(['fw']);
    expect(s.forgotten).toEqual(['fw']);
    const readsBefore = s.reads().length;
    expect((await s.observer.desired(aDesired())).identity).toEqual({ kind: 'gone', jobId: 'fw' });
    expect(s.reads()).toHaveLength(readsBefore);
  });

  it('a job this controller deleted is forgotten, not reported Gone: the manifest has no job', async () => {
    const s = setup([aDesired()]);
    s.aws(ours('fw', 'fw'));
    await s.observer.desired(aDesired());
    s.inventory.recordDeleting('fw');
    s.jobs.jobs.delete('fw');
    s.aws();
    expect(await s.observer.desired(aDesired())).toEqual({ identity: { kind: 'none' } });
    expect(s.inventory.ledger.entry('fw')).toBeUndefined();
  });

  it('a job that vanished between the list and the read is retried once and found Gone', async () => {
    const s = setup([aDesired()]);
    s.aws(ours('fw', 'fw'));
    s.inventory.recordObserved(ours('fw', 'fw'));
    s.jobs.jobs.delete('fw');
    expect(await s.observer.desired(aDesired())).toEqual({ identity: { kind: 'gone', jobId: 'fw' } });
    expect(s.reads()).toEqual(['fw']);
  });

  it('the jobId a Kubernetes status remembers enters the ledger, so after a restart a job deleted meanwhile is Gone, not created again', async () => {
    const s = setup([], { directory: false });
    s.aws();
    const desired = { ...aDesired({}, 'ns/fw'), jobId: 'fw', recordedJobId: 'fw-r2' };
    expect(await s.observer.desired(desired)).toEqual({ identity: { kind: 'gone', jobId: 'fw-r2' } });
    expect(s.reads()).toEqual(['fw-r2']);
    const t = setup([], { directory: false });
    t.aws();
    expect(await t.observer.desired({ ...desired, recordedJobId: 'unrelated' })).toEqual({ identity: { kind: 'none' } });
    expect(t.inventory.ledger.entry('unrelated')).toBeUndefined();
  });

  it('the failed things of a Gone job are forgotten, so a job under the same id later shows its own (regression: stale failed-things signature)', async () => {
    const failing = (): ObservedJob => ours('fw', 'fw', 'IN_PROGRESS', { counts: { ...anObserved().counts, FAILED: 1 } });
    const s = setup([aDesired()], { failedThings: true });
    s.jobs.failedExecutions.set('fw', [{ thingName: 'dev-1', status: 'FAILED', executionNumber: 1 }]);
    s.aws(failing());
    expect((await s.observer.desired(aDesired())).observed?.failedThings).toEqual([{ thingName: 'dev-1', status: 'FAILED', executionNumber: 1 }]);
    s.jobs.jobs.delete('fw');
    s.aws();
    expect((await s.observer.desired(aDesired())).identity?.kind).toBe('gone');
    s.inventory.ledger.approveRecreate(['fw']);
    s.jobs.failedExecutions.set('fw', [{ thingName: 'dev-9', status: 'FAILED', executionNumber: 1 }]);
    s.aws(failing());
    expect((await s.observer.desired(aDesired())).observed?.failedThings).toEqual([{ thingName: 'dev-9', status: 'FAILED', executionNumber: 1 }]);
    expect(s.jobs.argsOf('ListJobExecutionsForJob')).toEqual([
      ['fw', 10],
      ['fw', 10],
    ]);
  });
});

describe('Observer.removed', () => {
  it('is the owned job of a removed manifest, read; undefined without reading when it has none', async () => {
    const s = setup([]);
    s.aws(ours('gone-manifest', 'gone-manifest'));
    s.inventory.recordObserved(ours('gone-manifest', 'gone-manifest'));
    expect((await s.observer.removed('gone-manifest'))?.jobId).toBe('gone-manifest');
    expect(await s.observer.removed('never-had-one')).toBeUndefined();
    expect(s.reads()).toEqual(['gone-manifest']);
  });
});

describe('Observer declared index (claimant, taken)', () => {
  it("claimant: a declared manifest whose jobId family holds a removed manifest's job takes it over, unless it has its own job there", () => {
    const s = setup([aDesired({ jobId: 'fw' }, 'new')]);
    s.aws(ours('fw', 'old'));
    expect(s.observer.claimant('old', 'fw')).toBe('new');
    s.inventory.recordObserved(ours('fw', 'old'));
    expect(s.observer.claimant('old', 'fw')).toBe('new');
    s.aws(ours('fw-r2', 'new'));
    s.inventory.recordObserved(ours('fw-r2', 'new'));
    expect(s.observer.claimant('old', 'fw')).toBeUndefined();
    expect(s.observer.claimant('old', 'other-family')).toBeUndefined();
  });

  it('claimant: a family job whose tags are not read yet counts as claimed, so nothing is pruned on a guess', () => {
    const s = setup([aDesired({ jobId: 'fw' }, 'new')]);
    s.aws(ours('fw', 'old'), ours('fw-r2', 'new'));
    s.inventory.recordObserved(ours('fw-r2', 'new'));
    expect(s.inventory.ownerOf('fw')).toBeUndefined();
    expect(s.observer.claimant('old', 'fw')).toBe('new');
  });

  it('claimant is never anyone in Kubernetes mode (a missing object is not a rename)', () => {
    const s = setup([aDesired({ jobId: 'fw' }, 'ns/new')], { directory: false });
    s.aws(ours('fw', 'ns/old'));
    expect(s.observer.claimant('ns/old', 'fw')).toBeUndefined();
  });

  it("taken: a job id in AWS or declared by a manifest; the index follows the source's revision", () => {
    const s = setup([aDesired({ jobId: 'fw' }, 'a')]);
    s.aws(ours('in-aws', 'x'));
    expect([s.observer.taken('in-aws'), s.observer.taken('fw'), s.observer.taken('gw')]).toEqual([true, true, false]);
    s.source.manifests = new Map([['b', aDesired({ jobId: 'gw' }, 'b')]]);
    s.source.revision = 'r2';
    expect([s.observer.taken('fw'), s.observer.taken('gw')]).toEqual([false, true]);
  });
});
