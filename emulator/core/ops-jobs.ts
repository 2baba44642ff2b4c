/**
 * Control-plane job operations: CreateJob, UpdateJob, CancelJob, DeleteJob, DescribeJob,
 * GetJobDocument, ListJobs, AssociateTargetsWithJob. Each takes the request as the model names
 * its members (path, query and body merged) and returns the response body.
 */
import { arnOf, parseArn } from './arn.js';
import { invalidRequest, invalidTransition, notFound, ServiceError } from './errors.js';
import { beginDeletion, cancelJob, checkCompletion, queueExecution, resolveTargets, startJob, transition } from './lifecycle.js';
import { checkWindowedJob, scheduledJobRollouts } from './maintenance.js';
import { paginate } from './paging.js';
import { readDocument } from './read-document.js';
import { substitutedDocument, templateBase, type TemplateBase } from './template-base.js';
import type { ServiceState } from './state.js';
import { emptyAttempts, emptyCounts, isTerminal, JOB_STATUSES, type Job, type JobConfig } from './types.js';
import {
  ARN_RULE,
  checkJobConfig,
  checkPlaceholders,
  checkJobId,
  checkMaxResults,
  checkMutableConfig,
  checkReasonCode,
  checkString,
  checkTags,
  checkText,
  MAX_TARGETS,
  MUTABLE_FIELDS,
  optBoolean,
  optEnum,
  optString,
  parseScheduleTime,
} from './validate.js';
import { compact, jobSummary, jobView } from './views.js';

type Input = Record<string, unknown>;

/** Checks that every target ARN names an existing thing or group of this account and region. */
function checkTargets(state: ServiceState, value: unknown, existing = 0): string[] {
  if (!Array.isArray(value) || value.length < 1) throw invalidRequest('targets must list at least one thing or thing group ARN');
  if (value.length + existing > MAX_TARGETS) throw invalidRequest(`a job may have at most ${MAX_TARGETS} targets`);
  return value.map((t, i) => checkTarget(state, `targets[${i}]`, t));
}

/** Checks that one target ARN names an existing thing or group of this account and region; returns it. */
function checkTarget(state: ServiceState, field: string, value: unknown): string {
  const arn = checkString(field, value, ARN_RULE);
  const p = parseArn(arn);
  if (!p || (p.type !== 'thing' && p.type !== 'thinggroup')) throw invalidRequest(`${field} is not a thing or thing group ARN: ${arn}`);
  const kind = p.type === 'thing' ? 'Thing' : 'Thing group';
  if (p.account !== state.partition.account || p.region !== state.partition.region) throw notFound(kind, arn);
  const known = p.type === 'thing' ? state.registry.things : state.registry.groups;
  if (!known.has(p.name)) throw notFound(kind, p.name);
  return arn;
}

/** CreateJob. */
export function createJob(state: ServiceState, input: Input): Input {
  const now = state.clock.now();
  const jobId = checkJobId(input.jobId);
  const existing = state.jobs.get(jobId);
  if (existing) {
    throw new ServiceError('ResourceAlreadyExistsException', `Job ${jobId} already exists`, { resourceId: jobId, resourceArn: existing.jobArn });
  }
  const targets = checkTargets(state, input.targets);
  const requested = checkJobConfig(input, now);
  const base = templateBase(state, input, requested);
  const config = base ? withTemplate(base, requested) : requested;
  const doc = base && !givesDocument(input) ? { document: base.document, documentSource: base.documentSource } : readDocument(state, input);
  if (doc.document !== undefined) checkPlaceholders(doc.document, config.presignedUrlConfig);
  const targetSelection = optEnum('targetSelection', input.targetSelection, ['SNAPSHOT', 'CONTINUOUS'] as const) ?? 'SNAPSHOT';
  checkWindowedJob(config, targetSelection);
  const job: Job = {
    ...config,
    ...doc,
    jobId,
    jobArn: arnOf(state.partition, 'job', jobId),
    targets,
    targetSelection,
    status: 'SCHEDULED',
    createdAt: now,
    lastUpdatedAt: now,
    tags: checkTags(input.tags),
    counts: emptyCounts(),
    attempts: emptyAttempts(),
    rollout: { pending: [], ratePerMinute: 0, step: 0, notified: 0, done: false },
  };
  state.jobs.set(jobId, job);
  if (job.targetSelection === 'CONTINUOUS') state.continuousJobs.add(jobId);
  scheduleOrStart(state, job, now);
  return compact({ jobArn: job.jobArn, jobId, description: job.description });
}

/** Whether a CreateJob request gives its own document (inline or from S3). */
function givesDocument(input: Input): boolean {
  return (input.document ?? input.documentSource) !== undefined && (input.document ?? input.documentSource) !== null;
}

/** The request's configuration over its template's: what the request gives wins, field by field; the template's maintenance windows join a schedulingConfig without its own. */
function withTemplate(base: TemplateBase, requested: JobConfig): JobConfig {
  const config: JobConfig = { ...base, ...compact({ ...requested }) };
  const windows = base.schedulingConfig?.maintenanceWindows;
  if (windows && !requested.schedulingConfig?.maintenanceWindows) config.schedulingConfig = { ...requested.schedulingConfig, maintenanceWindows: windows };
  delete (config as Partial<TemplateBase>).document;
  delete (config as Partial<TemplateBase>).documentSource;
  return config;
}

function scheduleOrStart(state: ServiceState, job: Job, now: number): void {
  const sc = job.schedulingConfig;
  if (sc?.endTime) state.timers.schedule(parseScheduleTime('endTime', sc.endTime), { kind: 'job-end', jobId: job.jobId });
  if (sc?.startTime) state.timers.schedule(parseScheduleTime('startTime', sc.startTime), { kind: 'job-start', jobId: job.jobId });
  else startJob(state, job, now);
}

/** UpdateJob: changes only the mutable fields; retries can only be set to 0. */
export function updateJob(state: ServiceState, input: Input): Input {
  const job = state.job(checkJobId(input.jobId));
  if (job.status === 'DELETION_IN_PROGRESS' || job.status === 'COMPLETED' || job.status === 'CANCELED') {
    throw invalidRequest(`Job ${job.jobId} is ${job.status} and cannot be updated`);
  }
  const changes = checkMutableConfig(input);
  checkRetryUpdate(job, changes.jobExecutionsRetryConfig);
  let changed = false;
  for (const field of MUTABLE_FIELDS) {
    if (changes[field] === undefined) continue;
    (job as unknown as Record<string, unknown>)[field] = changes[field];
    changed = true;
  }
  if (changed) job.lastUpdatedAt = state.clock.now();
  return {};
}

/** DG: "the number of retries can't be updated, it can only be set to 0". */
function checkRetryUpdate(job: Job, next: Job['jobExecutionsRetryConfig']): void {
  if (!next) return;
  for (const c of next.criteriaList) {
    const current = job.jobExecutionsRetryConfig?.criteriaList.find((x) => x.failureType === c.failureType)?.numberOfRetries;
    if (c.numberOfRetries !== 0 && c.numberOfRetries !== current) {
      throw invalidRequest(`jobExecutionsRetryConfig: numberOfRetries for ${c.failureType} can only be set to 0`);
    }
  }
}

/**
 * CancelJob. A SCHEDULED or IN_PROGRESS job is canceled; a job canceled without force may be
 * canceled again with force, to cancel its IN_PROGRESS executions. Anything else is refused.
 */
export function cancelJobOp(state: ServiceState, input: Input): Input {
  const job = state.job(checkJobId(input.jobId));
  const force = optBoolean('force', input.force) ?? false;
  const reasonCode = checkReasonCode(input.reasonCode);
  const comment = checkText('comment', input.comment);
  const upgrade = job.status === 'CANCELED' && force && !job.forceCanceled;
  checkCancelable(job, upgrade);
  // A forced cancel of a canceled job keeps the first cancel's reason and comment unless it gives new ones.
  const kept: Pick<Job, 'reasonCode' | 'comment'> = upgrade ? job : {};
  const at = state.clock.now();
  cancelJob(state, job, { force, reasonCode: reasonCode ?? kept.reasonCode, comment: comment ?? kept.comment }, at);
  return compact({ jobArn: job.jobArn, jobId: job.jobId, description: job.description });
}

/** Fails unless the job is SCHEDULED or IN_PROGRESS, or this cancel is the forced upgrade of an unforced one. */
function checkCancelable(job: Job, upgrade: boolean): void {
  if (job.status !== 'IN_PROGRESS' && job.status !== 'SCHEDULED' && !upgrade) {
    throw invalidRequest(`Job ${job.jobId} is ${job.status}${job.status === 'CANCELED' ? ' already' : ''} and cannot be canceled`);
  }
}

/** DeleteJob: terminal jobs always, IN_PROGRESS or SCHEDULED ones only with force; at most N deletions at once. */
export function deleteJob(state: ServiceState, input: Input): Input {
  const job = state.job(checkJobId(input.jobId));
  const force = optBoolean('force', input.force) ?? false;
  if (job.status === 'DELETION_IN_PROGRESS') throw invalidTransition(`Job ${job.jobId} is already being deleted`);
  if ((job.status === 'IN_PROGRESS' || job.status === 'SCHEDULED') && !force) {
    throw invalidTransition(`Job ${job.jobId} is ${job.status}; deleting it needs force=true`);
  }
  if (state.deletionsInProgress() >= state.options.maxConcurrentDeletions) {
    throw new ServiceError('LimitExceededException', `At most ${state.options.maxConcurrentDeletions} jobs can be in DELETION_IN_PROGRESS at once`);
  }
  beginDeletion(state, job, state.clock.now());
  return {};
}

/** DescribeJob. */
export function describeJob(state: ServiceState, input: Input): Input {
  const job = state.job(checkJobId(input.jobId));
  return compact({
    documentSource: job.documentSource,
    job: { ...jobView(job), ...compact({ scheduledJobRollouts: scheduledJobRollouts(job, state.clock.now()) }) },
  });
}

/**
 * GetJobDocument: the document with its managed-template parameters filled in, or as stored with
 * beforeSubstitution. Presigned-URL placeholders stay: only devices get those substituted.
 */
export function getJobDocument(state: ServiceState, input: Input): Input {
  const job = state.job(checkJobId(input.jobId));
  return compact({ document: optBoolean('beforeSubstitution', input.beforeSubstitution) ? job.document : substitutedDocument(job) });
}

/** ListJobs with the status, targetSelection, thingGroupName, thingGroupId and namespaceId filters (combined with AND). */
export function listJobs(state: ServiceState, input: Input): Input {
  const status = optEnum('status', input.status, JOB_STATUSES);
  const selection = optEnum('targetSelection', input.targetSelection, ['SNAPSHOT', 'CONTINUOUS'] as const);
  const groupName = optString('thingGroupName', input.thingGroupName, { min: 1, max: 128, pattern: /^[a-zA-Z0-9:_-]+$/ });
  const groupId = optString('thingGroupId', input.thingGroupId, { min: 1, max: 128, pattern: /^[a-zA-Z0-9-]+$/ });
  const group = groupName !== undefined ? state.registry.groups.get(groupName) : undefined;
  const groupArn = group?.thingGroupArn ?? (groupName !== undefined ? arnOf(state.partition, 'thinggroup', groupName) : undefined);
  const byId = groupId !== undefined ? [...state.registry.groups.values()].find((g) => g.thingGroupId === groupId) : undefined;
  const namespace = optString('namespaceId', input.namespaceId, { min: 1, max: 64, pattern: /^[a-zA-Z0-9_-]+$/ });
  const inNamespace = (j: Job): boolean => namespace === undefined || j.namespaceId === namespace;
  const matches = (j: Job): boolean =>
    inNamespace(j) &&
    (status === undefined || j.status === status) &&
    (selection === undefined || j.targetSelection === selection) &&
    (groupArn === undefined || j.targets.includes(groupArn)) &&
    (groupId === undefined || (byId !== undefined && j.targets.includes(byId.thingGroupArn)));
  const page = paginate(filter(state.jobs.values(), matches), (j) => j.jobId, checkMaxResults(input.maxResults), input.nextToken as string | undefined);
  return compact({ jobs: page.items.map((j) => jobSummary(j, firstGroupId(state, j))), nextToken: page.nextToken });
}

function* filter<T>(items: Iterable<T>, keep: (t: T) => boolean): Iterable<T> {
  for (const t of items) if (keep(t)) yield t;
}

function firstGroupId(state: ServiceState, job: Job): string | undefined {
  for (const arn of job.targets) {
    const p = parseArn(arn);
    if (p?.type === 'thinggroup') return state.registry.groups.get(p.name)?.thingGroupId;
  }
  return undefined;
}

/** AssociateTargetsWithJob: CONTINUOUS IN_PROGRESS jobs only; new targets are notified at once. */
export function associateTargetsWithJob(state: ServiceState, input: Input): Input {
  const job = state.job(checkJobId(input.jobId));
  if (job.targetSelection !== 'CONTINUOUS' || job.status !== 'IN_PROGRESS') {
    throw invalidRequest(`Targets can be added only to a CONTINUOUS job that is IN_PROGRESS; ${job.jobId} is ${job.targetSelection} ${job.status}`);
  }
  checkText('comment', input.comment);
  const added = checkTargets(state, input.targets).filter((t) => !job.targets.includes(t));
  if (job.targets.length + added.length > MAX_TARGETS) throw new ServiceError('LimitExceededException', `a job may have at most ${MAX_TARGETS} targets`);
  job.targets.push(...added);
  const at = state.clock.now();
  for (const thingName of resolveTargets(state, { ...job, targets: added })) {
    const latest = state.latest(job.jobId, thingName);
    if (!latest || latest.status === 'REMOVED') queueExecution(state, job, thingName, at);
  }
  job.lastUpdatedAt = at;
  return compact({ jobArn: job.jobArn, jobId: job.jobId, description: job.description });
}

/** Follows group membership for CONTINUOUS IN_PROGRESS jobs: joiners get an execution, leavers' pending ones are REMOVED. */
export function followMembership(state: ServiceState, change: { thingName: string; groupName: string; joined: boolean }): void {
  const at = state.clock.now();
  const groupArns = new Set(state.registry.ancestry(change.groupName).map((g) => arnOf(state.partition, 'thinggroup', g)));
  for (const jobId of state.continuousJobs) {
    const job = state.jobs.get(jobId);
    if (job && followsGroups(job, groupArns)) applyMembership(state, job, change, at);
  }
}

/** Whether `job` is IN_PROGRESS and targets one of the group ARNs. */
function followsGroups(job: Job, groupArns: Set<string>): boolean {
  return job.status === 'IN_PROGRESS' && job.targets.some((t) => groupArns.has(t));
}

/** A joiner without a live execution gets one; a leaver no longer targeted otherwise has its pending execution REMOVED. */
function applyMembership(state: ServiceState, job: Job, change: { thingName: string; joined: boolean }, at: number): void {
  const latest = state.latest(job.jobId, change.thingName);
  if (change.joined) {
    if (!latest || latest.status === 'REMOVED') queueExecution(state, job, change.thingName, at);
  } else if (latest && !isTerminal(latest.status) && !isTargeted(state, job, change.thingName)) {
    transition(job, latest, 'REMOVED', at);
    checkCompletion(job, at);
  }
}

function isTargeted(state: ServiceState, job: Job, thingName: string): boolean {
  if (job.targets.includes(arnOf(state.partition, 'thing', thingName))) return true;
  for (const g of state.registry.effectiveGroups(thingName)) if (job.targets.includes(arnOf(state.partition, 'thinggroup', g))) return true;
  return false;
}
