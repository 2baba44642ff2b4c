/**
 * Pure: planJob maps (desired?, observed?, context) to one Action with a reason. `desired`
 * undefined means the manifest is gone (prune); `observed` undefined means AWS has no job for it.
 * The planner reads no clock, does no I/O and imports no SDK; one reconcile carries out one action
 * and the next reconcile plans again from fresh state.
 */
import type { Action } from '../model/action.js';
import { stateOf, type DeletionPolicy, type DesiredJob, type ExecutionOverride } from '../model/iot-job.js';
import type { ObservedExecution, ObservedJob } from '../model/observed-job.js';
import { differentIn, diffJob } from './diff.js';
import type { ComparedField } from './fields.js';
import { nextFreeJobId, revisionOf } from './job-ids.js';
import { desiredShape, observedShape, type Partition } from './normalize.js';
import { isOwned, MANAGED_BY, recordedDeletionPolicy, SOURCE_KEY } from './ownership.js';
import { GATE_FAILED_REASON, GATE_INTERVAL_MS, planRollout } from './rollout.js';

/** How long to wait before looking at a job that AWS is deleting again. */
export const DELETION_POLL_MS = 5_000;

/** What the planner needs to know besides the two sides. */
export interface PlanContext {
  controllerId: string;
  partition: Partition;
  /** The manifest's newest job, which someone else deleted (so it is not created again); undefined when none was. */
  goneJobId?: string;
  /** True when the observed job belongs to a manifest that is no longer declared and this one takes it over (job-identity.ts decided). */
  takeover?: boolean;
  /** Whether a job id is in use in AWS (a replacement skips it). */
  taken?: (jobId: string) => boolean;
  /** The deletionPolicy of a manifest being deleted, when the source still has it (Kubernetes); else the one recorded on the job applies. */
  deletionPolicy?: DeletionPolicy;
  /** For a removal: another manifest that now declares this job (a rename), which takes it over. */
  claimedBy?: string;
  /** For a removal: the removed manifest's key; a job whose source-key names another manifest is left alone. */
  removedKey?: string;
  /** Epoch milliseconds now (a staged rollout's bake); 0 when not given. */
  now?: number;
  /** How often a wave's gate is judged (plan/rollout.ts GATE_INTERVAL_MS by default). */
  gateIntervalMs?: number;
  /** Why a job that does not exist yet may not be created (spec.dependsOn); `stalled` when only a change to the manifests helps. */
  blocked?: { reason: string; stalled?: boolean };
}

const ACTIVE = new Set(['IN_PROGRESS', 'SCHEDULED']);

/** Plans the next step for one manifest. */
export function planJob(desired: DesiredJob | undefined, observed: ObservedJob | undefined, ctx: PlanContext): Action {
  if (!desired) return planRemoval(observed, ctx);
  if (desired.spec.suspend) return { kind: 'noop', jobId: observed?.jobId, reason: 'suspended: spec.suspend is true' };
  if (!observed) return planMissing(desired, ctx);
  const refused = refuseClaim(desired, observed, ctx);
  if (refused) return refused;
  if (observed.status === 'DELETION_IN_PROGRESS')
    return { kind: 'wait', jobId: observed.jobId, afterMs: DELETION_POLL_MS, reason: `job ${observed.jobId} is being deleted` };
  const claim = planClaim(desired, observed);
  if (claim) return claim;
  return stateOf(desired.spec) === 'Canceled' ? planCanceled(desired, observed) : planActive(desired, observed, ctx);
}

/**
 * A job the manifest may not have: nobody's job without adopt (or with adopt but another id), or
 * a job of ours tagged for another manifest that this one does not take over (job-identity.ts
 * decides takeovers). Undefined when the manifest may have it.
 */
function refuseClaim(desired: DesiredJob, observed: ObservedJob, ctx: PlanContext): Action | undefined {
  const stall = (reason: string): Action => ({ kind: 'noop', jobId: observed.jobId, stalled: true, reason });
  const adopts = desired.spec.adopt === true && observed.jobId === desired.jobId;
  if (!isOwned(observed, ctx.controllerId)) {
    return adopts
      ? undefined
      : stall(`job ${observed.jobId} exists but is not managed by this controller; set spec.adopt: true to take it over, or choose another spec.jobId`);
  }
  const owner = observed.tags[SOURCE_KEY];
  if (owner === desired.key || ctx.takeover) return undefined;
  if (owner === undefined)
    return adopts ? undefined : stall(`job ${observed.jobId} carries this controller's managed-by tag but no source-key; set spec.adopt: true to take it over`);
  return stall(`job ${observed.jobId} belongs to manifest ${owner}; choose another spec.jobId for ${desired.key}`);
}

/**
 * Claims an adopted job, or one of a manifest that is no longer declared (a rename), by tagging it
 * first; the executor checks afresh that its tags are still the ones seen here.
 */
function planClaim(desired: DesiredJob, observed: ObservedJob): Action | undefined {
  const owner = observed.tags[SOURCE_KEY];
  if (owner === desired.key) return undefined;
  const from = owner === undefined ? 'spec.adopt' : `manifest ${owner}, which is no longer declared`;
  const claim = { managedBy: observed.tags[MANAGED_BY], sourceKey: owner };
  return { kind: 'update', jobId: observed.jobId, fields: ['tags'], claim, reason: `takes over job ${observed.jobId} from ${from}` };
}

function planMissing(desired: DesiredJob, ctx: PlanContext): Action {
  if (ctx.goneJobId !== undefined) {
    return {
      kind: 'noop',
      stalled: true,
      reason: `Gone: job ${ctx.goneJobId} of ${desired.key} was deleted outside the controller; it is not created again (change spec.jobId to start a new job, or approve with --approve-recreate ${desired.key})`,
    };
  }
  if (stateOf(desired.spec) === 'Canceled') return { kind: 'noop', reason: 'state is Canceled and there is no job' };
  const b = ctx.blocked;
  if (b)
    return b.stalled ? { kind: 'noop', stalled: true, reason: b.reason } : { kind: 'wait', afterMs: ctx.gateIntervalMs ?? GATE_INTERVAL_MS, reason: b.reason };
  return { kind: 'create', jobId: desired.jobId, reason: `no job ${desired.jobId} exists` };
}

function planCanceled(desired: DesiredJob, observed: ObservedJob): Action {
  const opts = desired.spec.cancel ?? {};
  const force = opts.force ?? false;
  if (ACTIVE.has(observed.status)) {
    return { kind: 'cancel', jobId: observed.jobId, force, reasonCode: opts.reasonCode, comment: opts.comment, reason: 'spec.state is Canceled' };
  }
  if (observed.status === 'CANCELED' && force && !observed.forceCanceled && observed.counts.IN_PROGRESS > 0) {
    return {
      kind: 'cancel',
      jobId: observed.jobId,
      force: true,
      reasonCode: opts.reasonCode,
      comment: opts.comment,
      reason: 'spec.cancel.force is set and executions are still IN_PROGRESS',
    };
  }
  return planOverrides(desired, observed) ?? { kind: 'noop', jobId: observed.jobId, reason: `job is ${observed.status}, as spec.state Canceled asks` };
}

function planActive(desired: DesiredJob, observed: ObservedJob, ctx: PlanContext): Action {
  const unread = new Set<ComparedField>(observed.document === undefined && observed.documentSource === undefined ? ['document'] : []);
  const delta = diffJob(desiredShape(desired, ctx.partition, ctx.controllerId), observedShape(observed), unread);
  const immutable = differentIn(delta, 'replace');
  if (immutable.length > 0) return planReplace(desired, observed, immutable, ctx);
  if (observed.status === 'CANCELED') return canceledElsewhere(observed);
  const mutable = [...differentIn(delta, 'update'), ...differentIn(delta, 'tags')];
  if (mutable.length > 0) {
    if (observed.status === 'COMPLETED')
      return { kind: 'noop', jobId: observed.jobId, reason: `job is COMPLETED; changes to ${mutable.join(', ')} no longer apply` };
    return { kind: 'update', jobId: observed.jobId, fields: mutable, reason: `${mutable.join(', ')} differ from the manifest` };
  }
  return planOverrides(desired, observed) ?? planStaged(desired, observed, ctx) ?? { kind: 'noop', jobId: observed.jobId, reason: 'in sync' };
}

/** A job canceled while the manifest keeps it Active: by a failed wave gate (onGateFailure: Cancel) or outside the controller; never recreated. */
function canceledElsewhere(observed: ObservedJob): Action {
  const stall = (reason: string): Action => ({ kind: 'noop', jobId: observed.jobId, stalled: true, reason });
  if (observed.reasonCode === GATE_FAILED_REASON) return stall(`job ${observed.jobId} was canceled when a wave failed its gate: ${observed.comment ?? ''}`);
  const by = observed.reasonCode ? ` (reasonCode ${observed.reasonCode}${observed.comment ? `: ${observed.comment}` : ''})` : '';
  return stall(`job ${observed.jobId} was canceled outside the controller${by}; it is not recreated`);
}

/** The next step of a staged rollout whose job is running (plan/rollout.ts); undefined without waves. */
function planStaged(desired: DesiredJob, observed: ObservedJob, ctx: PlanContext): Action | undefined {
  if (observed.status !== 'IN_PROGRESS') return undefined;
  return planRollout(desired, observed, { now: ctx.now ?? 0, partition: ctx.partition, gateIntervalMs: ctx.gateIntervalMs });
}

function planReplace(desired: DesiredJob, observed: ObservedJob, fields: ComparedField[], ctx: PlanContext): Action {
  const list = fields.join(', ');
  if ((desired.spec.replacePolicy ?? 'Refuse') !== 'Recreate') {
    return {
      kind: 'noop',
      jobId: observed.jobId,
      stalled: true,
      reason: `${list} cannot be changed on an existing job; set spec.replacePolicy: Recreate to replace it with a new job`,
    };
  }
  const n = revisionOf(desired.jobId, observed.jobId) ?? 1;
  const jobId = nextFreeJobId(desired.jobId, n, ctx.taken ?? (() => false));
  if (jobId === undefined)
    return {
      kind: 'noop',
      jobId: observed.jobId,
      stalled: true,
      reason: `${list} changed, but no free job id follows ${observed.jobId}; choose another spec.jobId`,
    };
  return {
    kind: 'replace',
    oldJobId: observed.jobId,
    jobId,
    cancelOld: ACTIVE.has(observed.status),
    reason: `${list} changed; replacing job ${observed.jobId} with ${jobId}`,
  };
}

/** The first execution override that still has something to do, if any. */
function planOverrides(desired: DesiredJob, observed: ObservedJob): Action | undefined {
  for (const o of desired.spec.executions ?? []) {
    const a = planOverride(o, observed);
    if (a) return a;
  }
  return undefined;
}

/** What one execution override still asks for on the observed job; undefined when the thing has no execution or nothing is left to do. */
function planOverride(o: ExecutionOverride, observed: ObservedJob): Action | undefined {
  const exec = observed.executions?.[o.thingName];
  if (!exec) return undefined;
  return o.action === 'Cancel' ? planCancelExecution(o, exec, observed.jobId) : planDeleteExecution(o, exec, observed.jobId);
}

/** Cancels a QUEUED execution, or an IN_PROGRESS one when the override forces it; undefined otherwise. */
function planCancelExecution(o: ExecutionOverride, exec: ObservedExecution, jobId: string): Action | undefined {
  const force = o.force ?? false;
  if (exec.status === 'QUEUED' || (exec.status === 'IN_PROGRESS' && force)) {
    return { kind: 'cancel-execution', jobId, thingName: o.thingName, force, reason: `spec.executions cancels the execution on ${o.thingName}` };
  }
  return undefined;
}

/** Deletes the execution (the override's executionNumber, else the observed one), unless it is IN_PROGRESS and the override does not force it (undefined). */
function planDeleteExecution(o: ExecutionOverride, exec: ObservedExecution, jobId: string): Action | undefined {
  const force = o.force ?? false;
  if (exec.status === 'IN_PROGRESS' && !force) return undefined;
  const executionNumber = o.executionNumber ?? exec.executionNumber;
  return { kind: 'delete-execution', jobId, thingName: o.thingName, executionNumber, force, reason: `spec.executions deletes the execution on ${o.thingName}` };
}

/** The manifest is gone: apply the deletionPolicy recorded on the job. */
function planRemoval(observed: ObservedJob | undefined, ctx: PlanContext): Action {
  if (!observed) return { kind: 'noop', reason: 'no manifest and no job' };
  return leftToOthers(observed, ctx) ?? applyDeletionPolicy(observed, ctx.deletionPolicy ?? recordedDeletionPolicy(observed));
}

/**
 * A removed manifest's job that is not its to remove: not this controller's, now tagged for another
 * manifest, or declared again by another manifest (a rename) that takes it over. Undefined when
 * the removal may apply the deletionPolicy.
 */
function leftToOthers(observed: ObservedJob, ctx: PlanContext): Action | undefined {
  if (!isOwned(observed, ctx.controllerId)) return { kind: 'noop', jobId: observed.jobId, reason: `job ${observed.jobId} is not managed by this controller` };
  if (ctx.removedKey !== undefined && observed.tags[SOURCE_KEY] !== ctx.removedKey)
    return { kind: 'noop', jobId: observed.jobId, reason: `job ${observed.jobId} now belongs to manifest ${observed.tags[SOURCE_KEY] ?? '(none)'}` };
  if (ctx.claimedBy)
    return { kind: 'noop', jobId: observed.jobId, reason: `manifest removed, but ${ctx.claimedBy} now declares job ${observed.jobId}; it takes the job over` };
  return undefined;
}

/** A removed manifest's own job under its deletionPolicy: Orphan leaves it, an active job is canceled first, Delete deletes it, Cancel keeps a finished one. */
function applyDeletionPolicy(observed: ObservedJob, policy: DeletionPolicy): Action {
  if (policy === 'Orphan') return { kind: 'noop', jobId: observed.jobId, reason: 'manifest removed; deletionPolicy Orphan leaves the job alone' };
  if (observed.status === 'DELETION_IN_PROGRESS')
    return { kind: 'wait', jobId: observed.jobId, afterMs: DELETION_POLL_MS, reason: `job ${observed.jobId} is being deleted` };
  if (ACTIVE.has(observed.status)) {
    return {
      kind: 'cancel',
      jobId: observed.jobId,
      force: false,
      comment: 'The IoTJob manifest was removed from the source',
      reason: `manifest removed; deletionPolicy ${policy} cancels the job first`,
    };
  }
  if (policy === 'Delete') return { kind: 'delete', jobId: observed.jobId, reason: 'manifest removed; deletionPolicy Delete' };
  return { kind: 'noop', jobId: observed.jobId, reason: `manifest removed; job is ${observed.status} and keeps its history` };
}
