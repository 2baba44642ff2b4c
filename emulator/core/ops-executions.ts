/**
 * Control-plane execution and tag operations: ListJobExecutionsForJob, ListJobExecutionsForThing,
 * DescribeJobExecution, CancelJobExecution, DeleteJobExecution, TagResource, UntagResource,
 * ListTagsForResource.
 */
import { arnOf, parseArn } from './arn.js';
import { invalidRequest, invalidTransition, notFound, ServiceError } from './errors.js';
import { cancelExecution, checkCompletion, deleteExecution, findExecution } from './lifecycle.js';
import { paginate } from './paging.js';
import type { ServiceState } from './state.js';
import { EXECUTION_STATUSES, isTerminal, type Execution } from './types.js';
import {
  checkJobId,
  checkMaxResults,
  checkNumber,
  checkStatusDetails,
  checkString,
  checkTags,
  checkThingName,
  optBoolean,
  optEnum,
  optNumber,
  ARN_RULE,
  WHOLE_NUMBER,
} from './validate.js';
import { compact, executionSummary, executionView } from './views.js';

type Input = Record<string, unknown>;

const execKey = (e: Execution): string => `${e.thingName}\u0000${String(e.executionNumber).padStart(20, '0')}`;

/** ListJobExecutionsForJob, optionally filtered by status. */
export function listJobExecutionsForJob(state: ServiceState, input: Input): Input {
  const job = state.job(checkJobId(input.jobId));
  const status = optEnum('status', input.status, EXECUTION_STATUSES);
  const items = [...state.allExecutions(job.jobId)].filter((e) => status === undefined || e.status === status);
  const page = paginate(items, execKey, checkMaxResults(input.maxResults), input.nextToken as string | undefined);
  return compact({
    executionSummaries: page.items.map((e) => ({ thingArn: arnOf(state.partition, 'thing', e.thingName), jobExecutionSummary: executionSummary(e) })),
    nextToken: page.nextToken,
  });
}

/** ListJobExecutionsForThing, optionally filtered by status and jobId. */
export function listJobExecutionsForThing(state: ServiceState, input: Input): Input {
  const thingName = checkThingName('thingName', input.thingName);
  state.registry.thing(thingName);
  const status = optEnum('status', input.status, EXECUTION_STATUSES);
  const jobFilter = input.jobId === undefined ? undefined : checkJobId(input.jobId);
  const items: Execution[] = [];
  for (const jobId of state.jobsOfThing.get(thingName) ?? []) {
    if (jobFilter !== undefined && jobId !== jobFilter) continue;
    for (const e of state.executionsOf(jobId, thingName)) if (status === undefined || e.status === status) items.push(e);
  }
  const key = (e: Execution): string => `${e.jobId}\u0000${String(e.executionNumber).padStart(20, '0')}`;
  const page = paginate(items, key, checkMaxResults(input.maxResults), input.nextToken as string | undefined);
  return compact({ executionSummaries: page.items.map((e) => ({ jobId: e.jobId, jobExecutionSummary: executionSummary(e) })), nextToken: page.nextToken });
}

/** The control plane's DescribeJobExecution: the latest execution unless a number is given. */
export function describeJobExecution(state: ServiceState, input: Input): Input {
  const jobId = checkJobId(input.jobId);
  const thingName = checkThingName('thingName', input.thingName);
  const exec = findExecution(state, jobId, thingName, optNumber('executionNumber', input.executionNumber, WHOLE_NUMBER));
  return { execution: executionView(exec, arnOf(state.partition, 'thing', thingName), state.clock.now()) };
}

/** CancelJobExecution: QUEUED always, IN_PROGRESS with force; terminal executions are refused. */
export function cancelJobExecution(state: ServiceState, input: Input): Input {
  const job = state.job(checkJobId(input.jobId));
  const thingName = checkThingName('thingName', input.thingName);
  const force = optBoolean('force', input.force) ?? false;
  const expected = optNumber('expectedVersion', input.expectedVersion, WHOLE_NUMBER);
  const details = checkStatusDetails(input.statusDetails);
  const exec = findExecution(state, job.jobId, thingName);
  if (expected !== undefined && expected !== exec.versionNumber) {
    throw new ServiceError('VersionConflictException', `expectedVersion ${expected} does not match the current version ${exec.versionNumber}`);
  }
  if (isTerminal(exec.status)) throw invalidTransition(`The execution of ${job.jobId} on ${thingName} is already ${exec.status}`);
  if (details) exec.statusDetails = { ...exec.statusDetails, ...details };
  const at = state.clock.now();
  if (!cancelExecution(job, exec, force, at)) {
    throw invalidTransition(`The execution of ${job.jobId} on ${thingName} is IN_PROGRESS; canceling it needs force=true`);
  }
  checkCompletion(job, at);
  return {};
}

/** DeleteJobExecution: terminal or QUEUED executions always, IN_PROGRESS ones with force. */
export function deleteJobExecution(state: ServiceState, input: Input): Input {
  const job = state.job(checkJobId(input.jobId));
  const thingName = checkThingName('thingName', input.thingName);
  const number = checkNumber('executionNumber', input.executionNumber, WHOLE_NUMBER);
  const force = optBoolean('force', input.force) ?? false;
  const exec = findExecution(state, job.jobId, thingName, number);
  if (exec.status === 'IN_PROGRESS' && !force) {
    throw invalidTransition(`The execution of ${job.jobId} on ${thingName} is IN_PROGRESS; deleting it needs force=true`);
  }
  deleteExecution(state, job, exec);
  checkCompletion(job, state.clock.now());
  return {};
}

/** The tag map of the resource an ARN names: a job, job template or thing group of this account. */
function tagsOf(state: ServiceState, resourceArn: unknown): Record<string, string> {
  const arn = checkString('resourceArn', resourceArn, ARN_RULE);
  const p = parseArn(arn);
  if (!p) throw invalidRequest(`resourceArn is not a valid ARN: ${arn}`);
  if (p.account !== state.partition.account || p.region !== state.partition.region) throw notFound('Resource', arn);
  if (p.type === 'job') return state.job(p.name).tags;
  if (p.type === 'jobtemplate') return state.jobTemplate(p.name).tags;
  if (p.type === 'thinggroup') return state.registry.group(p.name).tags;
  throw invalidRequest(`resources of type ${p.type} cannot be tagged here`);
}

/** TagResource: adds or overwrites tags (at most 50 per resource). */
export function tagResource(state: ServiceState, input: Input): Input {
  const tags = tagsOf(state, input.resourceArn);
  const add = checkTags(input.tags);
  if (Object.keys({ ...tags, ...add }).length > 50) throw new ServiceError('LimitExceededException', 'a resource may have at most 50 tags');
  Object.assign(tags, add);
  return {};
}

/** UntagResource: removes the named keys; absent keys are ignored. */
export function untagResource(state: ServiceState, input: Input): Input {
  const tags = tagsOf(state, input.resourceArn);
  if (!Array.isArray(input.tagKeys)) throw invalidRequest('tagKeys must be a list');
  for (const k of input.tagKeys) delete tags[checkString('tagKeys[]', k, { min: 1, max: 128 })];
  return {};
}

/** ListTagsForResource, paged by nextToken. */
export function listTagsForResource(state: ServiceState, input: Input): Input {
  const tags = tagsOf(state, input.resourceArn);
  const page = paginate(Object.entries(tags), ([k]) => k, undefined, input.nextToken as string | undefined);
  return compact({ tags: page.items.map(([Key, Value]) => ({ Key, Value })), nextToken: page.nextToken });
}
