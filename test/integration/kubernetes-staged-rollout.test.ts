/**
 * Staged rollouts in Kubernetes mode, on the real kube-apiserver and the emulator: the same waves
 * as in directory mode, approved by a patch; the status carries the waves, the Wave printer column
 * sums them up, every wave transition is an Event, and deleting the IoTJob mid-rollout applies its
 * deletionPolicy to the rollout's job.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { KubeStack } from '../helpers/kube-stack.js';
import { ALL, Devices, GROUPS, provisionWaveGroups, WAVES } from '../helpers/wave-fleet.js';

let stack: KubeStack | undefined;
let devices: Devices | undefined;
afterEach(async () => {
  devices?.stop();
  await stack?.stop();
  stack = devices = undefined;
});

const FLAGS = ['--gate-interval-seconds', '0.2'];
const MANUAL = [{ ...WAVES[0], gate: { minSucceededRatio: 1, approval: 'Manual' } }, ...WAVES.slice(1)];

async function waveStack(): Promise<KubeStack> {
  const s = await KubeStack.create({ things: 0 });
  provisionWaveGroups(s.emu);
  return s;
}

/** The IoTJob as `kubectl get` prints it: the CRD's printer columns, by name. */
async function printed(s: KubeStack, name: string): Promise<Record<string, unknown>> {
  const table = await s.rest.request<{ columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] }>(
    'GET',
    `/apis/iot.gitops.dev/v1alpha1/namespaces/${s.ns}/iotjobs/${name}`,
    { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
  );
  return Object.fromEntries(table.columnDefinitions.map((c, i) => [c.name, table.rows[0]!.cells[i]]));
}

describe('a staged rollout in Kubernetes mode', () => {
  it('waits for the approval patch, then promotes to completion; status, the Wave column and Events follow every wave', async () => {
    const s = (stack = await waveStack());
    devices = new Devices(s.emu, () => 'SUCCEEDED');
    await s.start(FLAGS);
    await s.create('fw', { targets: undefined, waves: MANUAL });
    const awaiting = await s.untilStatus('fw', 'the canary to await approval', (st) => st.wave === '1/3 canary: AwaitingApproval', 30_000);
    expect(KubeStack.condition(awaiting.status, 'Reconciling')).toMatchObject({ status: 'True', message: expect.stringContaining('awaiting approval') });
    expect((await printed(s, 'fw')).Wave).toBe('1/3 canary: AwaitingApproval');
    expect(devices.startsOf([...GROUPS.ten, ...GROUPS.rest])).toEqual([]);

    await s.patchSpec('fw', { approvedWaves: ['canary'] });
    const done = await s.untilStatus('fw', 'the rollout to complete', (st) => st.wave === '3/3 fleet: Passed', 30_000);
    expect(done.status!.waves.map((w: { phase: string }) => w.phase)).toEqual(['Passed', 'Passed', 'Passed']);
    expect(KubeStack.condition(done.status, 'Ready')).toMatchObject({ status: 'True' });
    for (const thing of ALL) expect(devices.log.filter((e) => e.event === 'start' && e.thing === thing)).toHaveLength(1);
    const events = await s.events('fw');
    const started = events.filter((e) => e.reason === 'WaveStarted').map((e) => e.message);
    expect(started.sort()).toEqual(['Started wave fleet of job fw on 1 target', 'Started wave ten-percent of job fw on 1 target']);
  }, 90_000);

  it('a failing canary is Held: Stalled with the gate in words, no later wave; patching onGateFailure: Cancel cancels it', async () => {
    const s = (stack = await waveStack());
    devices = new Devices(s.emu, (t) => (t === 'c2' ? 'FAILED' : 'SUCCEEDED'));
    await s.start(FLAGS);
    await s.create('fw', { targets: undefined, waves: WAVES });
    const held = await s.untilStatus(
      'fw',
      'the canary to be held and Stalled',
      (st) => st.wave === '1/3 canary: Held' && KubeStack.condition(st, 'Stalled')?.status === 'True',
      30_000,
    );
    expect(KubeStack.condition(held.status, 'Stalled')).toMatchObject({
      status: 'True',
      message: expect.stringContaining('canary: 2 of 2 finished, 50% succeeded < 100% required'),
    });
    expect(s.job('fw')?.targets).toHaveLength(1);
    await s.patchSpec('fw', { onGateFailure: 'Cancel' });
    await s.until('the job to be canceled', () => s.job('fw')?.status === 'CANCELED');
    await s.untilStatus('fw', 'the canary to be Failed', (st) => st.wave === '1/3 canary: Failed');
    expect(devices.startsOf([...GROUPS.ten, ...GROUPS.rest])).toEqual([]);
  }, 90_000);

  it("deleting the IoTJob mid-rollout applies its deletionPolicy to the rollout's job", async () => {
    const s = (stack = await waveStack());
    devices = new Devices(s.emu, () => 'SUCCEEDED');
    await s.start(FLAGS);
    await s.create('fw', { targets: undefined, waves: MANUAL });
    await s.untilStatus('fw', 'the canary to await approval', (st) => st.wave === '1/3 canary: AwaitingApproval', 30_000);
    await s.delete('fw');
    await s.until('the job to be canceled', () => s.job('fw')?.status === 'CANCELED');
    await s.until('the IoTJob to be gone', async () => (await s.get('fw')) === undefined);
    expect(s.calls('AssociateTargetsWithJob')).toBe(0);
  }, 90_000);

  it("dependsOn: B's job is created only after A's met the gate; IoTJobs depending on each other are Stalled, naming the cycle", async () => {
    const s = (stack = await waveStack());
    devices = new Devices(s.emu, () => 'SUCCEEDED');
    await s.start(FLAGS);
    await s.create('fw-b', { targets: ['thingGroup:ten'], dependsOn: [{ name: 'fw-a', gate: { minSucceededRatio: 1 } }] });
    await s.untilStatus('fw-b', 'fw-b to wait for fw-a', (st) => /waiting for dependency fw-a: it is not declared/.test(st.lastAction ?? ''));
    await s.create('fw-a', { targets: ['thingGroup:canary'] });
    await s.until('fw-b to be created', () => s.job('fw-b'), 30_000);
    const aDone = Math.max(...devices.log.filter((e) => e.jobId === 'fw-a' && e.event === 'finish').map((e) => e.at));
    expect(Number(s.job('fw-b')!.createdAt) * 1000).toBeGreaterThanOrEqual(aDone);

    await s.create('fw-c', { targets: ['thingGroup:ten'], dependsOn: [{ name: 'fw-d' }] });
    await s.create('fw-d', { targets: ['thingGroup:ten'], dependsOn: [{ name: 'fw-c' }] });
    const stalled = await s.untilStatus('fw-c', 'fw-c to be Stalled', (st) => KubeStack.condition(st, 'Stalled')?.status === 'True');
    expect(KubeStack.condition(stalled.status, 'Stalled')?.message).toContain('a cycle of dependencies: ' + `${s.ns}/fw-c → ${s.ns}/fw-d → ${s.ns}/fw-c`);
    expect(s.job('fw-c')).toBeUndefined();
  }, 90_000);

  it('refuses targets and waves together at admission, naming the rule', async () => {
    const s = (stack = await waveStack());
    await expect(s.create('both', { waves: WAVES })).rejects.toThrow(/give exactly one of targets and waves/);
  });
});
