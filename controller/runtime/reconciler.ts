/**
 * reconcile(key): read desired from the source and observed from AWS (or from the inventory when
 * ListJobs shows a terminal job unchanged), plan one action, execute it, and in `finally` record
 * the outcome once: metrics, one log line, and the status hook (ARCHITECTURE.md flow).
 */
import type { IotJobs } from '../aws/iot-jobs.js';
import { mutates, outcomeOf, type Action, type Outcome } from '../model/action.js';
import { TerminalError, WaitError } from '../model/errors.js';
import type { DesiredJob } from '../model/iot-job.js';
import type { ObservedJob } from '../model/observed-job.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { resultOf, type ReconcileReport, type ReconcileResult } from '../model/report.js';
import { identify, inFamily, type JobIdentity, type JobOwner } from '../plan/job-identity.js';
import { planJob } from '../plan/planner.js';
import type { DesiredSource } from '../sources/source.js';
import type { Clock } from '../model/clock.js';
import { execute } from './executor.js';
import type { FailedThingsReader } from './failed-things.js';
import type { AccountLookup, ReconcileHooks } from './hooks.js';
import type { Inventory } from './inventory.js';
import type { PruneGate } from './prune-gate.js';

/** How a reconcile ends for the queue: done, again after a delay, or back off. */
export interface ReconcileOutcome {
  result: ReconcileResult;
  requeueAfterMs?: number;
}

/** Everything a reconcile needs. */
export interface ReconcilerDeps {
  source: DesiredSource;
  jobs: IotJobs;
  inventory: Inventory;
  metrics: Metrics;
  logger: Logger;
  clock: Clock;
  controllerId: string;
  accounts: AccountLookup;
  /** Whether removed manifests may be pruned now (the prune guard). */
  pruneGate: Pick<PruneGate, 'allowed'>;
  hooks: ReconcileHooks;
  /** Reads the failed things of jobs whose failures moved (Kubernetes mode shows them); undefined: never. */
  failedThings?: FailedThingsReader;
  /** Plan only: nothing is executed. */
  dryRun?: boolean;
  /** Requeue after a change to see its effect. */
  settleMs?: number;
}

/** Reconciles one manifest key at a time. */
export class Reconciler {
  /** The last progress logged per job, so a line is written only when something moved. */
  private readonly progress = new Map<string, string>();

  constructor(private readonly d: ReconcilerDeps) {}

  async reconcile(key: string): Promise<ReconcileOutcome> {
    const started = this.d.clock.now();
    const report = this.newReport(key);
    try {
      return await this.run(report);
    } catch (err) {
      return this.failed(report, err);
    } finally {
      this.record(report, started);
      await this.d.hooks.afterReconcile(report);
    }
  }

  /** A report for `key` before anything is known: unchanged, at the source's revision. */
  private newReport(key: string): ReconcileReport {
    const desired = this.d.source.get(key);
    const leaving = desired ? undefined : this.d.source.leaving?.(key);
    // A Kubernetes object's revision is its generation; a directory snapshot's is its commit or digest.
    const generation = (desired ?? leaving)?.generation;
    const revision = generation !== undefined ? String(generation) : this.d.source.status().revision;
    return { key, desired, leaving, revision, outcome: 'unchanged', result: 'success' };
  }

  /** Observes, plans one action and carries it out (unless planning only). */
  private async run(report: ReconcileReport): Promise<ReconcileOutcome> {
    const d = this.d;
    const { key, desired, leaving } = report;
    const held = desired || leaving ? undefined : this.withoutManifest(key);
    if (held) return this.settle(report, held, outcomeOf(held));
    if (desired) await d.accounts.ensure(desired.spec.targets);
    const { observed, identity } = desired ? await this.observeDesired(desired) : { observed: await this.observeOwned(key), identity: undefined };
    report.observed = observed;
    const action = planJob(desired, observed, {
      controllerId: d.controllerId,
      partition: d.accounts.partition(),
      goneJobId: identity?.kind === 'gone' ? identity.jobId : undefined,
      declared: (k) => d.source.get(k) !== undefined,
      taken: (jobId) => d.inventory.taken(jobId),
      deletionPolicy: leaving?.spec.deletionPolicy,
      claimedBy: desired || !observed ? undefined : this.claimant(key, observed.jobId),
    });
    report.action = action;
    if (d.dryRun) return this.settle(report, action, action.kind === 'noop' ? outcomeOf(action) : 'planned');
    if (desired && mutates(action)) await d.hooks.beforeMutate(key);
    return this.settle(report, action, await execute(action, key, desired, observed, { jobs: d.jobs, inventory: d.inventory, metrics: d.metrics, controllerId: d.controllerId }));
  }

  /** Records the action and its outcome; a change is looked at again after settleMs, a wait after its delay. */
  private settle(report: ReconcileReport, action: Action, outcome: Outcome): ReconcileOutcome {
    report.action = action;
    report.outcome = outcome;
    report.result = resultOf(outcome);
    if (action.kind === 'wait') return { result: report.result, requeueAfterMs: action.afterMs };
    return mutates(action) && outcome !== 'planned' ? { result: report.result, requeueAfterMs: this.d.settleMs ?? 2_000 } : { result: report.result };
  }

  /** An error's outcome: a WaitError waits, a TerminalError stalls, anything else fails and is thrown on (backoff). */
  private failed(report: ReconcileReport, err: unknown): ReconcileOutcome {
    report.error = (err as Error).message;
    report.outcome = err instanceof WaitError ? 'waiting' : err instanceof TerminalError ? 'stalled' : 'failed';
    report.result = resultOf(report.outcome);
    if (err instanceof WaitError) return { result: report.result, requeueAfterMs: err.afterMs };
    if (err instanceof TerminalError) return { result: report.result };
    throw err;
  }

  /**
   * What happens to a key with no manifest to reconcile: a problem with the manifest holds it (or
   * waits), a source that does not prune absent manifests leaves the job alone, and the prune guard
   * may hold a removal back. Undefined when the removal goes ahead.
   */
  private withoutManifest(key: string): Action | undefined {
    const problem = this.d.source.problemOf?.(key);
    if (problem?.waiting) return { kind: 'wait', afterMs: 1_000, reason: problem.message };
    if (problem) return { kind: 'noop', stalled: true, reason: problem.message };
    if (!this.d.source.prunesAbsent) return { kind: 'noop', reason: 'no manifest; in this mode only a deletion request removes a job, so the job is left alone' };
    if (!this.d.pruneGate.allowed()) return { kind: 'noop', stalled: true, reason: 'the prune guard holds removals back' };
    return undefined;
  }

  /**
   * Another declared manifest that takes this job over now that `key` is gone (a rename): its
   * jobId's family holds the job, and the job with its exact jobId is tagged with `key`. A family
   * job whose tags are not read yet counts as claimed, so nothing is pruned on a guess.
   */
  private claimant(key: string, jobId: string): string | undefined {
    for (const k of this.d.source.keys()) {
      const base = this.d.source.get(k)?.jobId;
      if (k === key || base === undefined || !inFamily(base, jobId)) continue;
      const owner = this.d.inventory.ownerOf(base);
      if (owner ? owner.sourceKey === key : this.d.inventory.taken(base)) return k;
    }
    return undefined;
  }

  /**
   * The job of a manifest: the candidates shaped like its jobId are read until their tags are
   * known, the ledger's jobs for it are confirmed present or gone, and identify() decides by
   * tags. Nothing is concluded before the first ListJobs.
   */
  private async observeDesired(desired: DesiredJob, retried = false): Promise<{ observed?: ObservedJob; identity: JobIdentity }> {
    const { inventory } = this.d;
    if (!inventory.listed) throw new WaitError('waiting for the first ListJobs before deciding which job is this manifest\'s', 1_000);
    const rememberedNow = (): string[] => inventory.ledger.jobsOf(desired.key).filter((id) => inFamily(desired.jobId, id));
    const fresh = new Map<string, ObservedJob>();
    const candidates: JobOwner[] = [];
    for (const id of new Set([...inventory.familyIds(desired.jobId), ...rememberedNow()])) {
      if (inventory.ledger.entry(id)?.state === 'gone' && !inventory.taken(id)) continue;
      let owner = inventory.ownerOf(id);
      if (!owner) {
        const job = await this.read(id);
        if (job) fresh.set(id, job);
        owner = inventory.ownerOf(id);
      }
      if (owner) candidates.push(owner);
    }
    const identity = identify({ base: desired.jobId, key: desired.key, controllerId: this.d.controllerId, candidates, remembered: rememberedNow(), declared: (k) => this.d.source.get(k) !== undefined });
    if (identity.kind === 'gone' || identity.kind === 'none') return { identity };
    const observed = fresh.get(identity.jobId) ?? (await this.readCached(identity.jobId));
    // The job vanished between the list and the read: decide again with that knowledge.
    if (!observed) return retried ? { identity } : this.observeDesired(desired, true);
    const withFailures = this.d.failedThings ? await this.d.failedThings.attach(observed) : observed;
    return { observed: await this.withOverrides(withFailures, desired), identity };
  }

  /** The owned job of a manifest that is gone or leaving; undefined when there is none. */
  private async observeOwned(key: string): Promise<ObservedJob | undefined> {
    const jobId = this.d.inventory.ownedJobOf(key);
    return jobId ? this.readCached(jobId) : undefined;
  }

  /** A job, from the inventory when terminal and unchanged, read otherwise; undefined when it is gone. */
  private async readCached(jobId: string): Promise<ObservedJob | undefined> {
    return this.d.inventory.reusable(jobId) ?? (await this.read(jobId));
  }

  /** Reads a job and records what was found: its observation, or that it is gone. */
  private async read(jobId: string): Promise<ObservedJob | undefined> {
    const observed = await this.d.jobs.readOne(jobId);
    if (observed) {
      this.d.inventory.recordObserved(observed);
      return observed;
    }
    this.d.inventory.recordGone(jobId);
    this.d.failedThings?.forget(jobId);
    this.d.metrics.forgetJob(jobId);
    this.progress.delete(jobId);
    return undefined;
  }

  /** The job with the executions that the manifest's overrides name. */
  private async withOverrides(observed: ObservedJob, desired: DesiredJob): Promise<ObservedJob> {
    const overrides = desired.spec.executions ?? [];
    if (overrides.length === 0 || observed.status === 'DELETION_IN_PROGRESS') return observed;
    const executions: NonNullable<ObservedJob['executions']> = {};
    for (const o of overrides) executions[o.thingName] = await this.d.jobs.readExecution(observed.jobId, o.thingName);
    return { ...observed, executions };
  }

  /** One info line whenever a job's status or execution counts change: the rollout, as it happens. */
  private logProgress(key: string, o: ObservedJob): void {
    const c = o.counts;
    const line = { key, jobId: o.jobId, status: o.status, queued: c.QUEUED, inProgress: c.IN_PROGRESS, succeeded: c.SUCCEEDED, failed: c.FAILED, timedOut: c.TIMED_OUT, rejected: c.REJECTED, removed: c.REMOVED, canceled: c.CANCELED };
    const signature = `${o.status}:${c.QUEUED}:${c.IN_PROGRESS}:${c.SUCCEEDED}:${c.FAILED}:${c.TIMED_OUT}:${c.REJECTED}:${c.REMOVED}:${c.CANCELED}`;
    if (this.progress.get(o.jobId) === signature) return;
    this.progress.set(o.jobId, signature);
    this.d.logger.info(line, 'rollout progress');
  }

  private record(r: ReconcileReport, started: number): void {
    const { metrics, logger } = this.d;
    metrics.reconcileTotal.inc({ result: r.result });
    metrics.reconcileDuration.observe((this.d.clock.now() - started) / 1000);
    metrics.jobsGone.set(this.d.inventory.ledger.goneCount());
    if (r.observed) {
      metrics.observeJob(r.observed, r.key, r.revision ?? '');
      this.logProgress(r.key, r.observed);
    }
    const a = r.action;
    if (a) metrics.actionsTotal.inc({ action: a.kind, outcome: r.outcome });
    const line = { key: r.key, jobId: (a && 'jobId' in a ? a.jobId : undefined) ?? r.observed?.jobId, action: a?.kind, outcome: r.outcome, reason: a?.reason, revision: r.revision, result: r.result, err: r.error };
    if (r.outcome === 'failed') logger.error(line, 'reconcile failed');
    else if (r.outcome === 'stalled') logger.warn(line, 'needs attention');
    else if (r.outcome === 'unchanged' || r.outcome === 'planned') logger.debug(line, r.outcome === 'planned' ? 'planned' : 'in sync');
    else logger.info(line, r.outcome);
  }
}
