/**
 * The crash test of the adversarial suite (issue 9): the controller, as its own process, is killed
 * with SIGKILL at seeded random moments while it converges a few hundred manifests through a
 * commit of updates, cancels, removals and replacements, and is started again each time with its
 * --state-file. The emulator (in this process) keeps the truth and the call log. At the end: zero
 * lost, zero duplicated, zero unowned touched, and no mutating call carried out beyond the minimum.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../emulator/fleet/random.js';
import { startEmulator, type Emulator } from '../../emulator/index.js';
import { built, startProgram, waitFor, type Program } from '../helpers/processes.js';
import { RolloutScenario, verify } from '../helpers/rollout-scenario.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

const SEED = Number(process.env.CRASH_SEED ?? 9);
const MANIFESTS = 200;
/** Kills at random moments (half per commit); one more per commit once it has converged. */
const KILLS = 10;
const ENV = { AWS_ACCESS_KEY_ID: 'AKIDCRASHTEST', AWS_SECRET_ACCESS_KEY: 'x' };

let emu: Emulator | undefined;
let root: string | undefined;
const running: Program[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) {
    if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await p.exited;
  }
  await emu?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('kill -9 at random moments', () => {
  it(`loses, duplicates and touches nothing, with no extra mutating call (seed ${SEED})`, async () => {
    const random = mulberry32(SEED);
    emu = await startEmulator({ account: '123456789012', deletionBaseMs: 300 });
    emu.service.call('CreateThingGroup', { thingGroupName: 'fleet' });
    for (const t of ['dev-1', 'dev-2']) {
      emu.service.call('CreateThing', { thingName: t });
      emu.service.call('AddThingToThingGroup', { thingGroupName: 'fleet', thingName: t });
    }
    root = mkdtempSync(join(tmpdir(), 'iotjobs-crash-'));
    const scenario = new RolloutScenario(MANIFESTS, join(root, 'manifests'));
    scenario.seedForeign(emu);
    scenario.commitOne();
    const args = [
      'run',
      '--dir',
      scenario.dir,
      '--endpoint',
      emu.url,
      '--state-file',
      join(root, 'state.json'),
      '--metrics-addr',
      '127.0.0.1:0',
      '--resync-seconds',
      '1',
      '--rescan-seconds',
      '1',
      '--debounce-ms',
      '50',
      '--aws-tps',
      '100',
      '--workers',
      '8',
      '--log-level',
      'warn',
    ];
    const start = (extra: string[] = []): Program => {
      const p = startProgram(built('controller/main.js'), [...args, ...extra], ENV);
      running.push(p);
      return p;
    };
    // Commit 1 is converged through kills (the last process runs until it converges, then is killed
    // too); then commit 2 the same way, so that each commit's minimum number of calls is known.
    const killThrough = async (converged: () => boolean): Promise<void> => {
      for (let kill = 0; kill < KILLS / 2; kill++) {
        const p = start();
        await new Promise((r) => setTimeout(r, 500 + random() * 3_000));
        p.child.kill('SIGKILL');
        expect(await p.exited).toBe('SIGKILL');
      }
      const p = start();
      await waitFor('convergence between kills', () => converged() || undefined, 120_000, 100);
      p.child.kill('SIGKILL');
      await p.exited;
    };
    await killThrough(() => verify(scenario, emu!, false).lost === 0);
    scenario.commitTwo();
    await killThrough(() => verify(scenario, emu!).lost === 0);
    // The last run starts after a converged state: it must find nothing to do.
    const last = start(['--log-level', 'info']);
    await waitFor(
      'convergence after the last restart',
      () => {
        const v = verify(scenario, emu!);
        return v.lost === 0 ? v : undefined;
      },
      Number(process.env.CRASH_WAIT_MS ?? 120_000),
      250,
    ).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(verify(scenario, emu!))}\n${last.stdout().slice(-3_000)}\n${last.stderr().slice(-2_000)}`);
    });
    await new Promise((r) => setTimeout(r, 3_000));
    const settled = verify(scenario, emu!);
    process.stderr.write(`[crash test] seed ${SEED}, ${KILLS + 2} kills: ${JSON.stringify(settled)}\n`);
    expect(last.child.exitCode).toBeNull();
    expect(settled).toMatchObject({ lost: 0, duplicated: 0, unownedTouched: 0 });
    expect(Object.values(settled.extra).reduce((a, b) => a + b, 0)).toBe(0);
    expect(settled.applied).toMatchObject(scenario.minimum());
  }, 240_000);
});
