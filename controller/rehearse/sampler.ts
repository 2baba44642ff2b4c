/**
 * Samples of a rehearsal's executions by status, per job and wave: due every spacing of virtual
 * time; past MAX_SAMPLES per wave every other one is dropped and the spacing doubles, so a day and a
 * month of rollout cost the same. A job's executions are read again only when its counts moved.
 */
import type { ServiceState } from '../../emulator/core/state.js';
import type { Execution } from '../../emulator/core/types.js';
import type { Sample, StatusCounts, WaveTimeline } from './result.js';
import type { Tracked } from './tracked.js';

/** At most this many samples per wave; past it, every other one is dropped and the spacing doubles. */
const MAX_SAMPLES = 160;
const FIRST_SAMPLE_SPACING_MS = 30_000;

/** The samples of one rehearsal. */
export class Sampler {
  private spacingMs = FIRST_SAMPLE_SPACING_MS;
  private nextAt: number;

  constructor(
    private readonly state: ServiceState,
    private readonly start: number,
  ) {
    this.nextAt = start;
  }

  /** Whether a sample is due at `now`. */
  due(now: number): boolean {
    return now >= this.nextAt;
  }

  /** One sample of every job's executions by status, per wave. */
  sample(jobs: readonly Tracked[], now: number): void {
    this.nextAt = now + this.spacingMs;
    const at = Math.round(now - this.start);
    for (const t of jobs) {
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
    if (Math.max(0, ...jobs.flatMap((t) => t.timeline.waves.map((w) => w.series.length))) > MAX_SAMPLES) this.thin(jobs);
  }

  /** Each wave's executions by status now; read again only when the job's counts moved since the last look. */
  private waveCounts(t: Tracked): StatusCounts[] {
    const job = this.state.jobs.get(t.timeline.jobId);
    const key = job ? JSON.stringify([job.counts, job.attempts]) : '';
    if (t.lastCounts?.key === key) return t.lastCounts.waves;
    const waves = t.timeline.waves.map(() => emptyCounts());
    for (const { list, wave } of this.executionLists(t)) add(waves[wave]!, list[list.length - 1]!);
    t.lastCounts = { key, waves };
    return waves;
  }

  /** The job's per-thing execution lists with each thing's wave, made again when the number of things changed (a list deleted with DeleteJobExecution and another thing's made between two looks would be missed; a rehearsal deletes none). */
  private executionLists(t: Tracked): { list: Execution[]; wave: number }[] {
    const byThing = this.state.executions.get(t.timeline.jobId);
    if (!byThing) return [];
    if (t.lists?.size !== byThing.size)
      t.lists = { size: byThing.size, entries: [...byThing].map(([thing, list]) => ({ list, wave: t.waveOf.get(thing) ?? 0 })) };
    return t.lists.entries;
  }

  /** Drops every other sample (keeping the first and last) and doubles the spacing. */
  private thin(jobs: readonly Tracked[]): void {
    this.spacingMs *= 2;
    for (const t of jobs) for (const w of t.timeline.waves) w.series = w.series.filter((_, i, all): boolean => i % 2 === 0 || i === all.length - 1) as Sample[];
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
