/**
 * When a rehearsed rollout has stopped changing, and how, in words: its job ended in AWS (completed,
 * aborted by its criteria, canceled by a failed gate), a wave is held or waits for an approval that
 * is not assumed, or no answering device has work left (completed, or stalled when a gate waits for
 * executions that never finish). Undefined while it can still move by itself.
 */
import { ABORT_REASON_CODE } from '../../emulator/core/lifecycle.js';
import type { Execution, Job } from '../../emulator/core/types.js';
import type { RolloutOutcome } from './result.js';
import type { Tracked } from './tracked.js';

/** How a job's rollout stopped, in words. */
export interface Verdict {
  outcome: RolloutOutcome;
  detail: string;
}

/** What a verdict is judged with besides the job. */
export interface VerdictContext {
  now: number;
  approveAll: boolean;
  /** How long a drained, pending gate may wait before the rollout is stalled (two gate or resync intervals). */
  patienceMs: number;
  answers: (thingName: string) => boolean;
  /** The job's per-thing execution lists. */
  executions: (jobId: string) => Iterable<Execution[]>;
}

/** How the rollout stopped; undefined while it can still move by itself. */
export function verdictOf(t: Tracked, job: Job, ctx: VerdictContext): Verdict | undefined {
  return endVerdict(t, job) ?? gateVerdict(t, ctx) ?? drainVerdict(t, job, ctx);
}

/** The job ended in AWS: completed, aborted by its criteria, or canceled (by a failed gate). */
function endVerdict(t: Tracked, job: Job): Verdict | undefined {
  if (job.status === 'CANCELED' || job.status === 'DELETION_IN_PROGRESS') {
    if (job.reasonCode === ABORT_REASON_CODE) return { outcome: 'aborted', detail: job.comment ?? 'AWS abort criteria met' };
    const failed = t.timeline.waves.find((w) => w.failedAt !== undefined);
    return failed
      ? { outcome: 'canceled', detail: `canceled at wave ${failed.name}: ${failed.gate ?? ''}`.trim() }
      : { outcome: 'canceled', detail: 'canceled' };
  }
  if (job.status === 'COMPLETED') return { outcome: 'completed', detail: completedWords(t) };
  return undefined;
}

/** A wave held at its gate, or waiting for an approval that is not assumed. */
function gateVerdict(t: Tracked, ctx: VerdictContext): Verdict | undefined {
  const held = t.timeline.waves.find((w) => w.phase === 'Held');
  if (held) return { outcome: 'held', detail: `held at wave ${held.name}: ${held.gate ?? ''}`.trim() };
  const waiting = t.timeline.waves.find((w) => w.phase === 'AwaitingApproval');
  if (waiting && !ctx.approveAll) return { outcome: 'awaiting-approval', detail: `wave ${waiting.name} awaits approval` };
  return undefined;
}

/** No answering device has work left: completed, or (a staged job whose gate still waits, two gate intervals on) stalled. */
function drainVerdict(t: Tracked, job: Job, ctx: VerdictContext): Verdict | undefined {
  const waves = t.timeline.waves;
  const isDrained = drained(t, job, ctx);
  if (isDrained && (!t.desired.spec.waves || waves[waves.length - 1]!.phase === 'Passed')) return { outcome: 'completed', detail: completedWords(t) };
  const running = isDrained ? waves.find((w) => w.phase === 'Running') : undefined;
  if (!running) t.drained = undefined;
  if (!running || !waitedOut(t, running.name, ctx)) return undefined;
  // The last wave waits on nothing after it: with no work left for any answering device, the rollout is done.
  if (running === waves[waves.length - 1]) return { outcome: 'completed', detail: completedWords(t) };
  return {
    outcome: 'stalled',
    detail: `wave ${running.name} waits for executions that never finish (${t.silent} devices never answer): ${running.gate ?? ''}`.trim(),
  };
}

/** Whether the same wave has been running, its gate pending with no work left for any answering device, for the whole patience. */
function waitedOut(t: Tracked, wave: string, ctx: VerdictContext): boolean {
  if (t.drained?.wave !== wave) t.drained = { wave, since: ctx.now };
  return ctx.now - t.drained.since >= ctx.patienceMs;
}

/** Every target notified, nothing in progress, and what is still queued waits on devices that never answer. */
function drained(t: Tracked, job: Job, ctx: VerdictContext): boolean {
  if (!job.rollout.done || job.counts.IN_PROGRESS > 0 || job.counts.QUEUED > t.silent) return false;
  const counts = JSON.stringify(job.counts);
  if (t.notDrainedAt === counts) return false;
  for (const list of ctx.executions(job.jobId)) {
    const latest = list[list.length - 1]!;
    if (latest.status === 'QUEUED' && ctx.answers(latest.thingName)) {
      t.notDrainedAt = counts;
      return false;
    }
  }
  return true;
}

function completedWords(t: Tracked): string {
  const silent = t.silent > 0 ? `; ${t.silent} never answered` : '';
  const failed = t.timeline.waves.reduce((n, w) => n + w.failed, 0);
  return `${t.exposed.size} of ${t.timeline.targeted} devices received it, ${failed} attempts failed${silent}`;
}
