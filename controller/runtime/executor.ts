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
import { isOwned, MANAGED_BY, SOURCE_KEY } from '../plan/ownership.js';
import type { Inventory } from './inventory.js';

/** What the executor works with. */
export interface ExecutorDeps {
  jobs: IotJobs;
  inventory: Inventory;
  metrics: Metrics;
  controllerId: string;
}

/** Carries out one action for one manifest; resolves to its outcome, throws on failure. */
export async function execute(action: Action, key: string, desired: DesiredJob | undefined, observed: ObservedJob | undefined, deps: ExecutorDeps): Promise<Outcome> {
  if (action.kind === 'noop') return outcomeOf(action);
  const { jobs } = deps;
  switch (action.kind) {
    case 'wait':
      throw new WaitError(action.reason, action.afterMs);
    case 'create': {
      await jobs.create(need(desired), action.jobId);
      deps.inventory.recordCreated(key, action.jobId);
      break;
    }
    case 'update':
      if (action.claim) await ensureClaimable(action.jobId, action.claim, deps);
      await jobs.update(need(desired), need(observed), action.fields as ComparedField[]);
      for (const field of action.fields) deps.metrics.driftCorrected.inc({ field });
      jobs.invalidate(action.jobId);
      break;
    case 'replace':
      if (action.cancelOld) {
        await ensureOwned(action.oldJobId, key, deps);
        await jobs.cancel(action.oldJobId, { force: false, comment: `Replaced by job ${action.jobId}` });
      }
      await jobs.create(need(desired), action.jobId);
      deps.inventory.recordCreated(key, action.jobId);
      deps.metrics.forgetJob(action.oldJobId);
      break;
    case 'cancel':
      await ensureOwned(action.jobId, key, deps);
      await jobs.cancel(action.jobId, { force: action.force, reasonCode: action.reasonCode, comment: action.comment });
      break;
    case 'delete':
      await ensureOwned(action.jobId, key, deps);
      deps.inventory.recordDeleting(action.jobId);
      await jobs.delete(action.jobId);
      break;
    case 'cancel-execution':
      await ensureOwned(action.jobId, key, deps);
      await jobs.cancelExecution(action.jobId, action.thingName, action.force);
      break;
    case 'delete-execution':
      await ensureOwned(action.jobId, key, deps);
      await jobs.deleteExecution(action.jobId, action.thingName, action.executionNumber, action.force);
      break;
  }
  return outcomeOf(action);
}

function need<T>(v: T | undefined): T {
  if (v === undefined) throw new Error('internal error: the planner chose an action without the data it needs');
  return v;
}

/**
 * Reads the job afresh and refuses unless it is this manifest's: this controller's managed-by tag
 * and the manifest's source-key tag (an adopted or taken-over job is tagged before anything else).
 */
async function ensureOwned(jobId: string, key: string, deps: ExecutorDeps): Promise<void> {
  const fresh = await deps.jobs.readOne(jobId, { fresh: true });
  if (!fresh) throw new WaitError(`job ${jobId} disappeared before it could be changed`, 1_000);
  deps.inventory.recordObserved(fresh);
  if (!isOwned(fresh, deps.controllerId) || fresh.tags[SOURCE_KEY] !== key) {
    throw new TerminalError(`refusing to change job ${jobId}: its tags do not say it is this controller's job for ${key}`);
  }
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
