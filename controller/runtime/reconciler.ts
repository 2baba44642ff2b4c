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
import { planJob } from '../plan/planner.js';
import type { DesiredSource } from '../sources/source.js';
import type { Clock } from '../model/clock.js';
import { execute } from './executor.js';
import type { FailedThingsReader } from './failed-things.js';
import type { AccountLookup, ReconcileHooks } from './hooks.js';
import type { Inventory } from './inventory.js';
import { Observer, type Observation } from './observer.js';
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

  /** Manifests whose job someone else deleted (reported Gone). */
  private readonly gone = new Set<string>();
  private readonly observer: Observer;

  constructor(private readonly d: ReconcilerDeps) {
    this.observer = new Observer({ ...d, onGone: (jobId) => this.progress.delete(jobId) });
  }

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
    const { observed, identity } = await this.observe(report);
    report.observed = observed;
    this.noteGone(key, identity?.kind === 'gone');
    const action = planJob(desired, observed, {
      controllerId: d.controllerId,
      partition: d.accounts.partition(),
      goneJobId: identity?.kind === 'gone' ? identity.jobId : undefined,
      takeover: identity?.kind === 'takeover',
      taken: (jobId) => this.observer.taken(jobId),
      deletionPolicy: leaving?.spec.deletionPolicy,
      claimedBy: desired || !observed ? undefined : this.observer.claimant(key, observed.jobId),
      removedKey: desired ? undefined : key,
    });
    report.action = action;
    if (d.dryRun) return this.settle(report, action, action.kind === 'noop' ? outcomeOf(action) : 'planned');
    if (desired && mutates(action)) await d.hooks.beforeMutate(key);
    return this.settle(report, action, await execute(action, key, desired, observed, { jobs: d.jobs, inventory: d.inventory, metrics: d.metrics, controllerId: d.controllerId }));
  }

  /** The job of the report's manifest: declared, leaving (Kubernetes) or removed (directory). */
  private async observe(report: ReconcileReport): Promise<Observation> {
    if (report.desired) return this.observer.desired(report.desired);
    if (report.leaving) return this.observer.leaving(report.leaving);
    return { observed: await this.observer.removed(report.key) };
  }

  /** Keeps the set of declared manifests reported Gone, which iotjobs_jobs_gone counts (a removed one leaves it). */
  private noteGone(key: string, gone: boolean): void {
    if (gone) this.gone.add(key);
    else this.gone.delete(key);
    for (const k of this.gone) if (!this.d.source.get(k)) this.gone.delete(k);
    this.d.metrics.jobsGone.set(this.gone.size);
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
