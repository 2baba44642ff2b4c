/**
 * Maintenance windows (schedulingConfig.maintenanceWindows): a job with windows rolls out only
 * inside one. When the job starts (at its startTime), it goes IN_PROGRESS if a window is open and
 * stays SCHEDULED until the next one otherwise; when the window ends, an IN_PROGRESS job goes back
 * to SCHEDULED and its rollout pauses until the next window [DG job lifecycle: "the job status
 * changes from IN_PROGRESS to SCHEDULED when the maintenance window ends"; IOT-JOBS-SEMANTICS §1].
 * Executions already queued stay queued (devices still see them); no new ones are created and
 * group joiners wait. DescribeJob's scheduledJobRollouts lists the next seven window starts.
 */
import { invalidRequest } from './errors.js';
import { nextWindowStart, openWindowEnd, upcomingStarts } from './maintenance-windows.js';
import { checkCompletion, resolveTargets, rolloutBatch, startJob } from './lifecycle.js';
import type { ServiceState } from './state.js';
import type { Job, JobConfig, SchedulingConfig } from './types.js';

type Windows = NonNullable<SchedulingConfig['maintenanceWindows']>;

/** The job's maintenance windows; undefined when it has none. */
function windowsOf(job: Pick<Job, 'schedulingConfig'>): Windows | undefined {
  const w = job.schedulingConfig?.maintenanceWindows;
  return w && w.length > 0 ? w : undefined;
}

/** Whether the job rolls out only inside maintenance windows. */
export function hasWindows(job: Pick<Job, 'schedulingConfig'>): boolean {
  return windowsOf(job) !== undefined;
}

/**
 * Fails unless a job's maintenance windows can be used: the job CONTINUOUS and with a startTime
 * (each window's cron expression is validate.ts's checkMaintenanceWindows'). These rules and
 * their words are AWS's as ministack 1.5.33 reproduces them ("TargetSelection is invalid.
 * MaintenanceWindow cannot be used with SNAPSHOT job." and "MaintenanceWindow cannot be used
 * without StartTime of SchedulingConfig."); the developer guide does not state them.
 */
export function checkWindowedJob(config: Pick<JobConfig, 'schedulingConfig'>, targetSelection: 'SNAPSHOT' | 'CONTINUOUS'): void {
  if (!windowsOf(config)) return;
  if (targetSelection === 'SNAPSHOT') throw invalidRequest('TargetSelection is invalid. MaintenanceWindow cannot be used with SNAPSHOT job.');
  if (!config.schedulingConfig?.startTime) throw invalidRequest('MaintenanceWindow cannot be used without StartTime of SchedulingConfig.');
}

/**
 * Starts a job with windows at its startTime: IN_PROGRESS inside a window (until its end), else
 * SCHEDULED until the next window starts.
 */
export function startWindowed(state: ServiceState, job: Job, at: number): void {
  const windows = windowsOf(job)!;
  const end = openWindowEnd(windows, at);
  if (end === undefined) return waitForWindow(state, job, windows, at);
  if (job.rollout.notified === 0 && job.rollout.pending.length === 0 && !job.rollout.done) startJob(state, job, at);
  else resume(state, job, at);
  state.timers.schedule(end, { kind: 'window-end', jobId: job.jobId });
}

/** A window opened: a SCHEDULED job whose start has come rolls out again. */
export function windowStarts(state: ServiceState, job: Job, at: number): void {
  if (job.status !== 'SCHEDULED' || !windowsOf(job) || !job.windowed) return;
  startWindowed(state, job, at);
}

/** A window closed: an IN_PROGRESS job goes back to SCHEDULED until the next one (unless another window is still open). */
export function windowEnds(state: ServiceState, job: Job, at: number): void {
  const windows = windowsOf(job);
  if (job.status !== 'IN_PROGRESS' || !windows) return;
  const end = openWindowEnd(windows, at);
  if (end !== undefined) return void state.timers.schedule(end, { kind: 'window-end', jobId: job.jobId });
  job.status = 'SCHEDULED';
  job.lastUpdatedAt = at;
  waitForWindow(state, job, windows, at);
}

function waitForWindow(state: ServiceState, job: Job, windows: Windows, at: number): void {
  job.status = 'SCHEDULED';
  job.windowed = true;
  const next = nextWindowStart(windows, at);
  if (next !== undefined) state.timers.schedule(next, { kind: 'window-start', jobId: job.jobId });
}

/**
 * Resumes a paused rollout: IN_PROGRESS again, and the next batch now. A CONTINUOUS job's things
 * that joined its groups during the pause (and have no execution) join the pending rollout.
 */
function resume(state: ServiceState, job: Job, at: number): void {
  job.status = 'IN_PROGRESS';
  job.lastUpdatedAt = at;
  const r = job.rollout;
  if (job.targetSelection === 'CONTINUOUS') {
    const joined = resolveTargets(state, job).filter((t) => !state.latest(job.jobId, t) && !r.pending.includes(t));
    if (joined.length > 0) [r.pending, r.done] = [[...r.pending, ...joined], false];
  }
  if (r.done) checkCompletion(job, at);
  else rolloutBatch(state, job, at);
}

/** DescribeJob's scheduledJobRollouts: the next seven window starts as `YYYY-MM-DDTHH:MM` (UTC); undefined without windows. */
export function scheduledJobRollouts(job: Job, now: number): { startTime: string }[] | undefined {
  const windows = windowsOf(job);
  if (!windows || job.status === 'COMPLETED' || job.status === 'CANCELED' || job.status === 'DELETION_IN_PROGRESS') return undefined;
  return upcomingStarts(windows, now, 7).map((ms) => ({ startTime: new Date(ms).toISOString().slice(0, 16) }));
}
