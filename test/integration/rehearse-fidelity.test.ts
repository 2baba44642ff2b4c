/**
 * Trust in the model: the same manifest and fleet model, once rehearsed in virtual time and once
 * run for real, the controller and the emulator over HTTP with its SDK-driven devices, in scaled
 * time (×60, one simulated minute a real second). The timelines must agree:
 *
 * - Per wave, when it started, when its first execution started, and when half and all of its
 *   things had finished, each within max(60 s, 15%) of simulated time. Why that much: the gate is
 *   judged every 30 s in each run, at instants that need not line up (a promotion can come up to one
 *   interval later in either); a real device's accept delay is drawn per look and a real device
 *   also looks when it polls, so the same device can wait a different (equally likely) time; and
 *   real-time scheduling jitter of tens of milliseconds is seconds of simulated time at ×60.
 * - The outcome of every attempt is drawn from the seed, the thing, the job and the execution, so
 *   the succeeded and failed counts per wave, and the devices exposed, must be equal.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../controller/app.js';
import { loadConfig } from '../../controller/config.js';
import type { WaveStatus } from '../../controller/model/wave-status.js';
import { createLogger } from '../../controller/observability/logger.js';
import { rehearse } from '../../controller/rehearse/rehearsal.js';
import type { WaveTimeline } from '../../controller/rehearse/result.js';
import { ScaledClock } from '../../emulator/core/clock.js';
import type { Execution } from '../../emulator/core/types.js';
import type { FleetModel } from '../../emulator/fleet/model.js';
import { startEmulator } from '../../emulator/index.js';
import { waitFor } from '../helpers/processes.js';
import { scaledControllerClock } from '../helpers/scaled-clock.js';

const SCALE = 60;
const MODEL: FleetModel = {
  seed: 9,
  defaults: { failureRate: 0.1, rejectRate: 0, workSeconds: { min: 60, max: 180 }, acceptSeconds: { min: 2, max: 10 } },
  groups: [
    { name: 'canary', size: 10 },
    { name: 'fleet', size: 60, includes: ['canary'] },
  ],
};
const WAVES = [
  { name: 'canary', targets: ['thingGroup:canary'], gate: { minSucceededRatio: 0.5, minFinished: 8, bakeMinutes: 5 } },
  { name: 'fleet', targets: ['thingGroup:fleet'], jobExecutionsRolloutConfig: { maximumPerMinute: 20 } },
];
const FLAGS = ['--gate-interval-seconds', '30', '--resync-seconds', '60', '--account', '123456789012'];

const TMP = mkdtempSync(join(tmpdir(), 'rehearse-fidelity-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));
writeFileSync(
  join(TMP, 'fw.yaml'),
  `apiVersion: iot.gitops.dev/v1alpha1\nkind: IoTJob\nmetadata:\n  name: fw\nspec: ${JSON.stringify({ document: { op: 'ota' }, waves: WAVES })}\n`,
);

/** The times and tallies compared, per wave, in simulated ms from the job's creation. */
interface Compared {
  started?: number;
  firstExecution?: number;
  half?: number;
  all?: number;
  succeeded: number;
  failed: number;
  exposed: number;
}

const fromRehearsal = (w: WaveTimeline, created: number): Compared => ({
  started: rel(w.startedAt, created),
  firstExecution: rel(w.firstExecutionAt, created),
  half: rel(w.halfFinishedAt, created),
  all: rel(w.allFinishedAt, created),
  succeeded: w.succeeded,
  failed: w.failed,
  exposed: w.exposed,
});
const rel = (at: number | undefined, from: number): number | undefined => (at === undefined ? undefined : at - from);

/** The real run's wave from the emulator's executions (first attempt finished per thing) and when the controller first reported it started. */
function fromEmulator(execs: Execution[], started: number | undefined, created: number): Compared {
  const finishedAt = execs.map((e) => e.lastUpdatedAt).sort((a, b) => a - b);
  const starts = execs.flatMap((e) => (e.startedAt === undefined ? [] : [e.startedAt]));
  return {
    started: rel(started, created),
    firstExecution: rel(starts.length ? Math.min(...starts) : undefined, created),
    half: rel(finishedAt[Math.ceil(execs.length / 2) - 1], created),
    all: rel(finishedAt[execs.length - 1], created),
    succeeded: execs.filter((e) => e.status === 'SUCCEEDED').length,
    failed: execs.filter((e) => e.status === 'FAILED' || e.status === 'REJECTED').length,
    exposed: starts.length,
  };
}

/** Runs the controller against the emulator over HTTP in scaled time until the last wave has finished; the per-wave timeline. */
async function realRun(): Promise<Compared[]> {
  const clock = new ScaledClock(SCALE);
  const emu = await startEmulator({ account: '123456789012', clock, fleet: { model: MODEL } });
  const waveStarts = new Map<string, number>();
  const app = createApp(loadConfig(['run', '--dir', TMP, '--endpoint', emu.url, '--metrics-addr', '127.0.0.1:0', ...FLAGS], {}), {
    clock: scaledControllerClock(clock),
    credentials: { accessKeyId: 'AKIDFIDELITY', secretAccessKey: 'x' },
    logger: createLogger('silent'),
    onReport: (r) => r.waves?.forEach((w: WaveStatus) => w.phase !== 'Pending' && !waveStarts.has(w.name) && waveStarts.set(w.name, clock.now())),
  });
  try {
    await app.start();
    const finished = (): boolean => {
      const execs = [...emu.service.state.allExecutions('fw')];
      return execs.length === 60 && execs.every((e) => e.status !== 'QUEUED' && e.status !== 'IN_PROGRESS');
    };
    await waitFor('the rollout to finish', () => finished() || undefined, 60_000, 100);
    const job = emu.service.state.jobs.get('fw')!;
    const canary = new Set(emu.service.state.registry.membersOf('canary'));
    const execs = [...emu.service.state.allExecutions('fw')].filter((e) => e.executionNumber === 1);
    return [
      fromEmulator(
        execs.filter((e) => canary.has(e.thingName)),
        waveStarts.get('canary'),
        job.createdAt,
      ),
      fromEmulator(
        execs.filter((e) => !canary.has(e.thingName)),
        waveStarts.get('fleet'),
        job.createdAt,
      ),
    ];
  } finally {
    await app.stop();
    await emu.close();
  }
}

describe('a rehearsal against the same fleet run for real in scaled time', () => {
  it('gives the same timeline within the stated tolerance, and the same outcomes', async () => {
    const rehearsed = await rehearse({ dir: TMP, model: MODEL, gateIntervalSeconds: 30, resyncSeconds: 60 });
    const job = rehearsed.jobs[0]!;
    expect(job.outcome).toBe('completed');
    const virtual = job.waves.map((w) => fromRehearsal(w, job.createdAt!));
    const real = await realRun();
    console.log(['wave     measure         virtual     real', ...virtual.flatMap((v, i) => lines(WAVES[i]!.name, v, real[i]!))].join('\n'));
    virtual.forEach((v, i) => {
      const r = real[i]!;
      expect({ succeeded: r.succeeded, failed: r.failed, exposed: r.exposed }).toEqual({ succeeded: v.succeeded, failed: v.failed, exposed: v.exposed });
      for (const k of ['started', 'firstExecution', 'half', 'all'] as const) {
        expect(r[k], `${WAVES[i]!.name} ${k}`).toBeDefined();
        expect(Math.abs(r[k]! - v[k]!), `${WAVES[i]!.name} ${k}: virtual ${v[k]}, real ${r[k]}`).toBeLessThanOrEqual(Math.max(60_000, 0.15 * v[k]!));
      }
    });
  }, 120_000);
});

function lines(wave: string, v: Compared, r: Compared): string[] {
  return (['started', 'firstExecution', 'half', 'all', 'succeeded', 'failed', 'exposed'] as const).map(
    (k) => `${wave.padEnd(8)} ${k.padEnd(14)} ${fmt(k, v[k]).padStart(8)} ${fmt(k, r[k]).padStart(8)}`,
  );
}

function fmt(k: string, n: number | undefined): string {
  if (n === undefined) return '-';
  return ['succeeded', 'failed', 'exposed'].includes(k) ? String(n) : `${(n / 1000).toFixed(0)} s`;
}
