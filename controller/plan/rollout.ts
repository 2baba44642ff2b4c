/**
 * Pure: a staged rollout (spec.waves) as one CONTINUOUS job that is widened wave by wave with
 * AssociateTargetsWithJob. A thing is executed once per job, so a thing in an earlier wave's group
 * that is also in a later one's (a canary group inside the fleet group) never runs the release
 * twice; each wave's rollout rate and abort criteria are set on the job (UpdateJob) before its
 * targets are added, so AWS enforces them even while the controller is down.
 *
 * Which wave runs is read off the job's targets in AWS; the rest (the wave's starting counts, when
 * its gate first held, a failed gate) is the record in the job's rollout tag (rollout-state.ts).
 * A promotion takes three reconciles, each safe to interrupt: record the next wave's start, set
 * its rollout rate and abort criteria (an ordinary update), add its targets.
 */
import type { Action } from '../model/action.js';
import type { DesiredJob, IoTJobSpec, Wave } from '../model/iot-job.js';
import type { ObservedJob } from '../model/observed-job.js';
import type { WaveCounts, WavePhase, WaveStatus } from '../model/wave-status.js';
import { targetArns, type Partition } from './canonical.js';
import { countsOf, countsSince, formatRecord, gateDigest, parseRecord, ROLLOUT_TAG, ZERO_COUNTS, type RolloutRecord } from './rollout-state.js';
import { judgeGate, type GateJudgement } from './wave-gate.js';

/** How often a wave whose gate is being judged is looked at again (and so how old its counts can be). */
export const GATE_INTERVAL_MS = 30_000;

/** A reason code the controller gives CancelJob when a wave's gate fails under onGateFailure: Cancel. */
export const GATE_FAILED_REASON = 'WAVE_GATE_FAILED';

/** Every target a spec names: its targets, or the targets of all its waves. */
export function allTargets(spec: IoTJobSpec): string[] {
  return spec.targets ?? (spec.waves ?? []).flatMap((w) => w.targets);
}

/** Where a staged rollout's job stands: the wave whose targets it has, and the record on it. */
export interface RolloutPosition {
  /** The last wave whose targets (with every earlier wave's) are exactly the job's; undefined when they match no wave. */
  wave?: number;
  record?: RolloutRecord;
}

function targetsUpTo(waves: readonly Wave[], last: number, p: Partition): Set<string> {
  return new Set(waves.slice(0, last + 1).flatMap((w) => targetArns(w.targets, p)));
}

/** The wave a job has reached, by its targets, and its rollout record. */
export function positionOf(waves: readonly Wave[], observed: ObservedJob, p: Partition): RolloutPosition {
  const has = new Set(observed.targets);
  let wave: number | undefined;
  for (let i = 0; i < waves.length; i++) {
    const want = targetsUpTo(waves, i, p);
    if (want.size === has.size && [...want].every((t) => has.has(t))) wave = i;
  }
  return { wave, record: parseRecord(observed.tags[ROLLOUT_TAG]) };
}

/**
 * The job a staged rollout's manifest asks for now, as an ordinary DesiredJob: CONTINUOUS, the
 * targets of the waves started so far, and the rollout rate and abort criteria of the wave in force
 * (the one being started once its start is recorded). With no job yet (and for a replacement, which
 * starts the rollout again), the first wave. A spec without waves is returned as it is.
 */
export function effectiveDesired(desired: DesiredJob, observed: ObservedJob | undefined, p: Partition): DesiredJob {
  const waves = desired.spec.waves;
  if (!waves || waves.length === 0) return desired;
  // A job whose targets match no wave (the waves changed under it) is compared with the first
  // wave: its targets differ, so it is refused or, under replacePolicy Recreate, replaced by a job
  // that starts the rollout again.
  const at = observed ? positionOf(waves, observed, p) : { wave: 0 };
  const reached = at.wave ?? 0;
  const inForce = at.record?.wave === reached + 1 && reached + 1 < waves.length ? reached + 1 : reached;
  const spec: IoTJobSpec = {
    ...desired.spec,
    targets: waves.slice(0, reached + 1).flatMap((w) => w.targets),
    targetSelection: 'CONTINUOUS',
    jobExecutionsRolloutConfig: inherited(waves, inForce, 'jobExecutionsRolloutConfig') ?? desired.spec.jobExecutionsRolloutConfig,
    abortConfig: inherited(waves, inForce, 'abortConfig') ?? desired.spec.abortConfig,
  };
  return { ...desired, spec };
}

/**
 * A wave's rollout rate or abort criteria: its own, else those of the nearest earlier wave that
 * sets them (undefined: the spec's). UpdateJob cannot unset them, so a wave keeps what is in force.
 */
function inherited<K extends 'jobExecutionsRolloutConfig' | 'abortConfig'>(waves: readonly Wave[], index: number, field: K): Wave[K] {
  for (let i = index; i >= 0; i--) if (waves[i]![field] !== undefined) return waves[i]![field];
  return undefined;
}

/** What planRollout needs besides the job: the time, the partition, and how often a gate is judged. */
export interface RolloutContext {
  now: number;
  partition: Partition;
  gateIntervalMs?: number;
}

/** The judgement of the running wave and what follows from it, shared by planRollout and rolloutStatus. */
interface Judged {
  wave: number;
  record: RolloutRecord;
  counts: WaveCounts;
  judgement: GateJudgement;
  /** The wave's gate failed before and has not changed since. */
  failedBefore: boolean;
}

function judged(spec: IoTJobSpec, observed: ObservedJob, wave: number, record: RolloutRecord): Judged {
  const w = spec.waves![wave]!;
  const counts = countsSince(countsOf(observed.counts), record.baseline);
  return { wave, record, counts, judgement: judgeGate(w.name, w.gate, counts), failedBefore: record.failedGate === gateDigest(w.gate) };
}

const iso = (epochSeconds: number | undefined): string | undefined => (epochSeconds === undefined ? undefined : new Date(epochSeconds * 1000).toISOString());

/** Every wave's phase, for status, metrics and the status page; undefined for a spec without waves. */
export function rolloutStatus(desired: DesiredJob, observed: ObservedJob | undefined, ctx: RolloutContext): WaveStatus[] | undefined {
  const waves = desired.spec.waves;
  if (!waves) return undefined;
  const at = observed && positionOf(waves, observed, ctx.partition);
  if (!observed || at?.wave === undefined) return waves.map((w) => ({ name: w.name, phase: 'Pending' }));
  const record = at.record?.wave === at.wave ? at.record : undefined;
  const j = record && judged(desired.spec, observed, at.wave, record);
  return waves.map((w, i): WaveStatus => {
    if (i < at.wave!) return { name: w.name, phase: 'Passed', passedAt: iso(at.record?.passedAt[i]) };
    if (i > at.wave!) return { name: w.name, phase: 'Pending' };
    const phase = j ? phaseOf(desired, observed, j, ctx.now) : 'Running';
    return { name: w.name, phase, counts: j?.counts, gate: j?.judgement.words, succeededRatio: j?.judgement.succeededRatio, startedAt: iso(record?.startedAt) };
  });
}

function phaseOf(desired: DesiredJob, observed: ObservedJob, j: Judged, now: number): WavePhase {
  if (j.failedBefore || j.judgement.verdict === 'fails') return observed.status === 'CANCELED' ? 'Failed' : 'Held';
  if (j.judgement.verdict === 'pending' || j.record.heldSince === undefined) return 'Running';
  if (now < bakeEnd(desired.spec.waves![j.wave]!, j.record)) return 'Baking';
  return awaitsApproval(desired.spec, j.wave) ? 'AwaitingApproval' : 'Passed';
}

/** Whether a wave that passed its gate and bake waits for its name in spec.approvedWaves before the next wave starts. */
function awaitsApproval(spec: IoTJobSpec, index: number): boolean {
  const wave = spec.waves![index]!;
  const last = index === spec.waves!.length - 1;
  return !last && wave.gate?.approval === 'Manual' && !(spec.approvedWaves ?? []).includes(wave.name);
}

function bakeEnd(wave: Wave, record: RolloutRecord): number {
  return (record.heldSince ?? 0) * 1000 + (wave.gate?.bakeMinutes ?? 0) * 60_000;
}

/**
 * The next step of a staged rollout whose job is otherwise in sync with the manifest; undefined for
 * a spec without waves. Called only for an active job whose targets match a wave.
 */
export function planRollout(desired: DesiredJob, observed: ObservedJob, ctx: RolloutContext): Action | undefined {
  const waves = desired.spec.waves;
  if (!waves) return undefined;
  const { wave, record } = positionOf(waves, observed, ctx.partition);
  if (wave === undefined) return undefined;
  // A record of a wave the manifest no longer has (the waves were shortened) is written afresh below.
  if (record?.wave === wave + 1 && wave + 1 < waves.length) return promote(waves[wave + 1]!, observed, ctx.partition);
  if (record?.wave !== wave) return recordStart(waves[wave]!, wave, observed, { old: record, now: ctx.now });
  return nextStep(desired, observed, judged(desired.spec, observed, wave, record), ctx);
}

/** Epoch seconds, rounded down (a start); when the gate first held is rounded up, so a bake is never cut short. */
const secondsOf = (ms: number): number => Math.floor(ms / 1000);

/** Records the start of the wave the job has reached, when no record of it is there (the first wave, or a record lost). */
function recordStart(w: Wave, wave: number, observed: ObservedJob, at: { old?: RolloutRecord; now: number }): Action {
  const baseline = wave === 0 ? ZERO_COUNTS : countsOf(observed.counts);
  const why = wave === 0 ? 'records the start of the first wave' : `the record of wave ${w.name} is missing; its executions are counted from now`;
  return recordAction(observed.jobId, { wave, baseline, startedAt: secondsOf(at.now), passedAt: at.old?.passedAt ?? [] }, why);
}

/** The step after judging the running wave's gate: hold or cancel, judge again later, record that it held, bake, or start the next wave. */
function nextStep(desired: DesiredJob, observed: ObservedJob, j: Judged, ctx: RolloutContext): Action {
  const wave = desired.spec.waves![j.wave]!;
  const jobId = observed.jobId;
  const interval = ctx.gateIntervalMs ?? GATE_INTERVAL_MS;
  const { words } = j.judgement;
  if (j.failedBefore || j.judgement.verdict === 'fails') return gateFailed(desired, observed, j);
  if (j.judgement.verdict === 'pending') return { kind: 'wait', jobId, afterMs: interval, reason: words };
  if (j.record.heldSince === undefined)
    return recordAction(jobId, { ...j.record, heldSince: Math.ceil(ctx.now / 1000) }, `${words}; it must keep holding for ${wave.gate?.bakeMinutes ?? 0} min`);
  const left = bakeEnd(wave, j.record) - ctx.now;
  if (left > 0) return { kind: 'wait', jobId, afterMs: Math.min(left, interval), reason: `${words}; baking, ${Math.ceil(left / 60_000)} min left` };
  return afterBake(desired, observed, j, ctx);
}

/** The step once the running wave's gate held for its bake: done (the last wave), wait for approval, or start the next wave. */
function afterBake(desired: DesiredJob, observed: ObservedJob, j: Judged, ctx: RolloutContext): Action {
  const waves = desired.spec.waves!;
  const { words } = j.judgement;
  const jobId = observed.jobId;
  if (j.wave === waves.length - 1) return { kind: 'noop', jobId, reason: `rollout complete: ${words}` };
  const name = waves[j.wave]!.name;
  const next = waves[j.wave + 1]!.name;
  if (awaitsApproval(desired.spec, j.wave))
    return {
      kind: 'wait',
      jobId,
      afterMs: ctx.gateIntervalMs ?? GATE_INTERVAL_MS,
      reason: `${words}; awaiting approval: add ${name} to spec.approvedWaves to start wave ${next}`,
    };
  const now = secondsOf(ctx.now);
  const started: RolloutRecord = { wave: j.wave + 1, baseline: countsOf(observed.counts), startedAt: now, passedAt: [...j.record.passedAt, now] };
  return recordAction(jobId, started, `${name} passed its gate; starting wave ${next}`);
}

/** Hold: record the failure (once) and stop widening; Cancel: cancel the job with spec.cancel's options. */
function gateFailed(desired: DesiredJob, observed: ObservedJob, j: Judged): Action {
  const wave = desired.spec.waves![j.wave]!;
  const jobId = observed.jobId;
  const words = j.failedBefore ? `${wave.name} failed its gate (now ${j.judgement.words})` : j.judgement.words;
  if (desired.spec.onGateFailure === 'Cancel') {
    if (observed.status !== 'IN_PROGRESS' && observed.status !== 'SCHEDULED')
      return { kind: 'noop', jobId, stalled: true, reason: `${words}; the job is ${observed.status}` };
    const force = desired.spec.cancel?.force ?? false;
    return {
      kind: 'cancel',
      jobId,
      force,
      reasonCode: GATE_FAILED_REASON,
      comment: `${words}; canceled by spec.onGateFailure: Cancel`,
      reason: `${words}; onGateFailure is Cancel`,
    };
  }
  if (!j.failedBefore) return recordAction(jobId, { ...j.record, failedGate: gateDigest(wave.gate) }, `${words}; holding the rollout`);
  return {
    kind: 'noop',
    jobId,
    stalled: true,
    reason: `Held: ${words}; later waves do not start until the gate changes in the manifest (or use onGateFailure: Cancel)`,
  };
}

function recordAction(jobId: string, record: RolloutRecord, reason: string): Action {
  return { kind: 'record', jobId, tag: ROLLOUT_TAG, value: formatRecord(record), reason };
}

function promote(next: Wave, observed: ObservedJob, p: Partition): Action {
  const has = new Set(observed.targets);
  const targets = targetArns(next.targets, p).filter((t) => !has.has(t));
  return { kind: 'promote', jobId: observed.jobId, wave: next.name, targets, reason: `starting wave ${next.name}: adding ${targets.length} target(s)` };
}
