/**
 * reconcile(key): read desired from the source and observed from AWS (or from the inventory when
 * ListJobs shows a terminal job unchanged), plan one action, execute it, and in `finally` record
 * the outcome once: metrics, one log line, and the status hook (ARCHITECTURE.md flow).
 */
import type { IotJobs } from '../aws/iot-jobs.js';
import { mutates, outcomeOf, type Action, type Outcome } from '../model/action.js';
import { TerminalError, WaitError } from '../model/errors.js';
import type { ObservedJob } from '../model/observed-job.js';
import { DEFAULT_DEGRADED_RATIO, rolloutHealth } from '../model/health.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { resultOf, type ReconcileReport, type ReconcileResult } from '../model/report.js';
import { planJob, type PlanContext } from '../plan/planner.js';
import { allTargets, effectiveDesired, rolloutStatus } from '../plan/rollout.js';
import { blockedBy } from './dependencies.js';
import type { DesiredSource } from '../sources/source.js';
import type { Clock } from '../model/clock.js';
import type { DesiredJob } from '../model/iot-job.js';
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
  /** How often a staged rollout's gate is judged (plan/rollout.ts GATE_INTERVAL_MS by default). */
  gateIntervalMs?: number;
  /** The failed share above which a rollout is Degraded (DEFAULT_DEGRADED_RATIO by default). */
  degradedRatio?: number;
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
    const { key, desired, leaving } = report;
    const held = desired || leaving ? undefined : this.withoutManifest(key);
    if (held) return this.settle(report, held, outcomeOf(held));
    if (desired) await this.d.accounts.ensure(allTargets(desired.spec));
    const observation = await this.observe(report);
    const { observed } = observation;
    report.observed = observed;
    this.noteGone(key, observation.identity?.kind === 'gone');
    const ctx = this.planContext(report, observation);
    return desired ? this.planDeclared(report, desired, ctx) : this.carryOut(report, planJob(undefined, observed, ctx), observed);
  }

  /**
   * Plans and carries out a declared manifest's step: it waits for its dependencies before it is
   * created, and a staged rollout is planned and carried out as the job its waves ask for now (a
   * replacement, being a new job, starts again at the first wave).
   */
  private async planDeclared(report: ReconcileReport, desired: DesiredJob, ctx: PlanContext): Promise<ReconcileOutcome> {
    const { observed } = report;
    if (!observed) ctx.blocked = await blockedBy(desired, this.d, ctx.partition);
    const effective = effectiveDesired(desired, observed, ctx.partition);
    report.waves = rolloutStatus(desired, observed, { now: ctx.now!, partition: ctx.partition });
    const action = planJob(effective, observed, ctx);
    const carried = action.kind === 'replace' ? effectiveDesired(desired, undefined, ctx.partition) : effective;
    return this.carryOut(report, action, observed, carried);
  }

  /** What the planner knows besides the two sides: who took the job over, which ids are taken, the leaving manifest's policy, a claimant after a rename. */
  private planContext(report: ReconcileReport, { observed, identity }: Observation): PlanContext {
    const { key, desired, leaving } = report;
    return {
      controllerId: this.d.controllerId,
      partition: this.d.accounts.partition(),
      goneJobId: identity?.kind === 'gone' ? identity.jobId : undefined,
      takeover: identity?.kind === 'takeover',
      taken: (jobId) => this.observer.taken(jobId),
      deletionPolicy: leaving?.spec.deletionPolicy,
      claimedBy: desired || !observed ? undefined : this.observer.claimant(key, observed.jobId),
      removedKey: desired ? undefined : key,
      now: this.d.clock.now(),
      gateIntervalMs: this.d.gateIntervalMs,
    };
  }

  /** Executes the planned action (the mutate hook first for a declared manifest), or only reports it when planning only. */
  private async carryOut(report: ReconcileReport, action: Action, observed: ObservedJob | undefined, desired = report.desired): Promise<ReconcileOutcome> {
    const d = this.d;
    const { key } = report;
    report.action = action;
    if (d.dryRun) return this.settle(report, action, action.kind === 'noop' ? outcomeOf(action) : 'planned');
    if (desired && mutates(action)) await d.hooks.beforeMutate(key);
    const deps = { jobs: d.jobs, inventory: d.inventory, metrics: d.metrics, controllerId: d.controllerId, partition: d.accounts.partition() };
    return this.settle(report, action, await execute(action, { key, desired, observed }, deps));
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
    if (!mutates(action) || outcome === 'planned') return { result: report.result };
    // A staged rollout's record is read back from the cache at once: its next step need not wait for AWS to settle.
    return { result: report.result, requeueAfterMs: action.kind === 'record' ? 0 : (this.d.settleMs ?? 2_000) };
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
    if (!this.d.source.prunesAbsent)
      return { kind: 'noop', reason: 'no manifest; in this mode only a deletion request removes a job, so the job is left alone' };
    if (!this.d.pruneGate.allowed()) return { kind: 'noop', stalled: true, reason: 'the prune guard holds removals back' };
    return undefined;
  }

  /** One info line whenever a job's status or execution counts change: the rollout, as it happens. */
  private logProgress(key: string, o: ObservedJob): void {
    const { QUEUED: queued, IN_PROGRESS: inProgress, SUCCEEDED: succeeded, FAILED: failed } = o.counts;
    const { TIMED_OUT: timedOut, REJECTED: rejected, REMOVED: removed, CANCELED: canceled } = o.counts;
    const line = { key, jobId: o.jobId, status: o.status, queued, inProgress, succeeded, failed, timedOut, rejected, removed, canceled };
    const signature = `${o.status}:${queued}:${inProgress}:${succeeded}:${failed}:${timedOut}:${rejected}:${removed}:${canceled}`;
    if (this.progress.get(o.jobId) === signature) return;
    this.progress.set(o.jobId, signature);
    this.d.logger.info(line, 'rollout progress');
  }

  /** Records a finished reconcile once: the rollout's health on the report (for every view), its metrics, the job's progress, and one log line. */
  private record(r: ReconcileReport, started: number): void {
    if (r.observed) r.health = rolloutHealth(r, this.d.degradedRatio ?? DEFAULT_DEGRADED_RATIO);
    this.recordMetrics(r, started);
    this.logResult(r);
  }

  /**
   * The reconcile's count and duration, the action's count, and the observed job's series and
   * progress line. Only a job still in play has series: its manifest exists or is leaving, or its
   * removal is held (stalled: the prune or deletion guard, where the job keeps running). The job of
   * a removed manifest or deleted IoTJob loses them, though it stays in AWS (Orphan, Cancel).
   */
  private recordMetrics(r: ReconcileReport, started: number): void {
    const { metrics } = this.d;
    metrics.reconcileTotal.inc({ result: r.result });
    metrics.reconcileDuration.observe((this.d.clock.now() - started) / 1000);
    if (r.action) metrics.actionsTotal.inc({ action: r.action.kind, outcome: r.outcome });
    const inPlay = r.desired !== undefined || r.leaving !== undefined || r.result === 'stalled';
    if (!inPlay) metrics.forgetSource(r.key);
    if (!r.observed) return;
    this.logProgress(r.key, r.observed);
    if (!inPlay) return;
    metrics.observeJob(r.observed, r.key, r.revision ?? '', r.health);
    if (r.waves) metrics.observeWaves(r.observed.jobId, r.waves);
  }

  /** One line per reconcile: an error when it failed, a warning when it needs attention, debug when nothing changed or it only planned, else info. */
  private logResult(r: ReconcileReport): void {
    const { logger } = this.d;
    const line = resultLine(r);
    if (r.outcome === 'failed') logger.error(line, 'reconcile failed');
    else if (r.outcome === 'stalled') logger.warn(line, 'needs attention');
    else if (r.outcome === 'unchanged' || r.outcome === 'planned') logger.debug(line, r.outcome === 'planned' ? 'planned' : 'in sync');
    else logger.info(line, r.outcome);
  }
}

/** The fields of a reconcile's log line; jobId is the action's job, else the observed one (undefined when neither has one). */
function resultLine(r: ReconcileReport) {
  const a = r.action;
  return {
    key: r.key,
    jobId: (a && 'jobId' in a ? a.jobId : undefined) ?? r.observed?.jobId,
    action: a?.kind,
    outcome: r.outcome,
    reason: a?.reason,
    revision: r.revision,
    result: r.result,
    err: r.error,
  };
}
