/**
 * The jobs data plane, as devices call it: GetPendingJobExecutions, StartNextPendingJobExecution,
 * DescribeJobExecution and UpdateJobExecution. Jobs being deleted are invisible here.
 */
import { invalidRequest, invalidTransition, notFound, ServiceError } from './errors.js';
import { attemptFinished, findExecution, setStepTimer, startInProgressTimer, transition } from './lifecycle.js';
import type { ServiceState } from './state.js';
import { substitutedDocument } from './template-base.js';
import { isTerminal, type Execution, type ExecutionStatus, type Job } from './types.js';
import { checkJobId, checkStatusDetails, checkThingName, optBoolean, optEnum, optNumber, WHOLE_NUMBER, type NumberRule } from './validate.js';
import { compact, deviceExecutionSummary, deviceExecutionView } from './views.js';

type Input = Record<string, unknown>;

const DEVICE_STATUSES = ['IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'REJECTED'] as const;
/** stepTimeoutInMinutes: -1 clears the step timer, otherwise up to a week. */
const STEP_TIMEOUT: NumberRule = { min: -1, max: 10080 };
const PRESIGN = /\$\{aws:iot:s3-presigned-url:([^}]+)\}/g;

/** The document a device sees: managed-template parameters filled in, and presigned-URL placeholders, which are substituted only here. */
function deviceDocument(job: Job): string | undefined {
  const expires = job.presignedUrlConfig?.expiresInSec ?? 3600;
  return substitutedDocument(job)?.replace(
    PRESIGN,
    (_m, url: string) => `${url}${url.includes('?') ? '&' : '?'}X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=${expires}&X-Amz-Signature=emulated`,
  );
}

/** The thing's non-terminal executions on visible jobs: IN_PROGRESS ones and QUEUED ones, oldest first. */
function pending(state: ServiceState, thingName: string): { inProgress: Execution[]; queued: Execution[] } {
  const inProgress: Execution[] = [];
  const queued: Execution[] = [];
  for (const jobId of state.jobsOfThing.get(thingName) ?? []) {
    const job = state.jobs.get(jobId);
    const exec = state.latest(jobId, thingName);
    if (!job || !exec || job.status === 'DELETION_IN_PROGRESS') continue;
    if (exec.status === 'IN_PROGRESS') inProgress.push(exec);
    else if (exec.status === 'QUEUED') queued.push(exec);
  }
  const order = (a: Execution, b: Execution): number => a.queuedAt - b.queuedAt || (a.jobId < b.jobId ? -1 : 1);
  return { inProgress: inProgress.sort(order), queued: queued.sort(order) };
}

function knownThing(state: ServiceState, input: Input): string {
  const thingName = checkThingName('thingName', input.thingName);
  state.registry.thing(thingName);
  return thingName;
}

/** GetPendingJobExecutions: at most `maxPendingListed` of each list. */
export function getPendingJobExecutions(state: ServiceState, input: Input): Input {
  const p = pending(state, knownThing(state, input));
  const max = state.options.maxPendingListed;
  return {
    inProgressJobs: p.inProgress.slice(0, max).map(deviceExecutionSummary),
    queuedJobs: p.queued.slice(0, max).map(deviceExecutionSummary),
  };
}

/** StartNextPendingJobExecution: an IN_PROGRESS execution first, else the oldest QUEUED one, which starts. */
export function startNextPendingJobExecution(state: ServiceState, input: Input): Input {
  const thingName = knownThing(state, input);
  const details = checkStatusDetails(input.statusDetails);
  const step = optNumber('stepTimeoutInMinutes', input.stepTimeoutInMinutes, STEP_TIMEOUT);
  const p = pending(state, thingName);
  const exec = p.inProgress[0] ?? p.queued[0];
  if (!exec) return {};
  const job = state.job(exec.jobId);
  const at = state.clock.now();
  if (exec.status === 'QUEUED') {
    transition(job, exec, 'IN_PROGRESS', at);
    if (details) exec.statusDetails = details;
    startInProgressTimer(state, job, exec, at);
    setStepTimer(state, exec, step, at);
  }
  return { execution: deviceExecutionView(exec, at, deviceDocument(job)) };
}

function visibleJob(state: ServiceState, jobId: string): Job {
  const job = state.jobs.get(jobId);
  if (!job || job.status === 'DELETION_IN_PROGRESS') throw notFound('Job', jobId);
  return job;
}

/** The data plane's DescribeJobExecution; `$next` names the next pending execution without starting it. */
export function describeDeviceExecution(state: ServiceState, input: Input): Input {
  const thingName = knownThing(state, input);
  const withDoc = optBoolean('includeJobDocument', input.includeJobDocument) ?? true;
  const now = state.clock.now();
  if (input.jobId === '$next') {
    const p = pending(state, thingName);
    const exec = p.inProgress[0] ?? p.queued[0];
    return exec ? { execution: deviceExecutionView(exec, now, withDoc ? deviceDocument(state.job(exec.jobId)) : undefined) } : {};
  }
  const job = visibleJob(state, checkJobId(input.jobId));
  const exec = findExecution(state, job.jobId, thingName, optNumber('executionNumber', input.executionNumber, WHOLE_NUMBER));
  if (isTerminal(exec.status)) throw new ServiceError('TerminalStateException', `The execution of ${job.jobId} on ${thingName} is ${exec.status}`);
  return { execution: deviceExecutionView(exec, now, withDoc ? deviceDocument(job) : undefined) };
}

/** Fails unless `exec` may still be updated at `expected` (any version when undefined). */
function checkUpdatable(exec: Execution, expected: number | undefined): void {
  if (isTerminal(exec.status)) throw invalidTransition(`You cannot update the status of a job execution that is already in a terminal state (${exec.status})`);
  if (expected !== undefined && expected !== exec.versionNumber) {
    throw invalidRequest(`expectedVersion ${expected} does not match the current version ${exec.versionNumber}`);
  }
}

/** What a device reported, for afterReport: the status, whether the execution was QUEUED before, the step timeout and when. */
interface Report {
  status: ExecutionStatus;
  wasQueued: boolean;
  step: number | undefined;
  at: number;
}

/** After a report: IN_PROGRESS starts the in-progress timer (when it was QUEUED) and sets the step timer; any other status finishes the attempt. */
function afterReport(state: ServiceState, job: Job, exec: Execution, report: Report): void {
  if (report.status === 'IN_PROGRESS') {
    if (report.wasQueued) startInProgressTimer(state, job, exec, report.at);
    setStepTimer(state, exec, report.step, report.at);
  } else {
    attemptFinished(state, job, exec, report.at);
  }
}

/** UpdateJobExecution's answer: the execution state and the job document, each when asked for. */
function updateAnswer(job: Job, exec: Execution, input: Input): Input {
  return compact({
    executionState: input.includeJobExecutionState
      ? { status: exec.status, statusDetails: exec.statusDetails ?? {}, versionNumber: exec.versionNumber }
      : undefined,
    jobDocument: input.includeJobDocument ? deviceDocument(job) : undefined,
  });
}

/**
 * UpdateJobExecution: the device reports IN_PROGRESS, SUCCEEDED, FAILED or REJECTED. A version
 * mismatch is InvalidRequestException (the HTTPS shape is undocumented); a terminal execution is
 * InvalidStateTransitionException.
 */
export function updateJobExecution(state: ServiceState, input: Input): Input {
  const thingName = knownThing(state, input);
  const job = visibleJob(state, checkJobId(input.jobId));
  if (input.status === undefined) throw invalidRequest('status is required');
  const status: ExecutionStatus = optEnum('status', input.status, DEVICE_STATUSES)!;
  const details = checkStatusDetails(input.statusDetails);
  const step = optNumber('stepTimeoutInMinutes', input.stepTimeoutInMinutes, STEP_TIMEOUT);
  const expected = optNumber('expectedVersion', input.expectedVersion, WHOLE_NUMBER);
  const exec = findExecution(state, job.jobId, thingName, optNumber('executionNumber', input.executionNumber, WHOLE_NUMBER));
  checkUpdatable(exec, expected);
  const at = state.clock.now();
  const wasQueued = exec.status === 'QUEUED';
  transition(job, exec, status, at);
  if (details) exec.statusDetails = details;
  afterReport(state, job, exec, { status, wasQueued, step, at });
  return updateAnswer(job, exec, input);
}
