/**
 * The job and execution state machine (IOT-JOBS-SEMANTICS.md §1, §6): rollout, completion,
 * abort, retry, timers, cancellation, scheduling and deletion. Every status change of an
 * execution goes through `transition`, which keeps the job's counts in step.
 */
import { notFound } from './errors.js';
import { hasWindows, startWindowed, windowEnds, windowStarts } from './maintenance.js';
import type { ServiceState } from './state.js';
import { emptyAttempts, isTerminal, type Execution, type ExecutionStatus, type Job, type ServiceEvent } from './types.js';

const MINUTE = 60_000;
/** The rollout rate when the job sets none: AWS's default and ceiling. */
export const DEFAULT_MAX_PER_MINUTE = 1000;
/** The reasonCode the emulator sets when abort criteria cancel a job (AWS's string is undocumented). */
export const ABORT_REASON_CODE = 'ABORT_CRITERIA_MET';

type AttemptStatus = 'SUCCEEDED' | 'FAILED' | 'REJECTED' | 'TIMED_OUT';
const ATTEMPT_STATUSES = new Set<ExecutionStatus>(['SUCCEEDED', 'FAILED', 'REJECTED', 'TIMED_OUT']);

/** Changes an execution's status, keeping the job's counts, the execution's version and times in step. */
export function transition(job: Job, exec: Execution, status: ExecutionStatus, at: number): void {
  job.counts[exec.status]--;
  job.counts[status]++;
  if (exec.status === 'QUEUED' && status === 'IN_PROGRESS') exec.startedAt = at;
  exec.status = status;
  exec.lastUpdatedAt = at;
  exec.versionNumber++;
  if (ATTEMPT_STATUSES.has(status)) {
    job.attempts[status as AttemptStatus]++;
    exec.attempts[status as AttemptStatus]++;
  }
  if (isTerminal(status)) clearTimers(exec);
}

/** Creates a QUEUED execution of `job` on a thing and tells the thing's listeners. */
export function queueExecution(state: ServiceState, job: Job, thingName: string, at: number): Execution {
  const previous = state.latest(job.jobId, thingName);
  const exec: Execution = {
    jobId: job.jobId,
    thingName,
    executionNumber: (previous?.executionNumber ?? 0) + 1,
    status: 'QUEUED',
    queuedAt: at,
    lastUpdatedAt: at,
    versionNumber: 1,
    retryAttempt: 0,
    retriesUsed: { FAILED: 0, TIMED_OUT: 0 },
    attempts: emptyAttempts(),
    timerGeneration: 0,
  };
  state.addExecution(exec);
  job.counts.QUEUED++;
  state.notify(thingName);
  return exec;
}

/** Resolves the job's targets to thing names, things first, then group members; deduplicated. */
export function resolveTargets(state: ServiceState, job: Job): string[] {
  const out = new Set<string>();
  for (const arn of job.targets) {
    const [type, name] = arn.slice(arn.lastIndexOf(':') + 1).split(/\/(.*)/s) as [string, string];
    if (type === 'thing') out.add(name);
    else for (const m of state.registry.membersOf(name)) out.add(m);
  }
  return [...out];
}

/** Starts a job's rollout: resolve its targets, move it to IN_PROGRESS and notify the first batch. */
export function startJob(state: ServiceState, job: Job, at: number): void {
  job.status = 'IN_PROGRESS';
  job.lastUpdatedAt = at;
  const cfg = job.jobExecutionsRolloutConfig;
  const max = cfg?.maximumPerMinute ?? DEFAULT_MAX_PER_MINUTE;
  job.rollout = {
    pending: resolveTargets(state, job),
    ratePerMinute: Math.min(cfg?.exponentialRate?.baseRatePerMinute ?? max, max),
    step: 0,
    notified: 0,
    done: false,
  };
  rolloutBatch(state, job, at);
}

/** Notifies one minute's worth of pending targets and schedules the next batch if any remain. */
export function rolloutBatch(state: ServiceState, job: Job, at: number): void {
  const r = job.rollout;
  if (job.status !== 'IN_PROGRESS' || r.done) return;
  // The succeeded criterion can be met between batches, so the rate is raised before each batch.
  raiseRate(job);
  const batch = r.pending.splice(0, r.ratePerMinute);
  for (const thingName of batch) {
    const latest = state.latest(job.jobId, thingName);
    if (latest && !isTerminal(latest.status)) continue;
    if (latest && job.targetSelection === 'SNAPSHOT') continue;
    queueExecution(state, job, thingName, at);
  }
  r.notified += batch.length;
  if (r.pending.length > 0) {
    state.timers.schedule(at + MINUTE, { kind: 'rollout-batch', jobId: job.jobId });
  } else {
    r.done = true;
    checkCompletion(job, at);
  }
}

/** Applies the exponential rate's increase criteria after a batch (DG worked example). */
function raiseRate(job: Job): void {
  const cfg = job.jobExecutionsRolloutConfig;
  const exp = cfg?.exponentialRate;
  if (!exp) return;
  const max = cfg?.maximumPerMinute ?? DEFAULT_MAX_PER_MINUTE;
  const { numberOfNotifiedThings: n, numberOfSucceededThings: s } = exp.rateIncreaseCriteria;
  const r = job.rollout;
  for (;;) {
    const next = r.step + 1;
    const byNotified = n !== undefined && r.notified >= next * n;
    const bySucceeded = s !== undefined && job.counts.SUCCEEDED >= next * s;
    if (!byNotified && !bySucceeded) return;
    r.step = next;
    r.ratePerMinute = Math.min(Math.floor(r.ratePerMinute * exp.incrementFactor), max);
  }
}

/** Completes the job when nothing is left to do: SNAPSHOT always, CONTINUOUS only after its endTime. */
export function checkCompletion(job: Job, at: number): void {
  if (job.status !== 'IN_PROGRESS' || !job.rollout.done) return;
  if (job.counts.QUEUED + job.counts.IN_PROGRESS > 0) return;
  if (job.targetSelection === 'CONTINUOUS' && !endTimePassed(job, at)) return;
  job.status = 'COMPLETED';
  job.completedAt = at;
  job.lastUpdatedAt = at;
}

function endTimePassed(job: Job, at: number): boolean {
  const end = job.schedulingConfig?.endTime;
  return end !== undefined && Date.parse(end.endsWith('Z') ? end : `${end}Z`) <= at;
}

/**
 * Handles the end of a device-reported or timed-out attempt: abort criteria first (an abort
 * cancels the job, and a canceled job retries nothing), then the retry config, then completion.
 */
export function attemptFinished(state: ServiceState, job: Job, exec: Execution, at: number): void {
  if (job.status === 'IN_PROGRESS' && evaluateAbort(job)) {
    cancelJob(state, job, { force: false, reasonCode: ABORT_REASON_CODE, comment: abortComment(job) }, at);
    return;
  }
  if (job.status === 'IN_PROGRESS' && retry(state, job, exec, at)) return;
  checkCompletion(job, at);
}

/** True when the first satisfied abort criterion, in list order, says to cancel. */
export function evaluateAbort(job: Job): boolean {
  return firstAbortCriterion(job) !== undefined;
}

function firstAbortCriterion(job: Job): number | undefined {
  const a = job.attempts;
  const completed = a.SUCCEEDED + a.FAILED + a.REJECTED + a.TIMED_OUT;
  const list = job.abortConfig?.criteriaList ?? [];
  for (let i = 0; i < list.length; i++) {
    const c = list[i]!;
    if (completed < c.minNumberOfExecutedThings || completed === 0) continue;
    const failures = c.failureType === 'ALL' ? a.FAILED + a.REJECTED + a.TIMED_OUT : a[c.failureType];
    if ((failures / completed) * 100 >= c.thresholdPercentage) return i;
  }
  return undefined;
}

function abortComment(job: Job): string {
  const i = firstAbortCriterion(job) ?? 0;
  const c = job.abortConfig!.criteriaList[i]!;
  return `Job aborted by abort criterion ${i}: ${c.failureType} reached ${c.thresholdPercentage}% after at least ${c.minNumberOfExecutedThings} executed things`;
}

/** Re-queues a FAILED or TIMED_OUT execution when the retry config has budget left; true if it did. */
function retry(state: ServiceState, job: Job, exec: Execution, at: number): boolean {
  if (exec.status !== 'FAILED' && exec.status !== 'TIMED_OUT') return false;
  const list = job.jobExecutionsRetryConfig?.criteriaList ?? [];
  const exact = list.find((c) => c.failureType === exec.status);
  const all = list.find((c) => c.failureType === 'ALL');
  const criterion = exact ?? all;
  if (!criterion) return false;
  const used = exact ? exec.retriesUsed[exec.status] : exec.retriesUsed.FAILED + exec.retriesUsed.TIMED_OUT;
  if (used >= criterion.numberOfRetries) return false;
  exec.retriesUsed[exec.status]++;
  exec.retryAttempt++;
  transition(job, exec, 'QUEUED', at);
  exec.queuedAt = at;
  exec.startedAt = undefined;
  state.notify(exec.thingName);
  return true;
}

/** What CancelJob asks for. */
export interface CancelOptions {
  force: boolean;
  reasonCode?: string;
  comment?: string;
}

/**
 * Cancels a job: no more rollout, QUEUED executions CANCELED, IN_PROGRESS ones too when forced.
 * Terminal executions are left alone.
 */
export function cancelJob(state: ServiceState, job: Job, opts: CancelOptions, at: number): void {
  job.status = 'CANCELED';
  job.forceCanceled = opts.force || undefined;
  job.reasonCode = opts.reasonCode;
  job.comment = opts.comment;
  job.lastUpdatedAt = at;
  job.completedAt = at;
  job.rollout.pending = [];
  job.rollout.done = true;
  for (const list of state.executions.get(job.jobId)?.values() ?? []) {
    for (const exec of list) cancelExecution(job, exec, opts.force, at);
  }
}

/** Cancels one execution if its state allows: QUEUED always, IN_PROGRESS only with force; true if it did. */
export function cancelExecution(job: Job, exec: Execution, force: boolean, at: number): boolean {
  if (exec.status !== 'QUEUED' && !(exec.status === 'IN_PROGRESS' && force)) return false;
  if (exec.status === 'IN_PROGRESS') exec.forceCanceled = true;
  transition(job, exec, 'CANCELED', at);
  return true;
}

/** Starts the in-progress timer when an execution enters IN_PROGRESS, if the job has a timeoutConfig. */
export function startInProgressTimer(state: ServiceState, job: Job, exec: Execution, at: number): void {
  const minutes = job.timeoutConfig?.inProgressTimeoutInMinutes;
  if (minutes === undefined) return;
  exec.inProgressDeadline = at + minutes * MINUTE;
  armTimer(state, exec);
}

/** Sets (minutes > 0) or clears (-1) the step timer; it never reaches past the in-progress deadline. */
export function setStepTimer(state: ServiceState, exec: Execution, minutes: number | undefined, at: number): void {
  if (minutes === undefined) return;
  if (minutes === -1) exec.stepDeadline = undefined;
  else exec.stepDeadline = Math.min(at + minutes * MINUTE, exec.inProgressDeadline ?? Infinity);
  armTimer(state, exec);
}

/** The earliest deadline of an execution's timers, or undefined when none runs. */
export function deadlineOf(exec: Execution): number | undefined {
  const ds = [exec.inProgressDeadline, exec.stepDeadline].filter((d): d is number => d !== undefined);
  return ds.length === 0 ? undefined : Math.min(...ds);
}

function armTimer(state: ServiceState, exec: Execution): void {
  exec.timerGeneration++;
  const at = deadlineOf(exec);
  if (at === undefined) return;
  state.timers.schedule(at, {
    kind: 'execution-timeout',
    jobId: exec.jobId,
    thingName: exec.thingName,
    executionNumber: exec.executionNumber,
    generation: exec.timerGeneration,
  });
}

function clearTimers(exec: Execution): void {
  exec.inProgressDeadline = undefined;
  exec.stepDeadline = undefined;
  exec.timerGeneration++;
}

/** Moves a job to DELETION_IN_PROGRESS; it disappears after a time that grows with its executions. */
export function beginDeletion(state: ServiceState, job: Job, at: number): void {
  let n = 0;
  for (const _ of state.allExecutions(job.jobId)) n++;
  job.status = 'DELETION_IN_PROGRESS';
  job.lastUpdatedAt = at;
  job.rollout.pending = [];
  job.rollout.done = true;
  job.deleteAt = at + state.options.deletionBaseMs + n * state.options.deletionPerExecutionMs;
  state.timers.schedule(job.deleteAt, { kind: 'deletion-complete', jobId: job.jobId });
}

/** Deletes one execution, taking its attempts out of the abort arithmetic. */
export function deleteExecution(state: ServiceState, job: Job, exec: Execution): void {
  job.counts[exec.status]--;
  for (const k of Object.keys(exec.attempts) as AttemptStatus[]) job.attempts[k] -= exec.attempts[k];
  state.removeExecution(exec);
}

/** What each timed event does to its job. */
const ON_EVENT: { [K in ServiceEvent['kind']]: (state: ServiceState, job: Job, event: Extract<ServiceEvent, { kind: K }>, at: number) => void } = {
  'rollout-batch': (state, job, _e, at) => rolloutBatch(state, job, at),
  'job-start': (state, job, _e, at) => {
    if (job.status === 'SCHEDULED') (hasWindows(job) ? startWindowed : startJob)(state, job, at);
  },
  'job-end': (state, job, _e, at) => endJob(state, job, at),
  'window-start': (state, job, _e, at) => windowStarts(state, job, at),
  'window-end': (state, job, _e, at) => windowEnds(state, job, at),
  'deletion-complete': (state, job, _e, at) => {
    if (job.status === 'DELETION_IN_PROGRESS' && job.deleteAt === at) state.removeJob(job.jobId);
  },
  'execution-timeout': (state, job, e, at) => timeOut(state, job, e, at),
};

/** Fires one timed event; events for jobs or executions that are gone are ignored. */
export function fire(state: ServiceState, event: ServiceEvent, at: number): void {
  const job = state.jobs.get(event.jobId);
  if (job) (ON_EVENT[event.kind] as (s: ServiceState, j: Job, e: ServiceEvent, at: number) => void)(state, job, event, at);
}

function timeOut(state: ServiceState, job: Job, event: Extract<ServiceEvent, { kind: 'execution-timeout' }>, at: number): void {
  const exec = state.executionsOf(job.jobId, event.thingName).find((e) => e.executionNumber === event.executionNumber);
  if (!exec || exec.status !== 'IN_PROGRESS' || exec.timerGeneration !== event.generation) return;
  transition(job, exec, 'TIMED_OUT', at);
  attemptFinished(state, job, exec, at);
}

/** Applies the schedulingConfig's endBehavior at endTime (STOP_ROLLOUT when none is given). */
function endJob(state: ServiceState, job: Job, at: number): void {
  if (job.status === 'SCHEDULED') job.status = 'IN_PROGRESS';
  if (job.status !== 'IN_PROGRESS') return;
  const behavior = job.schedulingConfig?.endBehavior ?? 'STOP_ROLLOUT';
  if (behavior === 'STOP_ROLLOUT') {
    job.rollout.pending = [];
    job.rollout.done = true;
    checkCompletion(job, at);
  } else {
    cancelJob(state, job, { force: behavior === 'FORCE_CANCEL', reasonCode: 'SCHEDULED_END_TIME', comment: `Job reached its endTime (${behavior})` }, at);
  }
}

/** Fires every event that is due at `now`, in time order; returns how many fired. */
export function settle(state: ServiceState, now: number): number {
  let fired = 0;
  for (let e = state.timers.popDue(now); e; e = state.timers.popDue(now), fired++) fire(state, e.event, e.at);
  return fired;
}

/** Finds an execution by job, thing and (optionally) number; the latest when no number is given. */
export function findExecution(state: ServiceState, jobId: string, thingName: string, executionNumber?: number): Execution {
  const list = state.executionsOf(jobId, thingName);
  const exec = executionNumber === undefined ? list[list.length - 1] : list.find((e) => e.executionNumber === executionNumber);
  if (!exec) throw notFound('Job execution', `${jobId} on ${thingName}`);
  return exec;
}
