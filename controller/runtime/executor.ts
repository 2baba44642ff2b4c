/**
 * execute(action): the one place that changes AWS. Before anything destructive it reads the job
 * again, bypassing caches, and refuses to touch a job this controller does not own (unless the
 * manifest adopts it).
 */
import type { IotJobs } from '../aws/iot-jobs.js';
import { outcomeOf, type Action, type JobClaim, type Outcome } from '../model/action.js';
import { TerminalError, WaitError } from '../model/errors.js';
import type { DesiredJob } from '../model/iot-job.js';
import type { ObservedJob } from '../model/observed-job.js';
import type { Metrics } from '../observability/metrics.js';
import type { ComparedField } from '../plan/fields.js';
import { existingJobConflict } from '../plan/existing-create.js';
import type { Partition } from '../plan/normalize.js';
import { isOwned, MANAGED_BY, SOURCE_KEY } from '../plan/ownership.js';
import type { Inventory } from './inventory.js';

/** What the executor works with. */
export interface ExecutorDeps {
  jobs: IotJobs;
  inventory: Inventory;
  metrics: Metrics;
  controllerId: string;
  /** The partition the account is in (for judging an existing job's targets). */
  partition: Partition;
}

/** The manifest an action is carried out for: its key, its desired job (undefined: the manifest is gone) and the job observed for it (undefined: AWS has none). */
export interface ExecuteTarget {
  key: string;
  desired?: DesiredJob;
  observed?: ObservedJob;
}

/** An action that changes AWS (neither a noop nor a wait). */
type Mutation = Exclude<Action, { kind: 'noop' } | { kind: 'wait' }>;

/** Carries out one action for one manifest; resolves to its outcome, throws on failure (a wait throws its WaitError). */
export async function execute(action: Action, target: ExecuteTarget, deps: ExecutorDeps): Promise<Outcome> {
  if (action.kind === 'noop') return outcomeOf(action);
  if (action.kind === 'wait') throw new WaitError(action.reason, action.afterMs);
  await mutate(action, target, deps);
  return outcomeOf(action);
}

/** Makes the AWS calls of one mutation; every destructive one after a fresh read shows the job is this manifest's. */
async function mutate(action: Mutation, target: ExecuteTarget, deps: ExecutorDeps): Promise<void> {
  const { jobs } = deps;
  const { key } = target;
  switch (action.kind) {
    case 'create':
      return create(action.jobId, target, deps);
    case 'update':
      return update(action, target, deps);
    case 'replace':
      return replace(action, target, deps);
    case 'cancel':
      await ensureOwned(action.jobId, key, deps);
      return jobs.cancel(action.jobId, { force: action.force, reasonCode: action.reasonCode, comment: action.comment });
    case 'delete':
      await ensureOwned(action.jobId, key, deps);
      deps.inventory.recordDeleting(action.jobId);
      return jobs.delete(action.jobId);
    case 'cancel-execution':
      await ensureOwned(action.jobId, key, deps);
      return jobs.cancelExecution(action.jobId, action.thingName, action.force);
    case 'delete-execution':
      await ensureOwned(action.jobId, key, deps);
      return jobs.deleteExecution(action.jobId, action.thingName, action.executionNumber, action.force);
    case 'record':
      return jobs.tag(await ensureOwned(action.jobId, key, deps), { [action.tag]: action.value });
    case 'promote':
      await ensureOwned(action.jobId, key, deps);
      return jobs.associateTargets(action.jobId, action.targets, `wave ${action.wave} of ${key}`);
  }
}

/** UpdateJob with the planned fields (a claim is checked afresh first), one drift count per field, and the job's cache invalidated. */
async function update(action: Extract<Action, { kind: 'update' }>, target: ExecuteTarget, deps: ExecutorDeps): Promise<void> {
  if (action.claim) await ensureClaimable(action.jobId, action.claim, deps);
  await deps.jobs.update(need(target.desired), need(target.observed), action.fields as ComparedField[]);
  for (const field of action.fields) deps.metrics.driftCorrected.inc({ field });
  deps.jobs.invalidate(action.jobId);
}

/** Cancels the old job when it is still active (checked afresh), creates the new one, and forgets the old job's series. */
async function replace(action: Extract<Action, { kind: 'replace' }>, target: ExecuteTarget, deps: ExecutorDeps): Promise<void> {
  if (action.cancelOld) {
    await ensureOwned(action.oldJobId, target.key, deps);
    await deps.jobs.cancel(action.oldJobId, { force: false, comment: `Replaced by job ${action.jobId}` });
  }
  await create(action.jobId, target, deps);
  deps.metrics.forgetJob(action.oldJobId);
}

/** CreateJob; a job that exists already with that id counts as created only when it is this manifest's own identical job (a retry whose answer was lost). */
async function create(jobId: string, target: ExecuteTarget, deps: ExecutorDeps): Promise<void> {
  const desired = need(target.desired);
  const result = await deps.jobs.create(desired, jobId);
  if ('exists' in result) {
    const conflict = existingJobConflict(desired, result.exists, deps.partition, deps.controllerId);
    if (conflict) throw new TerminalError(conflict);
  }
  deps.inventory.recordCreated(target.key, jobId);
}

/** The value the planner's action needs; an internal error when it is undefined (the planner chose an action without it). */
function need<T>(v: T | undefined): T {
  if (v === undefined) throw new Error('internal error: the planner chose an action without the data it needs');
  return v;
}

/**
 * Reads the job afresh and refuses unless it is this manifest's: this controller's managed-by tag
 * and the manifest's source-key tag (an adopted or taken-over job is tagged before anything else).
 */
async function ensureOwned(jobId: string, key: string, deps: ExecutorDeps): Promise<ObservedJob> {
  const fresh = await deps.jobs.readOne(jobId, { fresh: true });
  if (!fresh) throw new WaitError(`job ${jobId} disappeared before it could be changed`, 1_000);
  deps.inventory.recordObserved(fresh);
  if (!isOwned(fresh, deps.controllerId) || fresh.tags[SOURCE_KEY] !== key) {
    throw new TerminalError(`refusing to change job ${jobId}: its tags do not say it is this controller's job for ${key}`);
  }
  return fresh;
}

/** Reads the job afresh before claiming it (adopt, rename) and refuses when its ownership tags changed since the plan. */
async function ensureClaimable(jobId: string, claim: JobClaim, deps: ExecutorDeps): Promise<void> {
  const fresh = await deps.jobs.readOne(jobId, { fresh: true });
  if (!fresh) throw new WaitError(`job ${jobId} disappeared before it could be claimed`, 1_000);
  deps.inventory.recordObserved(fresh);
  if (fresh.tags[MANAGED_BY] !== claim.managedBy || fresh.tags[SOURCE_KEY] !== claim.sourceKey) {
    throw new WaitError(`job ${jobId}'s ownership tags changed since it was planned; planning again`, 1_000);
  }
}
