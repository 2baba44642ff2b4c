/**
 * Rehearsals of real manifests (controller/rehearse/rehearsal.ts): the controller itself, its SDK
 * client answered in-process by the emulated service, and a virtual fleet, on virtual time. What a
 * rollout does is read back from the result: waves in order, a failing canary held at its gate,
 * AWS abort criteria firing, dependsOn, approvals, a gate that can never be judged, and a rollout
 * rate that makes it slow. Each rehearsal covers hours or days of rollout in about a second.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FleetModel } from '../../emulator/fleet/model.js';
import { rehearse, RehearsalInputError, type RehearsalOptions } from '../../controller/rehearse/rehearsal.js';
import type { JobTimeline } from '../../controller/rehearse/result.js';
import { CANARY_IN_FLEET, CANARY_THEN_FLEET } from '../helpers/rehearsal-fixtures.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A directory holding one manifest per spec (key → spec). */
function manifests(specs: Record<string, Record<string, unknown>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'rehearse-'));
  dirs.push(dir);
  for (const [name, spec] of Object.entries(specs))
    writeFileSync(
      join(dir, `${name}.yaml`),
      `apiVersion: iot.gitops.dev/v1alpha1\nkind: IoTJob\nmetadata:\n  name: ${name}\nspec: ${JSON.stringify({ document: { op: 'ota' }, ...spec })}\n`,
    );
  return dir;
}

/** canary 20 inside ten-percent 100 inside fleet 1,000; updates take 1–5 min. */
const FLEET: FleetModel = {
  seed: 11,
  defaults: { failureRate: 0.01, rejectRate: 0, workSeconds: { min: 60, max: 300 }, acceptSeconds: { min: 1, max: 20 } },
  groups: [
    { name: 'canary', size: 20 },
    { name: 'ten-percent', size: 100, includes: ['canary'] },
    { name: 'fleet', size: 1000, includes: ['ten-percent'] },
  ],
};

const WAVES = [
  { name: 'canary', targets: ['thingGroup:canary'], gate: { minSucceededRatio: 0.9, minFinished: 18, bakeMinutes: 30 } },
  { name: 'ten-percent', targets: ['thingGroup:ten-percent'], gate: { maxFailedRatio: 0.1, minFinished: 70, bakeMinutes: 60 } },
  { name: 'fleet', targets: ['thingGroup:fleet'] },
];

const run = (dir: string, over: Partial<RehearsalOptions> = {}) => rehearse({ dir, model: FLEET, ...over });
const only = async (dir: string, over: Partial<RehearsalOptions> = {}): Promise<JobTimeline> => {
  const r = await run(dir, over);
  expect(r.jobs).toHaveLength(1);
  return r.jobs[0]!;
};

describe('a rehearsal', () => {
  it('promotes a healthy three-wave rollout wave by wave: each wave starts after the one before passed its gate and bake; every device gets it once', async () => {
    const started = performance.now();
    const job = await only(manifests({ fw: { waves: WAVES } }));
    expect(job.outcome).toBe('completed');
    expect(job.detail).toMatch(/^1000 of 1000 devices received it, \d+ attempts failed$/);
    expect(job.waves.map((w) => [w.name, w.size, w.exposed, w.phase])).toEqual([
      ['canary', 20, 20, 'Passed'],
      ['ten-percent', 80, 80, 'Passed'],
      ['fleet', 900, 900, 'Passed'],
    ]);
    const [canary, ten, fleet] = job.waves;
    expect(ten!.startedAt!).toBeGreaterThanOrEqual(canary!.passedAt!);
    expect(canary!.passedAt! - canary!.startedAt!).toBeGreaterThanOrEqual(30 * 60_000);
    expect(fleet!.startedAt!).toBeGreaterThanOrEqual(ten!.passedAt!);
    expect(ten!.passedAt! - ten!.startedAt!).toBeGreaterThanOrEqual(60 * 60_000);
    for (const w of job.waves) {
      expect(w.firstExecutionAt!).toBeGreaterThanOrEqual(w.startedAt!);
      expect(w.halfFinishedAt!).toBeLessThanOrEqual(w.allFinishedAt!);
      expect(w.succeeded + w.failed).toBe(w.size);
      expect(w.series.at(-1)).toMatchObject({ queued: 0, inProgress: 0 });
    }
    expect(job.events.map((e) => e.text).slice(0, 4)).toEqual([
      'job fw created',
      'wave canary started',
      'wave canary passed its gate',
      'wave ten-percent started',
    ]);
    expect(performance.now() - started).toBeLessThan(20_000);
  }, 60_000);

  it('holds a failing canary at its gate: nothing beyond the canary is exposed, and the gate says why', async () => {
    const failing = { ...FLEET, groups: FLEET.groups.map((g) => (g.name === 'canary' ? { ...g, failureRate: 0.5 } : g)) };
    const job = await only(manifests({ fw: { waves: WAVES } }), { model: failing });
    expect(job.outcome).toBe('held');
    expect(job.detail).toMatch(/^held at wave canary: canary: \d+ of 20 finished, \d+(\.\d)?% succeeded < 90% required$/);
    expect(job.exposed).toBe(20);
    expect(job.waves.map((w) => w.phase)).toEqual(['Held', 'Pending', 'Pending']);
  }, 60_000);

  it("Cancel cancels at the failing gate; AWS's abort criteria cancel a plain job after the failures they name", async () => {
    const canceled = await only(manifests({ fw: { waves: WAVES, onGateFailure: 'Cancel' } }), { failureRate: 0.5 });
    expect(canceled.outcome).toBe('canceled');
    expect(canceled.detail).toMatch(/^canceled at wave canary: canary: /);
    const abortConfig = { criteriaList: [{ failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: 20, minNumberOfExecutedThings: 50 }] };
    const aborted = await only(manifests({ fw: { targets: ['thingGroup:fleet'], jobExecutionsRolloutConfig: { maximumPerMinute: 20 }, abortConfig } }), {
      failureRate: 0.5,
    });
    expect(aborted.outcome).toBe('aborted');
    expect(aborted.detail).toBe('Job aborted by abort criterion 0: FAILED reached 20% after at least 50 executed things');
    expect(aborted.exposed).toBeGreaterThanOrEqual(50);
    expect(aborted.exposed).toBeLessThan(200);
  }, 60_000);

  it('creates a dependent job only after its dependency met the gate; a cycle is refused naming both manifests', async () => {
    const dir = manifests({
      base: { targets: ['thingGroup:canary'] },
      app: { targets: ['thingGroup:ten-percent'], dependsOn: [{ name: 'base', gate: { minSucceededRatio: 0.9 } }] },
      other: { targets: ['thingGroup:canary'] },
    });
    const r = await run(dir, { only: ['app'] });
    expect(r.jobs.map((j) => j.key).sort()).toEqual(['app', 'base']);
    const base = r.jobs.find((j) => j.key === 'base')!;
    const app = r.jobs.find((j) => j.key === 'app')!;
    expect(base.outcome).toBe('completed');
    expect(app.createdAt!).toBeGreaterThanOrEqual(base.waves[0]!.allFinishedAt!);
    const cyclic = manifests({
      a: { targets: ['thingGroup:canary'], dependsOn: [{ name: 'b' }] },
      b: { targets: ['thingGroup:canary'], dependsOn: [{ name: 'a' }] },
    });
    const err = await run(cyclic).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RehearsalInputError);
    expect((err as RehearsalInputError).problems.join('\n')).toMatch(/a cycle of dependencies: a → b → a|a cycle of dependencies: b → a → b/);
  }, 60_000);

  it('without assumed approvals stops at the first manual gate; a gate waiting on devices that never answer is reported stalled', async () => {
    const manual = WAVES.map((w, i) => (i === 0 ? { ...w, gate: { ...w.gate, approval: 'Manual' } } : w));
    const waiting = await only(manifests({ fw: { waves: manual } }), { approveAll: false });
    expect(waiting).toMatchObject({ outcome: 'awaiting-approval', detail: 'wave canary awaits approval', exposed: 20 });
    const silent = { ...FLEET, groups: FLEET.groups.map((g) => (g.name === 'canary' ? { ...g, silentRate: 0.2 } : g)) };
    const noMin = [{ name: 'canary', targets: ['thingGroup:canary'], gate: { minSucceededRatio: 0.9 } }, WAVES[2]];
    const stalled = await only(manifests({ fw: { waves: noMin } }), { model: silent });
    expect(stalled.outcome).toBe('stalled');
    expect(stalled.detail).toMatch(
      /^wave canary waits for executions that never finish \(\d+ devices never answer\): canary: \d+ of 20 finished, waiting for 20$/,
    );
    // Devices that never answer in the last wave hold nothing back: the rollout completes, saying how many.
    const silentFleet = { ...FLEET, groups: FLEET.groups.map((g) => (g.name === 'fleet' ? { ...g, silentRate: 0.05 } : g)) };
    const done = await only(manifests({ fw: { waves: WAVES } }), { model: silentFleet });
    expect(done.outcome).toBe('completed');
    expect(done.detail).toMatch(/^\d+ of 1000 devices received it, \d+ attempts failed; \d+ never answered$/);
    expect(done.waves.at(-1)!.phase).toBe('Running');
  }, 60_000);

  it('promotes a wave that finished long before its bake ended (regression: it was reported stalled the moment it passed)', async () => {
    const job = await only(manifests({ fw: { waves: CANARY_THEN_FLEET } }), { model: CANARY_IN_FLEET });
    expect(job.outcome).toBe('completed');
    expect(job.waves.map((w) => w.phase)).toEqual(['Passed', 'Passed']);
    expect(job.waves[1]!.startedAt!).toBeGreaterThanOrEqual(job.waves[0]!.passedAt!);
  }, 60_000);

  it('follows the rollout rate: 1,000 devices at 10 a minute take 100 minutes or more, and a limit of days is warned about', async () => {
    const r = await run(manifests({ slow: { targets: ['thingGroup:fleet'], jobExecutionsRolloutConfig: { maximumPerMinute: 10 } } }), { warnDays: 0.05 });
    const job = r.jobs[0]!;
    expect(job.outcome).toBe('completed');
    expect(job.waves[0]!.firstExecutionAt!).toBeLessThan(60_000);
    expect(job.stoppedAt!).toBeGreaterThanOrEqual(99 * 60_000);
    expect(job.stoppedAt!).toBeLessThan(120 * 60_000);
    expect(r.warnings).toEqual([`slow: the rollout takes ${(job.stoppedAt! / 86_400_000).toFixed(1)} days, more than 0.05`]);
  }, 60_000);

  it('follows the scheduled start, and times out slow devices and retries them as the job says', async () => {
    const start = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 3 * 3_600_000).toISOString().slice(0, 16);
    const spec = {
      targets: ['thingGroup:ten-percent'],
      schedulingConfig: { startTime: start },
      timeoutConfig: { inProgressTimeoutInMinutes: 3 },
      jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'TIMED_OUT', numberOfRetries: 1 }] },
    };
    const r = await run(manifests({ timed: spec }), { model: { ...FLEET, defaults: { ...FLEET.defaults, failureRate: 0 } } });
    const job = r.jobs[0]!;
    const wave = job.waves[0]!;
    // The rehearsal starts on a whole minute (a minute or less before the test computed its start).
    expect(wave.firstExecutionAt!).toBeGreaterThanOrEqual(3 * 3_600_000 - 60_000);
    expect(wave.firstExecutionAt!).toBeLessThan(3 * 3_600_000 + 60_000);
    const last = wave.series.at(-1)!;
    // Work of 1-5 min against a 3 min timeout: about half time out; with one retry each, some time out twice.
    expect(last.timedOut).toBeGreaterThan(0);
    expect(last.succeeded + last.timedOut).toBe(100);
    expect(last.succeeded).toBeGreaterThan(wave.size / 2);
    // Every thing finished an attempt (succeeded or timed out) before the rollout stopped.
    expect(wave.allFinishedAt!).toBeLessThanOrEqual(job.stoppedAt!);
    expect(job.outcome).toBe('completed');
  }, 60_000);

  it('refuses a manifest that targets a group the fleet model lacks, and stops a job whose CreateJob keeps failing, saying why', async () => {
    const missing = await run(manifests({ fw: { targets: ['thingGroup:canary', 'thingGroup:nowhere'] } })).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(RehearsalInputError);
    expect((missing as RehearsalInputError).problems).toEqual(['fw.yaml:1: spec.targets[1]: thingGroup:nowhere is not a thing group of the fleet model']);
    const started = performance.now();
    const refused = await only(
      manifests({ doc: { targets: ['thingGroup:canary'], document: undefined, documentSource: 'https://s3.amazonaws.com/b/fw.json' } }),
    );
    expect(refused.outcome).toBe('not-started');
    expect(refused.detail).toMatch(/^never created: CreateJob was refused by AWS IoT: documentSource https:\/\/s3\.amazonaws\.com\/b\/fw\.json cannot be read/);
    expect(performance.now() - started).toBeLessThan(10_000);
  }, 60_000);

  it('is repeatable: the same manifests and fleet give the same timeline', async () => {
    const dir = manifests({ fw: { waves: WAVES } });
    const [a, b] = [await run(dir), await run(dir)];
    expect(b.jobs).toEqual(a.jobs);
  }, 60_000);
});
