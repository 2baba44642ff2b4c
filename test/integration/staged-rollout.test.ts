/// <reference lib="dom" />
/**
 * Staged rollouts in directory mode, on the emulator over HTTP: one CONTINUOUS job widened wave by
 * wave (canary inside fleet, as fleets are usually grouped). The devices are driven by the test
 * through the emulator's data plane, so each thing's outcome and timing is chosen, not drawn.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ROLLOUT_TAG } from '../../controller/plan/rollout-state.js';
import { launchChromium } from '../helpers/browser.js';
import { built, startProgram, type Program } from '../helpers/processes.js';
import { manifest, Stack } from '../helpers/stack.js';
import { ALL, Devices, GROUPS, provisionWaveGroups, WAVES } from '../helpers/wave-fleet.js';

let stack: Stack | undefined;
let devices: Devices | undefined;
afterEach(async () => {
  devices?.stop();
  await stack?.stop();
  stack = devices = undefined;
});

async function fleetStack(): Promise<Stack> {
  const s = await Stack.create({ things: 0 });
  provisionWaveGroups(s.emu);
  return s;
}

const staged = (over: Record<string, unknown> = {}): string => manifest('fw', { targets: undefined, waves: WAVES, ...over });
const FLAGS = ['--gate-interval-seconds', '0.2'];
const CLI_ENV = { AWS_ACCESS_KEY_ID: 'AKIDSTAGED', AWS_SECRET_ACCESS_KEY: 'x' };

/** The job's rollout record as AWS holds it (ListTagsForResource in-process). */
function rolloutTagOf(s: Stack): string | undefined {
  const arn = s.job('fw')?.jobArn as string | undefined;
  if (!arn) return undefined;
  const { tags } = s.emu.service.call('ListTagsForResource', { resourceArn: arn }) as { tags: { Key: string; Value: string }[] };
  return tags.find((t) => t.Key === ROLLOUT_TAG)?.Value;
}

const targetsOf = (s: Stack): string[] => ((s.job('fw')?.targets as string[] | undefined) ?? []).map((t) => t.split('/').pop()!);
const entryOf = (s: Stack) => s.app.board.view().jobs.find((j) => j.key === 'fw');
/** The reason of the last action planned for fw, without its `kind (outcome): ` head. */
const reasonOf = (s: Stack): string | undefined => entryOf(s)?.lastAction?.replace(/^[a-z-]+ \([a-z-]+\): /, '');

describe('a staged rollout in directory mode', () => {
  it('promotes wave by wave and completes; every thing runs the release once, and no wave starts before the one before passed', async () => {
    const s = (stack = await fleetStack());
    devices = new Devices(s.emu, () => 'SUCCEEDED');
    s.write('fw.yaml', staged());
    await s.start(FLAGS);
    await s.until('the rollout to complete', () => reasonOf(s)?.startsWith('rollout complete'), 30_000);
    expect(targetsOf(s)).toEqual(['canary', 'ten', 'fleet']);
    expect(s.job('fw')).toMatchObject({ status: 'IN_PROGRESS', targetSelection: 'CONTINUOUS', jobExecutionsRolloutConfig: { maximumPerMinute: 500 } });
    for (const thing of ALL) expect(devices.log.filter((e) => e.event === 'start' && e.thing === thing)).toHaveLength(1);
    const canaryDone = Math.max(...devices.log.filter((e) => e.event === 'finish' && GROUPS.canary.includes(e.thing)).map((e) => e.at));
    expect(Math.min(...devices.startsOf(GROUPS.ten))).toBeGreaterThanOrEqual(canaryDone + 600);
    expect(Math.min(...devices.startsOf(GROUPS.rest))).toBeGreaterThanOrEqual(Math.max(...devices.startsOf(GROUPS.ten)) + 600);
    expect(s.calls('AssociateTargetsWithJob')).toBe(2);
    const waves = entryOf(s)?.waves;
    expect(waves?.map((w) => w.phase)).toEqual(['Passed', 'Passed', 'Passed']);
  }, 60_000);

  it('a failing canary stops at its gate: no later wave, the reason in words; Hold leaves the job running, Cancel cancels it', async () => {
    const s = (stack = await fleetStack());
    devices = new Devices(s.emu, (t) => (t === 'c2' ? 'FAILED' : 'SUCCEEDED'));
    s.write('fw.yaml', staged());
    await s.start(FLAGS);
    await s.until('the rollout to be held', () => reasonOf(s)?.startsWith('Held: canary failed its gate'), 30_000);
    const board = entryOf(s)!;
    expect(board.waves?.map((w) => w.phase)).toEqual(['Held', 'Pending', 'Pending']);
    expect(board.waves?.[0]?.gate).toBe('canary: 2 of 2 finished, 50% succeeded < 100% required');
    const metrics = await (await fetch(`${s.app.server!.url}/metrics`)).text();
    expect(metrics).toContain('iotjobs_wave_phase{job_id="fw",wave="canary",phase="Held"} 1');
    expect(metrics).toContain('iotjobs_wave_phase{job_id="fw",wave="ten-percent",phase="Pending"} 1');
    expect(metrics).toContain('iotjobs_wave_gate_ratio{job_id="fw",wave="canary"} 0.5');
    await new Promise((r) => setTimeout(r, 1_500));
    expect(targetsOf(s)).toEqual(['canary']);
    expect(s.job('fw')?.status).toBe('IN_PROGRESS');
    expect(devices.startsOf([...GROUPS.ten, ...GROUPS.rest])).toEqual([]);
    s.write('fw.yaml', staged({ onGateFailure: 'Cancel' }));
    await s.until('the job to be canceled', () => s.job('fw')?.status === 'CANCELED', 15_000);
    expect(s.job('fw')).toMatchObject({ reasonCode: 'WAVE_GATE_FAILED' });
    await s.until('the canceled rollout reported', () => reasonOf(s)?.includes('canceled when a wave failed its gate'), 15_000);
    expect(targetsOf(s)).toEqual(['canary']);
  }, 60_000);

  it('manual approval: nothing widens until the approval commit', async () => {
    const s = (stack = await fleetStack());
    devices = new Devices(s.emu, () => 'SUCCEEDED');
    const manual = [{ ...WAVES[0], gate: { minSucceededRatio: 1, approval: 'Manual' } }, ...WAVES.slice(1)];
    s.write('fw.yaml', staged({ waves: manual }));
    await s.start(FLAGS);
    await s.until('the canary to await approval', () => reasonOf(s)?.includes('awaiting approval: add canary to spec.approvedWaves'), 30_000);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(targetsOf(s)).toEqual(['canary']);
    expect(entryOf(s)?.waves?.[0]?.phase).toBe('AwaitingApproval');
    s.write('fw.yaml', staged({ waves: manual, approvedWaves: ['canary'] }));
    await s.until('the second wave to start', () => targetsOf(s).includes('ten'), 15_000);
  }, 60_000);

  it("removing the manifest mid-rollout applies its deletionPolicy to the rollout's job, and no later wave starts", async () => {
    const s = (stack = await fleetStack());
    devices = new Devices(s.emu, () => 'SUCCEEDED');
    const manual = [{ ...WAVES[0], gate: { minSucceededRatio: 1, approval: 'Manual' } }, ...WAVES.slice(1)];
    s.write('fw.yaml', staged({ waves: manual, deletionPolicy: 'Delete' }));
    // A second job that stays active, so that removing fw is not the removal of every managed job (the prune guard).
    s.write('other.yaml', manifest('other', { targets: ['thingGroup:canary'], targetSelection: 'CONTINUOUS' }));
    await s.start(FLAGS);
    await s.until('the canary to await approval', () => entryOf(s)?.waves?.[0]?.phase === 'AwaitingApproval', 30_000);
    s.remove('fw.yaml');
    await s.until('the job to be deleted', () => s.job('fw') === undefined, 30_000);
    expect(s.calls('DeleteJob')).toBe(1);
    expect(s.calls('AssociateTargetsWithJob')).toBe(0);
    expect(devices.startsOf([...GROUPS.ten, ...GROUPS.rest])).toEqual([]);
    expect(s.job('other')?.status).toBe('IN_PROGRESS');
  }, 60_000);

  it('kill -9 during a bake neither restarts the bake nor skips it: the record on the job says when the gate first held', async () => {
    const s = (stack = await fleetStack());
    devices = new Devices(s.emu, () => 'SUCCEEDED');
    const baking = [{ ...WAVES[0], gate: { minSucceededRatio: 1, bakeMinutes: 0.2 } }, ...WAVES.slice(1)];
    s.write('fw.yaml', staged({ waves: baking }));
    const run = (): Program =>
      startProgram(built('controller/main.js'), ['run', '--dir', s.dir, '--endpoint', s.emu.url, '--metrics-addr', '127.0.0.1:0', ...FLAGS], CLI_ENV);
    const first = run();
    const heldSince = await s.until('the gate to hold', () => /h=(\d+)/.exec(rolloutTagOf(s) ?? '')?.[1], 30_000);
    // Killed 8 s into a 12 s bake: promoted after about 4 s more if the bake went on, after 12 s or more if it started again.
    await new Promise((r) => setTimeout(r, 8_000));
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    expect(targetsOf(s)).toEqual(['canary']);
    const restartedAt = Date.now();
    const second = run();
    try {
      await s.until('a device of the second wave to start', () => devices!.startsOf(GROUPS.ten).length > 0, 30_000);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
    const promotedAt = Math.min(...devices.startsOf(GROUPS.ten));
    expect(promotedAt).toBeGreaterThanOrEqual(Number(heldSince) * 1000 + 12_000);
    expect(promotedAt).toBeLessThan(restartedAt + 12_000);
  }, 60_000);
});

/** `iot-jobs-controller plan` on the stack's manifests, as a process; its output. */
async function plan(s: Stack): Promise<string> {
  const p = startProgram(built('controller/main.js'), ['plan', '--dir', s.dir, '--endpoint', s.emu.url], {
    AWS_ACCESS_KEY_ID: 'AKIDPLAN',
    AWS_SECRET_ACCESS_KEY: 'x',
  });
  await p.exited;
  return p.stdout();
}

describe('what operators see of a staged rollout', () => {
  it('the status page (headless Chromium) and `iot-jobs-controller status` show every wave, its phase and the gate in words', async () => {
    const s = (stack = await fleetStack());
    devices = new Devices(s.emu, (t) => (t === 'c2' ? 'FAILED' : 'SUCCEEDED'));
    s.write('fw.yaml', staged());
    expect(await plan(s)).toContain(
      [
        'create           fw (job fw): no job fw exists',
        '                   wave canary: starts with the job',
        "                   wave ten-percent: starts next, when canary's gate holds for 0.01 min",
        '                   wave fleet: waits for ten-percent',
      ].join('\n'),
    );
    await s.start(FLAGS);
    await s.until('the rollout to be held', () => reasonOf(s)?.startsWith('Held: canary failed its gate'), 30_000);
    expect(await plan(s)).toContain(
      [
        '                   wave canary: Held (canary: 2 of 2 finished, 50% succeeded < 100% required)',
        "                   wave ten-percent: starts next, when canary's gate holds for 0.01 min",
      ].join('\n'),
    );
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(s.app.server!.url);
      await page.waitForSelector('tr.job[data-key="fw"] .wave');
      const waves = await page.$$eval('tr.job[data-key="fw"] .wave', (spans) => spans.map((e) => `${e.textContent} ${(e as HTMLElement).dataset.phase}`));
      expect(waves).toEqual(['canary Held Held', 'ten-percent Pending Pending', 'fleet Pending Pending']);
      expect(await page.textContent('tr.job[data-key="fw"] .gate')).toBe('canary: 2 of 2 finished, 50% succeeded < 100% required');
    } finally {
      await browser.close();
    }
    const cli = startProgram(built('controller/main.js'), ['status', '--url', s.app.server!.url]);
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toContain(
      '  waves: canary Held · ten-percent Pending · fleet Pending\n  gate: canary: 2 of 2 finished, 50% succeeded < 100% required',
    );
  }, 60_000);
});

describe('dependsOn in directory mode', () => {
  it("creates B only after A's job met B's gate on it; a cycle refuses the commit, naming both manifests", async () => {
    const s = (stack = await fleetStack());
    devices = new Devices(s.emu, () => 'SUCCEEDED');
    s.write('a.yaml', manifest('fw-a', { targets: ['thingGroup:canary'] }));
    s.write('b.yaml', manifest('fw-b', { targets: ['thingGroup:ten'], dependsOn: [{ name: 'fw-a', gate: { minSucceededRatio: 1 } }] }));
    await s.start(FLAGS);
    await s.until('fw-b to be created', () => s.job('fw-b'), 30_000);
    const aDone = Math.max(...devices.log.filter((e) => e.jobId === 'fw-a' && e.event === 'finish').map((e) => e.at));
    expect(devices.log.filter((e) => e.jobId === 'fw-a' && e.event === 'finish')).toHaveLength(GROUPS.canary.length);
    expect(Number(s.job('fw-b')!.createdAt) * 1000).toBeGreaterThanOrEqual(aDone);

    s.write('a.yaml', manifest('fw-a', { targets: ['thingGroup:canary'], dependsOn: [{ name: 'fw-b' }] }));
    await s.until('the cycle to be refused', () => s.app.board.view().sourceProblems.find((p) => p.includes('a cycle of dependencies: fw-a → fw-b → fw-a')));
    expect(s.jobIds()).toEqual(['fw-a', 'fw-b']);
  }, 60_000);

  it('waits while the dependency has not finished, saying so', async () => {
    const s = (stack = await fleetStack());
    devices = new Devices(s.emu, (t) => (t === 'c2' ? 'FAILED' : 'SUCCEEDED'));
    s.write('a.yaml', manifest('fw-a', { targets: ['thingGroup:canary'] }));
    s.write('b.yaml', manifest('fw-b', { targets: ['thingGroup:ten'], dependsOn: [{ name: 'fw-a', gate: { minSucceededRatio: 1 } }] }));
    await s.start(FLAGS);
    const entry = () => s.app.board.view().jobs.find((j) => j.key === 'fw-b');
    await s.until(
      'fw-b to wait on its failing dependency',
      () => entry()?.lastAction?.includes('waiting for dependency fw-a: 2 of 2 finished, 50% succeeded < 100% required'),
      30_000,
    );
    expect(s.job('fw-b')).toBeUndefined();
  }, 60_000);
});
