/**
 * Watches a rehearsal as it runs and writes its timeline: the controller's AWS calls (the job
 * created, each wave started), its reports (wave phases), the virtual fleet's starts and outcomes,
 * and samples (sampler.ts); after each step it asks verdict.ts whether each rollout has stopped.
 * Reads the emulated service's state directly: it is an observer, and calls nothing.
 */
import type { IotJobsService } from '../../emulator/core/service.js';
import type { Execution, Job } from '../../emulator/core/types.js';
import type { FleetListener } from '../../emulator/fleet/virtual-fleet.js';
import type { DesiredJob } from '../model/iot-job.js';
import type { ReconcileReport } from '../model/report.js';
import type { WaveStatus } from '../model/wave-status.js';
import { targetArn, type Partition } from '../plan/canonical.js';
import type { JobTimeline, WaveTimeline } from './result.js';
import { Sampler } from './sampler.js';
import { newTracked, type Tracked } from './tracked.js';
import { verdictOf } from './verdict.js';

/** The recorder of one rehearsal. */
export class Recorder implements FleetListener {
  private readonly jobs = new Map<string, Tracked>();
  private readonly byJobId = new Map<string, Tracked>();
  private readonly sampler: Sampler;
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
    this.sampler = new Sampler(d.service.state, d.start);
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
    if (this.sampler.due(now)) this.sample(now);
    for (const t of this.jobs.values()) if (t.timeline.stoppedAt === undefined) this.judgeStopped(t, now);
    this.judgeNeverCreated(now);
  }

  /** Jobs never created because every reconcile fails, or because what they depend on will not meet its gate, once the patience is over. */
  private judgeNeverCreated(now: number): void {
    for (const t of this.jobs.values()) if (t.failing && now - t.failing.since >= this.d.patienceMs) this.notCreated(t, now, t.failing.error);
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
      const error = t.lastError ? `; the controller's last error: ${t.lastError}` : '';
      tl.detail = `${this.job(t) ? 'still rolling out when the rehearsal stopped' : 'never created'}${error}`;
    }
  }

  /** The controller's report of one reconcile: its waves' phases. */
  report(r: ReconcileReport, now: number): void {
    const t = this.jobs.get(r.key) ?? this.track(r.key);
    if (!t) return;
    // Failed (backing off) or stalled (needs a person): a wait for a dependency or a gate is neither.
    const failed = (r.result === 'error' || r.result === 'stalled') && r.error !== undefined;
    t.lastError = failed ? r.error : undefined;
    t.failing = failed ? { error: r.error!, since: t.failing?.since ?? now } : undefined;
    if (r.waves) this.phases(t, r.waves, now);
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
    const t = newTracked(key, desired, { thingsOf: (targets) => this.thingsOf(targets), answers: this.d.answers });
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
    const verdict = verdictOf(t, job, {
      now,
      approveAll: this.d.approveAll,
      patienceMs: this.d.patienceMs,
      answers: this.d.answers,
      executions: (jobId) => this.executionsOf(jobId),
    });
    if (!verdict) return;
    const tl = t.timeline;
    tl.outcome = verdict.outcome;
    tl.detail = verdict.detail;
    tl.stoppedAt = this.since(now);
    tl.exposed = t.exposed.size;
    tl.events.push({ at: tl.stoppedAt, text: `rollout ${verdict.outcome}: ${verdict.detail}` });
    this.sample(now);
  }

  /** Only jobs never created are left, and every created one stopped: those wait on a dependency that will not be met. */
  private allStoppedButWaiting(): boolean {
    const open = [...this.jobs.values()].filter((t) => t.timeline.stoppedAt === undefined);
    return open.length > 0 && open.length < this.jobs.size && open.every((t) => !this.job(t));
  }

  private executionsOf(jobId: string): Iterable<Execution[]> {
    return this.d.service.state.executions.get(jobId)?.values() ?? [];
  }

  private sample(now: number): void {
    this.sampler.sample([...this.jobs.values()], now);
  }

  private notStarted(t: Tracked, now: number): void {
    const deps = (t.desired.spec.dependsOn ?? []).map((d) => d.name).join(', ');
    this.notCreated(t, now, `its dependencies (${deps}) did not meet their gates`);
  }

  /** Marks a job that was never created (and is not now) as not started, saying why. */
  private notCreated(t: Tracked, now: number, why: string): void {
    if (t.timeline.stoppedAt !== undefined || this.job(t)) return;
    t.timeline.outcome = 'not-started';
    t.timeline.detail = `never created: ${why}`;
    t.timeline.stoppedAt = this.since(now);
  }
}
