/**
 * Staged rollouts (plan/rollout.ts): one CONTINUOUS job widened wave by wave. Which wave runs is
 * read off the job's targets; the rest is the record in the job's rollout tag. Each step of the
 * rollout is checked here on its own, as the planner sees it after a fresh read.
 */
import { describe, expect, it } from 'vitest';
import type { Action } from '../../../../controller/model/action.js';
import type { IoTJobSpec, Wave } from '../../../../controller/model/iot-job.js';
import { zeroCounts, type ExecutionStatus, type ObservedJob } from '../../../../controller/model/observed-job.js';
import { planJob } from '../../../../controller/plan/planner.js';
import { effectiveDesired, GATE_FAILED_REASON, planRollout, rolloutStatus } from '../../../../controller/plan/rollout.js';
import { formatRecord, gateDigest, parseRecord, ROLLOUT_TAG, type RolloutRecord } from '../../../../controller/plan/rollout-state.js';
import { judgeGate } from '../../../../controller/plan/wave-gate.js';
import { aContext, aDesired, anObserved, PARTITION } from '../../../helpers/builders.js';

const ARN = (group: string): string => `arn:aws:iot:us-east-1:123456789012:thinggroup/${group}`;
const T0 = 1_800_000_000_000;
const MIN = 60_000;

const WAVES: Wave[] = [
  {
    name: 'canary',
    targets: ['thingGroup:canary'],
    jobExecutionsRolloutConfig: { maximumPerMinute: 10 },
    gate: { minSucceededRatio: 0.95, minFinished: 10, bakeMinutes: 30 },
  },
  { name: 'ten-percent', targets: ['thingGroup:ten-percent'], gate: { maxFailedRatio: 0.05, minFinished: 50, approval: 'Manual' } },
  { name: 'fleet', targets: ['thingGroup:fleet'], jobExecutionsRolloutConfig: { maximumPerMinute: 500 } },
];

function staged(spec: Partial<IoTJobSpec> = {}) {
  return aDesired({ targets: undefined, waves: WAVES, jobExecutionsRolloutConfig: { maximumPerMinute: 100 }, ...spec });
}

/** The staged job in AWS at wave `reached` (by its targets), with counts and a record. */
function job(reached: number, counts: Partial<Record<ExecutionStatus, number>>, record?: RolloutRecord, over: Partial<ObservedJob> = {}): ObservedJob {
  const base = anObserved('IN_PROGRESS', { targetSelection: 'CONTINUOUS', counts: { ...zeroCounts(), ...counts }, ...over });
  const targets = WAVES.slice(0, reached + 1).map((w) => ARN(w.targets[0]!.split(':')[1]!));
  return { ...base, targets, tags: record ? { ...base.tags, [ROLLOUT_TAG]: formatRecord(record) } : base.tags };
}

const rec = (over: Partial<RolloutRecord> = {}): RolloutRecord => ({
  wave: 0,
  baseline: { total: 0, succeeded: 0, failed: 0, rejected: 0, timedOut: 0 },
  startedAt: T0 / 1000,
  passedAt: [],
  ...over,
});

const plan = (observed: ObservedJob, now = T0, spec: Partial<IoTJobSpec> = {}): Action | undefined =>
  planRollout(staged(spec), observed, { now, partition: PARTITION, gateIntervalMs: 30_000 });

const recordOf = (a: Action | undefined): RolloutRecord | undefined => (a?.kind === 'record' ? parseRecord(a.value) : undefined);

describe('the rollout record', () => {
  it('round-trips through its tag value, within the characters AWS allows in a tag', () => {
    const r = rec({
      wave: 2,
      baseline: { total: 550, succeeded: 540, failed: 6, rejected: 3, timedOut: 1 },
      heldSince: 1_800_000_100,
      failedGate: 'abcd1234',
      passedAt: [1, 2],
    });
    const value = formatRecord(r);
    expect(value).toMatch(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u);
    expect(value.length).toBeLessThanOrEqual(256);
    expect(parseRecord(value)).toEqual(r);
  });

  it('reads nothing from a value it did not write', () => {
    for (const bad of ['', 'w=1', 'w=x b=1/2/3/4/5 s=1', 'w=1 b=1/2/3 s=1', 'w=1 b=1/2/3/4/5 s=1 h=soon', 'w=1 b=1/2/3/4/5 s=1 p=1/x'])
      expect(parseRecord(bad)).toBeUndefined();
  });

  it("ties a failure to the gate's settings, not to the order its fields were written in", () => {
    expect(gateDigest({ minFinished: 10, maxFailedRatio: 0.1 })).toBe(gateDigest({ maxFailedRatio: 0.1, minFinished: 10 }));
    expect(gateDigest({ minFinished: 10, maxFailedRatio: 0.1 })).not.toBe(gateDigest({ minFinished: 10, maxFailedRatio: 0.2 }));
  });
});

describe('the gate', () => {
  const c = (succeeded: number, failed: number, total: number) => ({ total, succeeded, failed, rejected: 0, timedOut: 0 });

  it('is not judged before minFinished executions finished (all of them by default)', () => {
    expect(judgeGate('canary', { minSucceededRatio: 0.95, minFinished: 10 }, c(5, 4, 50))).toMatchObject({
      verdict: 'pending',
      words: 'canary: 9 of 50 finished, waiting for 10',
    });
    expect(judgeGate('canary', undefined, c(49, 0, 50)).verdict).toBe('pending');
    expect(judgeGate('canary', undefined, c(40, 10, 50)).verdict).toBe('holds');
  });

  it('fails on either ratio, and says which in words', () => {
    expect(judgeGate('canary', { minSucceededRatio: 0.95, minFinished: 10 }, c(47, 3, 50))).toMatchObject({
      verdict: 'fails',
      words: 'canary: 50 of 50 finished, 94% succeeded < 95% required',
    });
    expect(judgeGate('canary', { maxFailedRatio: 0.05, minFinished: 10 }, c(9, 1, 50))).toMatchObject({
      verdict: 'fails',
      words: 'canary: 10 of 50 finished, 10% failed > 5% allowed',
    });
    expect(judgeGate('canary', { maxFailedRatio: 0.05, minSucceededRatio: 0.9, minFinished: 10 }, c(20, 1, 50)).verdict).toBe('holds');
  });

  it('counts rejected and timed-out executions as failures', () => {
    expect(judgeGate('w', { maxFailedRatio: 0.1, minFinished: 10 }, { total: 10, succeeded: 8, failed: 0, rejected: 1, timedOut: 1 }).verdict).toBe('fails');
  });
});

describe('the job a staged rollout asks for now', () => {
  it('with no job: CONTINUOUS on the first wave, with its rollout rate', () => {
    const d = effectiveDesired(staged(), undefined, PARTITION);
    expect(d.spec).toMatchObject({ targets: ['thingGroup:canary'], targetSelection: 'CONTINUOUS', jobExecutionsRolloutConfig: { maximumPerMinute: 10 } });
  });

  it("at the second wave: both waves' targets and the rate in force (the wave sets none, UpdateJob cannot unset one); once the third's start is recorded, the third's rate", () => {
    expect(effectiveDesired(staged(), job(1, {}, rec({ wave: 1 })), PARTITION).spec).toMatchObject({
      targets: ['thingGroup:canary', 'thingGroup:ten-percent'],
      jobExecutionsRolloutConfig: { maximumPerMinute: 10 },
    });
    const noneOwn = staged({ waves: WAVES.map((w) => ({ ...w, jobExecutionsRolloutConfig: undefined })) });
    expect(effectiveDesired(noneOwn, job(1, {}, rec({ wave: 1 })), PARTITION).spec.jobExecutionsRolloutConfig).toEqual({ maximumPerMinute: 100 });
    expect(effectiveDesired(staged(), job(1, {}, rec({ wave: 2 })), PARTITION).spec).toMatchObject({
      targets: ['thingGroup:canary', 'thingGroup:ten-percent'],
      jobExecutionsRolloutConfig: { maximumPerMinute: 500 },
    });
  });

  it('is planned as an ordinary job: the next rate is set by an update before the targets are added', () => {
    const observed = job(1, {}, rec({ wave: 2 }), { jobExecutionsRolloutConfig: { maximumPerMinute: 10 } });
    const action = planJob(effectiveDesired(staged(), observed, PARTITION), observed, aContext({ now: T0 }));
    expect(action).toMatchObject({ kind: 'update', fields: ['jobExecutionsRolloutConfig'] });
  });
});

describe('planRollout, step by step', () => {
  it('records the start of the first wave, then judges its gate every interval until enough finished', () => {
    expect(recordOf(plan(job(0, { QUEUED: 50 })))).toEqual(rec());
    expect(plan(job(0, { QUEUED: 45, SUCCEEDED: 5 }, rec()))).toEqual({
      kind: 'wait',
      jobId: 'fw',
      afterMs: 30_000,
      reason: 'canary: 5 of 50 finished, waiting for 10',
    });
  });

  it('a gate that holds is recorded once, then baked: neither restarted nor skipped', () => {
    const holding = job(0, { IN_PROGRESS: 40, SUCCEEDED: 10 }, rec());
    expect(recordOf(plan(holding, T0 + MIN))).toEqual(rec({ heldSince: (T0 + MIN) / 1000 }));
    // Recorded in whole seconds, rounded up: a bake is never cut short.
    expect(recordOf(plan(holding, T0 + MIN + 1))?.heldSince).toBe((T0 + MIN) / 1000 + 1);
    const baking = job(0, { IN_PROGRESS: 40, SUCCEEDED: 10 }, rec({ heldSince: (T0 + MIN) / 1000 }));
    expect(plan(baking, T0 + 11 * MIN)).toMatchObject({ kind: 'wait', afterMs: 30_000, reason: expect.stringMatching(/baking, 20 min left$/) });
    expect(plan(baking, T0 + 30 * MIN + 50_000)).toMatchObject({ kind: 'wait', afterMs: 10_000 });
  });

  it('after the bake, records the next wave with its baseline and pass time; then adds only its targets', () => {
    const baked = job(0, { SUCCEEDED: 49, FAILED: 1 }, rec({ heldSince: T0 / 1000 }));
    const next = recordOf(plan(baked, T0 + 31 * MIN));
    expect(next).toEqual({
      wave: 1,
      baseline: { total: 50, succeeded: 49, failed: 1, rejected: 0, timedOut: 0 },
      startedAt: (T0 + 31 * MIN) / 1000,
      passedAt: [(T0 + 31 * MIN) / 1000],
    });
    expect(plan(job(0, { SUCCEEDED: 49, FAILED: 1 }, next), T0 + 32 * MIN)).toEqual({
      kind: 'promote',
      jobId: 'fw',
      wave: 'ten-percent',
      targets: [ARN('ten-percent')],
      reason: 'starting wave ten-percent: adding 1 target(s)',
    });
  });

  it("judges a later wave on its own executions: the job's counts minus the wave's baseline", () => {
    const baseline = { total: 50, succeeded: 40, failed: 10, rejected: 0, timedOut: 0 };
    const second = job(1, { SUCCEEDED: 40 + 100, FAILED: 10 + 2, QUEUED: 398 }, rec({ wave: 1, baseline }));
    expect(plan(second)).toMatchObject({ kind: 'record', reason: expect.stringMatching(/^ten-percent: 102 of 500 finished, 98% succeeded: the gate holds/) });
  });

  it('Manual approval: waits after the bake until the wave is in spec.approvedWaves', () => {
    const baseline = { total: 50, succeeded: 50, failed: 0, rejected: 0, timedOut: 0 };
    const baked = job(1, { SUCCEEDED: 150 }, rec({ wave: 1, baseline, heldSince: T0 / 1000 }));
    expect(plan(baked, T0 + MIN)).toMatchObject({
      kind: 'wait',
      reason: expect.stringMatching(/awaiting approval: add ten-percent to spec.approvedWaves to start wave fleet$/),
    });
    expect(recordOf(plan(baked, T0 + MIN, { approvedWaves: ['ten-percent'] }))?.wave).toBe(2);
  });

  it('the last wave ends the rollout once its gate holds', () => {
    const done = job(
      2,
      { SUCCEEDED: 1000 },
      rec({ wave: 2, baseline: { total: 500, succeeded: 500, failed: 0, rejected: 0, timedOut: 0 }, heldSince: T0 / 1000 }),
    );
    expect(plan(done, T0 + MIN)).toMatchObject({ kind: 'noop', reason: 'rollout complete: fleet: 500 of 500 finished, 100% succeeded: the gate holds' });
  });

  it('a failed gate under Hold is recorded, then holds the rollout until the gate changes', () => {
    const failing = job(0, { SUCCEEDED: 7, FAILED: 3, QUEUED: 40 }, rec());
    const failed = recordOf(plan(failing));
    expect(failed).toEqual(rec({ failedGate: gateDigest(WAVES[0]!.gate) }));
    const held = job(0, { SUCCEEDED: 47, FAILED: 3 }, failed);
    expect(plan(held)).toMatchObject({ kind: 'noop', stalled: true, reason: expect.stringMatching(/^Held: canary failed its gate/) });
    const relaxed = [{ ...WAVES[0]!, gate: { minSucceededRatio: 0.9, minFinished: 10 } }, ...WAVES.slice(1)];
    expect(plan(held, T0, { waves: relaxed })).toMatchObject({ kind: 'record', reason: expect.stringMatching(/the gate holds/) });
  });

  it('a failed gate under Cancel cancels the job with a reason code, and the canceled job is reported, not recreated', () => {
    const failing = job(0, { SUCCEEDED: 7, FAILED: 3, QUEUED: 40 }, rec());
    const cancel = plan(failing, T0, { onGateFailure: 'Cancel', cancel: { force: true } });
    expect(cancel).toMatchObject({
      kind: 'cancel',
      force: true,
      reasonCode: GATE_FAILED_REASON,
      comment: expect.stringMatching(/^canary: 10 of 50 finished, 70% succeeded < 95% required/),
    });
    const canceled = job(0, { SUCCEEDED: 7, FAILED: 3, CANCELED: 40 }, rec(), { status: 'CANCELED', reasonCode: GATE_FAILED_REASON, comment: 'canary failed' });
    const d = staged({ onGateFailure: 'Cancel' });
    expect(planJob(effectiveDesired(d, canceled, PARTITION), canceled, aContext({ now: T0 }))).toMatchObject({
      kind: 'noop',
      stalled: true,
      reason: expect.stringMatching(/canceled when a wave failed its gate/),
    });
  });

  it('a lost record at a later wave is written afresh from the counts now: the wave can only be delayed, never promoted on a guess', () => {
    const r = recordOf(plan(job(1, { SUCCEEDED: 120 }), T0));
    expect(r).toMatchObject({ wave: 1, baseline: { total: 120, succeeded: 120 } });
  });

  it('a record of a wave the manifest no longer has (the last wave removed after its start was recorded) is written afresh, not followed', () => {
    const twoWaves = WAVES.slice(0, 2);
    const observed = job(1, { SUCCEEDED: 60 }, rec({ wave: 2 }));
    expect(effectiveDesired(staged({ waves: twoWaves }), observed, PARTITION).spec.targets).toEqual(['thingGroup:canary', 'thingGroup:ten-percent']);
    expect(recordOf(plan(observed, T0, { waves: twoWaves }))).toMatchObject({ wave: 1, baseline: { total: 60 } });
  });

  it('a job whose targets match no wave is left to the ordinary diff (targets cannot change)', () => {
    const odd = { ...job(0, {}), targets: [ARN('elsewhere')] };
    expect(plan(odd)).toBeUndefined();
    expect(planJob(effectiveDesired(staged(), odd, PARTITION), odd, aContext())).toMatchObject({
      kind: 'noop',
      stalled: true,
      reason: expect.stringMatching(/^targets/),
    });
  });
});

describe('rolloutStatus', () => {
  it('every wave with its phase; the running one with its counts and the gate in words', () => {
    const baseline = { total: 50, succeeded: 50, failed: 0, rejected: 0, timedOut: 0 };
    const at = job(1, { SUCCEEDED: 60, QUEUED: 490 }, rec({ wave: 1, baseline, passedAt: [T0 / 1000] }));
    expect(rolloutStatus(staged(), at, { now: T0, partition: PARTITION })).toEqual([
      { name: 'canary', phase: 'Passed', passedAt: new Date(T0).toISOString() },
      {
        name: 'ten-percent',
        phase: 'Running',
        counts: { total: 500, succeeded: 10, failed: 0, rejected: 0, timedOut: 0 },
        gate: 'ten-percent: 10 of 500 finished, waiting for 50',
        succeededRatio: 1,
        startedAt: new Date(T0).toISOString(),
      },
      { name: 'fleet', phase: 'Pending' },
    ]);
  });

  it('Baking, AwaitingApproval, Held and Failed', () => {
    const phase = (observed: ObservedJob, now = T0, spec: Partial<IoTJobSpec> = {}) =>
      rolloutStatus(staged(spec), observed, { now, partition: PARTITION })!.find((w) => w.counts)?.phase;
    const held = rec({ heldSince: T0 / 1000 });
    expect(phase(job(0, { SUCCEEDED: 50 }, held), T0 + MIN)).toBe('Baking');
    const second = rec({ wave: 1, heldSince: T0 / 1000 });
    expect(phase(job(1, { SUCCEEDED: 550 }, second), T0 + MIN)).toBe('AwaitingApproval');
    expect(phase(job(1, { SUCCEEDED: 550 }, second), T0 + MIN, { approvedWaves: ['ten-percent'] })).toBe('Passed');
    expect(phase(job(0, { SUCCEEDED: 5, FAILED: 5 }, rec()))).toBe('Held');
    expect(phase(job(0, { SUCCEEDED: 5, FAILED: 5 }, rec(), { status: 'CANCELED' }))).toBe('Failed');
  });

  it('before the job exists, every wave is Pending', () => {
    expect(rolloutStatus(staged(), undefined, { now: T0, partition: PARTITION })!.map((w) => w.phase)).toEqual(['Pending', 'Pending', 'Pending']);
  });
});
