/**
 * Watches a rehearsal as it runs and writes its timeline: the controller's reports (wave phases,
 * the job's creation), the virtual fleet's starts and outcomes, and samples of every job's
 * executions by status per wave. Decides when each job's rollout has stopped changing. Reads the
 * emulated service's state directly: it is an observer, and calls nothing.
 */
import type { IotJobsService } from '../../emulator/core/service.js';
import type { Execution, Job } from '../../emulator/core/types.js';
import type { FleetListener } from '../../emulator/fleet/virtual-fleet.js';
import type { DesiredJob } from '../model/iot-job.js';
import type { ReconcileReport } from '../model/report.js';
import type { WaveStatus } from '../model/wave-status.js';
import { targetArn, type Partition } from '../plan/canonical.js';
import type { JobTimeline, RolloutOutcome, Sample, StatusCounts, WaveTimeline } from './result.js';

/** At most this many samples per wave; past it, every other one is dropped and the spacing doubles. */
const MAX_SAMPLES = 160;
const FIRST_SAMPLE_SPACING_MS = 30_000;
const ABORT_REASON = 'ABORT_CRITERIA_MET';

/** How a job's rollout stopped, in words. */
interface Verdict {
  outcome: RolloutOutcome;
  detail: string;
}

/** What the recorder knows of one job as it runs. */
interface Tracked {
  timeline: JobTimeline;
  desired: DesiredJob;
  /** Thing → index of the first wave that targets it. */
  waveOf: Map<string, number>;
  /** Things that started an execution (counted until the rollout stopped, as every tally is). */
  exposed: Set<string>;
  /** Things that reported an outcome (of any attempt), and how many per wave. */
  finishedThings: Set<string>;
  finished: number[];
  /** Targeted things whose device never answers. */
  silent: number;
  lastPhases: string[];
  /** The running wave whose gate waits while no answering device has work left, and since when. */
  drained?: { wave: string; since: number };
  /** The job's counts when it was last found not drained: no need to look again until they change. */
  notDrainedAt?: string;
  /** A sample was taken after the rollout stopped: its series ends there. */
  sampledAfterStop?: boolean;
  /** The job's execution lists (see executionLists) and how many things they were made for. */
  lists?: { size: number; entries: { list: Execution[]; wave: number }[] };
  /** The per-wave counts of the last look, and the job's counts then. */
  lastCounts?: { key: string; waves: StatusCounts[] };
}

/** The recorder of one rehearsal. */
export class Recorder implements FleetListener {
  private readonly jobs = new Map<string, Tracked>();
  private readonly byJobId = new Map<string, Tracked>();
  private spacingMs = FIRST_SAMPLE_SPACING_MS;
  private nextSampleAt: number;
  /** Since when only jobs never created are left (each waiting on a dependency). */
  private waitingSince?: number;

  constructor(
    private readonly d: {
      service: IotJobsService;
      partition: Partition;
      start: number;
      answers: (thingName: string) => boolean;
      desired: (key: string) => DesiredJob | undefined;
      /** The keys rehearsed (empty until the source has read the manifests). */
      keys: () => string[];
      approveAll: boolean;
      /** How long the controller may take to act on what it sees (two gate or resync intervals): a drained wave not promoted, or a dependent not created, within it is stuck. */
      patienceMs: number;
    },
  ) {
    this.nextSampleAt = d.start;
  }

  /** Every job's timeline (times from the start). */
  timelines(): JobTimeline[] {
    return [...this.jobs.values()].map((t) => t.timeline);
  }

  /** Whether every job's rollout has stopped changing. */
  allStopped(): boolean {
    return [...this.jobs.values()].every((t) => t.timeline.stoppedAt !== undefined);
  }

  /** After each step of virtual time: samples when one is due, and notes the jobs that stopped. */
  step(now: number): void {
    if (now >= this.nextSampleAt) this.sample(now);
    for (const t of this.jobs.values()) if (t.timeline.stoppedAt === undefined) this.judgeStopped(t, now);
    if (!this.allStoppedButWaiting()) this.waitingSince = undefined;
    else if (now - (this.waitingSince ??= now) >= this.d.patienceMs) for (const t of this.jobs.values()) this.notStarted(t, now);
  }

  /** When the rehearsal ends: a last sample, and the jobs still going marked unfinished. */
  finish(now: number): void {
    this.sample(now);
    for (const t of this.jobs.values()) {
      const tl = t.timeline;
      if (tl.stoppedAt !== undefined) continue;
      tl.outcome = this.job(t) ? 'unfinished' : 'not-started';
      tl.detail = this.job(t) ? 'still rolling out when the rehearsal stopped' : 'never created';
    }
  }

  /** The controller's report of one reconcile: its waves' phases. */
  report(r: ReconcileReport, now: number): void {
    const t = this.jobs.get(r.key) ?? this.track(r.key);
    if (t && r.waves) this.phases(t, r.waves, now);
  }

  /** An AWS call the controller made, as the service answered it: the job created (its first wave starts), or widened to the next wave. */
  called(operation: string, input: Record<string, unknown>, now: number): void {
    // The controller may act before the rehearsal asked for every key: follow them all first.
    if (!this.byJobId.has(String(input.jobId))) for (const key of this.d.keys()) this.track(key);
    const t = this.byJobId.get(String(input.jobId));
    if (!t || (operation !== 'CreateJob' && operation !== 'AssociateTargetsWithJob')) return;
    const at = this.since(now);
    const tl = t.timeline;
    if (operation === 'CreateJob') {
      tl.createdAt ??= at;
      tl.events.push({ at, text: `job ${tl.jobId} created` });
    }
    const next = tl.waves.find((w) => w.startedAt === undefined);
    if (!next) return;
    next.startedAt = at;
    if (t.desired.spec.waves) tl.events.push({ at, text: `wave ${next.name} started` });
  }

  started(thingName: string, jobId: string, at: number): void {
    const t = this.byJobId.get(jobId);
    if (!t || t.exposed.has(thingName) || t.timeline.stoppedAt !== undefined) return;
    t.exposed.add(thingName);
    const w = t.timeline.waves[t.waveOf.get(thingName) ?? 0]!;
    w.exposed++;
    w.firstExecutionAt ??= this.since(at);
  }

  finished(thingName: string, jobId: string, outcome: string, at: number): void {
    const t = this.byJobId.get(jobId);
    if (!t || t.timeline.stoppedAt !== undefined) return;
    const i = t.waveOf.get(thingName) ?? 0;
    const w = t.timeline.waves[i]!;
    if (outcome === 'SUCCEEDED') w.succeeded++;
    else w.failed++;
    if (t.finishedThings.has(thingName)) return;
    t.finishedThings.add(thingName);
    const n = ++t.finished[i]!;
    if (w.halfFinishedAt === undefined && n >= w.size / 2) w.halfFinishedAt = this.since(at);
    if (w.allFinishedAt === undefined && n >= w.size) w.allFinishedAt = this.since(at);
  }

  /** Starts following a manifest's job (once); undefined when the source has no such manifest. */
  track(key: string): Tracked | undefined {
    const known = this.jobs.get(key);
    if (known) return known;
    const desired = this.d.desired(key);
    if (!desired) return undefined;
    const waveSpecs = desired.spec.waves ?? [{ name: 'all', targets: desired.spec.targets ?? [] }];
    const waveOf = new Map<string, number>();
    const sizes = waveSpecs.map(() => 0);
    waveSpecs.forEach((w, i) => {
      for (const thing of this.thingsOf(w.targets ?? []))
        if (!waveOf.has(thing)) {
          waveOf.set(thing, i);
          sizes[i]!++;
        }
    });
    const waves: WaveTimeline[] = waveSpecs.map((w, i) => ({
      name: w.name,
      size: sizes[i]!,
      exposed: 0,
      succeeded: 0,
      failed: 0,
      phase: 'Pending',
      series: [],
    }));
    let silent = 0;
    for (const thing of waveOf.keys()) if (!this.d.answers(thing)) silent++;
    const timeline: JobTimeline = { key, jobId: desired.jobId, outcome: 'unfinished', detail: '', exposed: 0, targeted: waveOf.size, waves, events: [] };
    const t: Tracked = {
      timeline,
      desired,
      waveOf,
      exposed: new Set(),
      finishedThings: new Set(),
      finished: waves.map(() => 0),
      silent,
      lastPhases: waves.map(() => 'Pending'),
    };
    this.jobs.set(key, t);
    this.byJobId.set(desired.jobId, t);
    return t;
  }

  /** The things a list of manifest targets names, through the service's registry. */
  private thingsOf(targets: readonly string[]): string[] {
    return targets.flatMap((target) => {
      const arn = targetArn(target, this.d.partition);
      const [type, name] = arn.slice(arn.lastIndexOf(':') + 1).split(/\/(.*)/s) as [string, string];
      return type === 'thing' ? [name] : [...this.d.service.state.registry.membersOf(name)];
    });
  }

  /** Whole milliseconds from the rehearsal's start. */
  private since(epochMs: number): number {
    return Math.round(epochMs - this.d.start);
  }

  private job(t: Tracked): Job | undefined {
    return this.d.service.state.jobs.get(t.timeline.jobId);
  }

  /** Notes wave transitions as events, and the gate's words. */
  private phases(t: Tracked, waves: WaveStatus[], now: number): void {
    const at = this.since(now);
    waves.forEach((w, i) => {
      const tw = t.timeline.waves[i];
      if (!tw) return;
      tw.phase = w.phase;
      if (w.gate) tw.gate = w.gate;
      if (t.lastPhases[i] === w.phase) return;
      t.lastPhases[i] = w.phase;
      this.transition(t, tw, at);
    });
  }

  /** One wave's move to its new phase: when it passed or failed its gate, and an event. */
  private transition(t: Tracked, tw: WaveTimeline, at: number): void {
    const say = (text: string): void => void t.timeline.events.push({ at, text: `wave ${tw.name} ${text}` });
    if (tw.phase === 'Passed' && tw.passedAt === undefined) {
      tw.passedAt = at;
      say('passed its gate');
    } else if ((tw.phase === 'Held' || tw.phase === 'Failed') && tw.failedAt === undefined) {
      tw.failedAt = at;
      say(`failed its gate: ${tw.gate ?? ''}`.trim());
    } else if (tw.phase === 'AwaitingApproval') say('awaits approval');
  }

  /** Marks a job stopped when its rollout can change no more without a person. */
  private judgeStopped(t: Tracked, now: number): void {
    const job = this.job(t);
    if (!job) return;
    const verdict = this.verdict(t, job, now);
    if (!verdict) return;
    const tl = t.timeline;
    tl.outcome = verdict.outcome;
    tl.detail = verdict.detail;
    tl.stoppedAt = this.since(now);
    tl.exposed = t.exposed.size;
    tl.events.push({ at: tl.stoppedAt, text: `rollout ${verdict.outcome}: ${verdict.detail}` });
    this.sample(now);
  }

  private verdict(t: Tracked, job: Job, now: number): Verdict | undefined {
    return this.endVerdict(t, job) ?? this.gateVerdict(t) ?? this.drainVerdict(t, job, now);
  }

  /** The job ended in AWS: completed, aborted by its criteria, or canceled (by a failed gate). */
  private endVerdict(t: Tracked, job: Job): Verdict | undefined {
    if (job.status === 'CANCELED' || job.status === 'DELETION_IN_PROGRESS') {
      if (job.reasonCode === ABORT_REASON) return { outcome: 'aborted', detail: job.comment ?? 'AWS abort criteria met' };
      const failed = t.timeline.waves.find((w) => w.failedAt !== undefined);
      return failed
        ? { outcome: 'canceled', detail: `canceled at wave ${failed.name}: ${failed.gate ?? ''}`.trim() }
        : { outcome: 'canceled', detail: 'canceled' };
    }
    if (job.status === 'COMPLETED') return { outcome: 'completed', detail: this.completedWords(t) };
    return undefined;
  }

  /** A wave held at its gate, or waiting for an approval that is not assumed. */
  private gateVerdict(t: Tracked): Verdict | undefined {
    const held = t.timeline.waves.find((w) => w.phase === 'Held');
    if (held) return { outcome: 'held', detail: `held at wave ${held.name}: ${held.gate ?? ''}`.trim() };
    const waiting = t.timeline.waves.find((w) => w.phase === 'AwaitingApproval');
    if (waiting && !this.d.approveAll) return { outcome: 'awaiting-approval', detail: `wave ${waiting.name} awaits approval` };
    return undefined;
  }

  /** No answering device has work left: completed, or (a staged job whose gate still waits, two gate intervals on) stalled. */
  private drainVerdict(t: Tracked, job: Job, now: number): Verdict | undefined {
    const waves = t.timeline.waves;
    const drained = this.drained(t, job);
    if (drained && (!t.desired.spec.waves || waves[waves.length - 1]!.phase === 'Passed')) return { outcome: 'completed', detail: this.completedWords(t) };
    const running = drained ? waves.find((w) => w.phase === 'Running') : undefined;
    if (!running) t.drained = undefined;
    if (!running || !this.waitedOut(t, running.name, now)) return undefined;
    // The last wave waits on nothing after it: with no work left for any answering device, the rollout is done.
    if (running === waves[waves.length - 1]) return { outcome: 'completed', detail: this.completedWords(t) };
    return {
      outcome: 'stalled',
      detail: `wave ${running.name} waits for executions that never finish (${t.silent} devices never answer): ${running.gate ?? ''}`.trim(),
    };
  }

  /** Whether the same wave has been running, its gate pending with no work left for any answering device, for the whole patience. */
  private waitedOut(t: Tracked, wave: string, now: number): boolean {
    if (t.drained?.wave !== wave) t.drained = { wave, since: now };
    return now - t.drained.since >= this.d.patienceMs;
  }

  /** Every target notified, nothing in progress, and what is still queued waits on devices that never answer. */
  private drained(t: Tracked, job: Job): boolean {
    if (!job.rollout.done || job.counts.IN_PROGRESS > 0 || job.counts.QUEUED > t.silent) return false;
    const counts = JSON.stringify(job.counts);
    if (t.notDrainedAt === counts) return false;
    for (const list of this.d.service.state.executions.get(job.jobId)?.values() ?? []) {
      const latest = list[list.length - 1]!;
      if (latest.status === 'QUEUED' && this.d.answers(latest.thingName)) {
        t.notDrainedAt = counts;
        return false;
      }
    }
    return true;
  }

  private completedWords(t: Tracked): string {
    const silent = t.silent > 0 ? `; ${t.silent} never answered` : '';
    const failed = t.timeline.waves.reduce((n, w) => n + w.failed, 0);
    return `${t.exposed.size} of ${t.timeline.targeted} devices received it, ${failed} attempts failed${silent}`;
  }

  /** Only jobs never created are left, and every created one stopped: those wait on a dependency that will not be met. */
  private allStoppedButWaiting(): boolean {
    const open = [...this.jobs.values()].filter((t) => t.timeline.stoppedAt === undefined);
    return open.length > 0 && open.length < this.jobs.size && open.every((t) => !this.job(t));
  }

  private notStarted(t: Tracked, now: number): void {
    if (t.timeline.stoppedAt !== undefined || this.job(t)) return;
    t.timeline.outcome = 'not-started';
    const deps = (t.desired.spec.dependsOn ?? []).map((d) => d.name).join(', ');
    t.timeline.detail = `never created: its dependencies (${deps}) did not meet their gates`;
    t.timeline.stoppedAt = this.since(now);
  }

  /** One sample of every job's executions by status, per wave. */
  private sample(now: number): void {
    this.nextSampleAt = now + this.spacingMs;
    const at = this.since(now);
    for (const t of this.jobs.values()) {
      if (t.timeline.stoppedAt !== undefined && t.sampledAfterStop) continue;
      t.sampledAfterStop = t.timeline.stoppedAt !== undefined;
      const counts = this.waveCounts(t);
      t.timeline.waves.forEach((w, i) => {
        const last = w.series[w.series.length - 1];
        if (last?.at === at) w.series.pop();
        w.series.push({ at, ...counts[i]! });
        noteFinished(w, counts[i]!, at);
      });
      if (t.timeline.stoppedAt === undefined) t.timeline.exposed = t.exposed.size;
    }
    if (Math.max(0, ...[...this.jobs.values()].flatMap((t) => t.timeline.waves.map((w) => w.series.length))) > MAX_SAMPLES) this.thin();
  }

  /** Each wave's executions by status now; read again only when the job's counts moved since the last look. */
  private waveCounts(t: Tracked): StatusCounts[] {
    const job = this.job(t);
    const key = job ? JSON.stringify([job.counts, job.attempts]) : '';
    if (t.lastCounts?.key === key) return t.lastCounts.waves;
    const waves = t.timeline.waves.map(() => emptyCounts());
    for (const { list, wave } of this.executionLists(t)) add(waves[wave]!, list[list.length - 1]!);
    t.lastCounts = { key, waves };
    return waves;
  }

  /** The job's per-thing execution lists with each thing's wave, made again when the number of things changed (a list deleted with DeleteJobExecution and another thing's made between two looks would be missed; a rehearsal deletes none). */
  private executionLists(t: Tracked): { list: Execution[]; wave: number }[] {
    const byThing = this.d.service.state.executions.get(t.timeline.jobId);
    if (!byThing) return [];
    if (t.lists?.size !== byThing.size)
      t.lists = { size: byThing.size, entries: [...byThing].map(([thing, list]) => ({ list, wave: t.waveOf.get(thing) ?? 0 })) };
    return t.lists.entries;
  }

  /** Drops every other sample (keeping the first and last) and doubles the spacing. */
  private thin(): void {
    this.spacingMs *= 2;
    for (const t of this.jobs.values())
      for (const w of t.timeline.waves) w.series = w.series.filter((_, i, all): boolean => i % 2 === 0 || i === all.length - 1) as Sample[];
  }
}

/**
 * Half and all of a wave finished, as a sample counts them: this also sees executions that timed out
 * (no device reports those), at the sample's time; the device reports set them precisely before.
 */
function noteFinished(w: WaveTimeline, c: StatusCounts, at: number): void {
  const finished = c.succeeded + c.failed + c.rejected + c.timedOut;
  if (w.size === 0) return;
  if (w.halfFinishedAt === undefined && finished >= w.size / 2) w.halfFinishedAt = at;
  if (w.allFinishedAt === undefined && finished >= w.size) w.allFinishedAt = at;
}

function emptyCounts(): StatusCounts {
  return { queued: 0, inProgress: 0, succeeded: 0, failed: 0, rejected: 0, timedOut: 0, canceled: 0 };
}

const FIELD: Record<string, keyof StatusCounts> = {
  QUEUED: 'queued',
  IN_PROGRESS: 'inProgress',
  SUCCEEDED: 'succeeded',
  FAILED: 'failed',
  REJECTED: 'rejected',
  TIMED_OUT: 'timedOut',
  CANCELED: 'canceled',
  REMOVED: 'canceled',
};

function add(c: StatusCounts, e: Execution): void {
  const f = FIELD[e.status];
  if (f) c[f]++;
}
