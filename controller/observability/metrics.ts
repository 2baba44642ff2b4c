/**
 * The controller's Prometheus metrics: one owned prom-client Registry with typed handles, injected
 * through constructors (no module-level singletons, no string-keyed `inc("name")`). Label values
 * are pre-initialised; a job's series are deleted when the job is gone.
 */
import { executionTotal, failedCount, finishedCount } from '../model/health.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { EXECUTION_STATUSES, type ExecutionStatus, type ObservedJob } from '../model/observed-job.js';
import { fieldsOf } from '../plan/fields.js';
import { ACTION_KINDS, outcomesOf } from '../model/action.js';
import { RECONCILE_RESULTS } from '../model/report.js';
import { WAVE_PHASES, type WaveStatus } from '../model/wave-status.js';

/** The AWS operations the controller calls, pre-initialised. */
export const AWS_OPERATIONS = [
  'ListJobs',
  'DescribeJob',
  'GetJobDocument',
  'ListTagsForResource',
  'DescribeJobExecution',
  'ListJobExecutionsForJob',
  'CreateJob',
  'UpdateJob',
  'CancelJob',
  'DeleteJob',
  'CancelJobExecution',
  'DeleteJobExecution',
  'TagResource',
  'AssociateTargetsWithJob',
  'DescribeThing',
  'DescribeThingGroup',
  'ListJobTemplates',
  'DescribeJobTemplate',
  'CreateJobTemplate',
  'DeleteJobTemplate',
  'UntagResource',
] as const;
export type AwsOperation = (typeof AWS_OPERATIONS)[number];

/** Default Node.js metrics that `promtool check metrics` objects to, left out. */
const LINT_FAILING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** The metric handles. */
export class Metrics {
  readonly registry = new Registry();
  /** In Kubernetes mode it also carries `namespace` and `name` (the IoTJob's). */
  readonly jobExecutions: Gauge<'job_id' | 'status' | 'namespace' | 'name'>;
  private readonly kubernetes: boolean;
  readonly jobInfo: Gauge<'job_id' | 'status' | 'source' | 'revision'>;
  readonly rolloutProgress: Gauge<'job_id'>;
  readonly failureRatio: Gauge<'job_id'>;
  /** 1 while a job's rollout is Healthy, 0 while it is not; `reason` is the Healthy condition's. */
  readonly jobHealthy: Gauge<'job_id' | 'reason'>;
  private readonly healthReason = new Map<string, string>();
  readonly wavePhase: Gauge<'job_id' | 'wave' | 'phase'>;
  readonly waveGateRatio: Gauge<'job_id' | 'wave'>;
  readonly reconcileTotal: Counter<'result'>;
  readonly reconcileDuration: Histogram;
  readonly awsRequests: Counter<'operation' | 'outcome'>;
  readonly awsDuration: Histogram<'operation'>;
  readonly awsRetries: Counter<'operation'>;
  readonly queueDepth: Gauge;
  readonly sourceRevision: Gauge<'source' | 'revision'>;
  readonly sourceErrors: Counter;
  readonly sourceRelists: Counter<'resource' | 'reason'>;
  readonly sourceProblems: Gauge;
  readonly driftCorrected: Counter<'field'>;
  readonly pruneBlocked: Gauge;
  /** Kubernetes mode: IoTJob deletions the deletion guard holds until they are approved. */
  readonly deletionsHeld: Gauge;
  /** Jobs the controller created that someone else deleted, which it does not create again (Gone). */
  readonly jobsGone: Gauge;
  /** Reconciles by the action planned and its outcome. */
  readonly actionsTotal: Counter<'action' | 'outcome'>;
  /** Each declared job template: 1 when AWS holds it as declared, else 0, with the reason. */
  readonly templateReady: Gauge<'template_id' | 'reason'>;
  /** Template sync actions by kind and outcome. */
  readonly templateActions: Counter<'action' | 'outcome'>;
  /** 1 while the prune guard refuses to remove job templates whose manifests are gone. */
  readonly templatePruneBlocked: Gauge;
  private readonly templateReasons = new Map<string, string>();
  private readonly jobLabels = new Map<string, { status: string; source: string; revision: string }>();
  /** The IoTJob (namespace, name) of each job's execution series, in Kubernetes mode. */
  private readonly jobObject = new Map<string, { namespace: string; name: string }>();

  constructor(opts: { defaultMetrics?: boolean; kubernetes?: boolean } = {}) {
    const registers = [this.registry];
    this.kubernetes = opts.kubernetes ?? false;
    if (opts.defaultMetrics ?? true) collectLintCleanDefaults(this.registry);
    const execLabels = this.kubernetes ? (['job_id', 'status', 'namespace', 'name'] as const) : (['job_id', 'status'] as const);
    this.jobExecutions = new Gauge({
      name: 'iotjobs_job_executions',
      help: 'Executions of a managed job by status, from jobProcessDetails.',
      labelNames: [...execLabels],
      registers,
    });
    this.jobInfo = new Gauge({
      name: 'iotjobs_job_info',
      help: 'A managed job, with its AWS status, source key and source revision as labels (always 1).',
      labelNames: ['job_id', 'status', 'source', 'revision'],
      registers,
    });
    this.jobHealthy = new Gauge({
      name: 'iotjobs_job_healthy',
      help: "1 while a managed job's rollout is Healthy, 0 while it is Degraded (failed share above --degraded-failure-ratio), Aborted or CanceledInAWS; reason as the Healthy condition has it.",
      labelNames: ['job_id', 'reason'],
      registers,
    });
    this.rolloutProgress = new Gauge({
      name: 'iotjobs_job_rollout_progress_ratio',
      help: "Share of a job's executions that are in a terminal state.",
      labelNames: ['job_id'],
      registers,
    });
    this.failureRatio = new Gauge({
      name: 'iotjobs_job_failure_ratio',
      help: "Share of a job's finished executions that failed, were rejected or timed out.",
      labelNames: ['job_id'],
      registers,
    });
    this.wavePhase = new Gauge({
      name: 'iotjobs_wave_phase',
      help: "A staged rollout's waves: 1 for each wave's current phase (Pending, Running, Baking, AwaitingApproval, Passed, Failed, Held), 0 for the others.",
      labelNames: ['job_id', 'wave', 'phase'],
      registers,
    });
    this.waveGateRatio = new Gauge({
      name: 'iotjobs_wave_gate_ratio',
      help: "Succeeded ÷ finished executions of a staged rollout's running wave, as its gate last judged them.",
      labelNames: ['job_id', 'wave'],
      registers,
    });
    this.reconcileTotal = new Counter({ name: 'iotjobs_reconcile_total', help: 'Reconciles by result.', labelNames: ['result'], registers });
    this.reconcileDuration = new Histogram({
      name: 'iotjobs_reconcile_duration_seconds',
      help: 'Time one reconcile takes.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.awsRequests = new Counter({
      name: 'iotjobs_aws_requests_total',
      help: 'AWS IoT API calls by operation and outcome (ok, or the error name).',
      labelNames: ['operation', 'outcome'],
      registers,
    });
    this.awsDuration = new Histogram({
      name: 'iotjobs_aws_request_duration_seconds',
      help: 'AWS IoT API call latency, including client-side rate limiting.',
      labelNames: ['operation'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.awsRetries = new Counter({
      name: 'iotjobs_aws_retries_total',
      help: 'AWS IoT answers the SDK retried by itself (throttling, 5xx, dropped connections) before the outcome counted in iotjobs_aws_requests_total.',
      labelNames: ['operation'],
      registers,
    });
    this.queueDepth = new Gauge({ name: 'iotjobs_workqueue_depth', help: 'Keys waiting in the work queue.', registers });
    this.sourceRevision = new Gauge({
      name: 'iotjobs_source_revision_info',
      help: 'The revision of the last good snapshot of the source (always 1).',
      labelNames: ['source', 'revision'],
      registers,
    });
    this.sourceErrors = new Counter({
      name: 'iotjobs_source_errors_total',
      help: 'Snapshots of the source that failed to parse or validate, and were not applied.',
      registers,
    });
    this.sourceRelists = new Counter({
      name: 'iotjobs_source_relists_total',
      help: 'Kubernetes mode: full lists of a watched resource, by why (initial, periodic, gone: the watch expired with 410, error).',
      labelNames: ['resource', 'reason'],
      registers,
    });
    this.sourceProblems = new Gauge({ name: 'iotjobs_source_problems', help: 'Problems in the latest snapshot of the source (0 when it is good).', registers });
    this.driftCorrected = new Counter({
      name: 'iotjobs_drift_corrected_total',
      help: 'Fields changed in AWS to match the manifest, by field.',
      labelNames: ['field'],
      registers,
    });
    this.pruneBlocked = new Gauge({
      name: 'iotjobs_prune_blocked',
      help: '1 while the prune guard refuses a snapshot that would remove too many managed jobs.',
      registers,
    });
    this.deletionsHeld = new Gauge({
      name: 'iotjobs_deletions_held',
      help: 'Kubernetes mode: IoTJob deletions the deletion guard holds (finalizer kept, deletionPolicy not applied) until they are approved.',
      registers,
    });
    this.jobsGone = new Gauge({
      name: 'iotjobs_jobs_gone',
      help: 'Jobs this controller created that someone else deleted; their manifests are Stalled (Gone) and the jobs are not created again until approved.',
      registers,
    });
    this.actionsTotal = new Counter({
      name: 'iotjobs_actions_total',
      help: 'Reconciles by the action planned (create, update, replace, cancel, delete, cancel-execution, delete-execution, wait, noop) and its outcome.',
      labelNames: ['action', 'outcome'],
      registers,
    });
    this.templateReady = new Gauge({
      name: 'iotjobs_template_ready',
      help: 'Each declared job template: 1 when AWS holds it as declared (reason Synced), else 0 with why (ChangeRefused, NotOwned, Invalid, Error).',
      labelNames: ['template_id', 'reason'],
      registers,
    });
    this.templateActions = new Counter({
      name: 'iotjobs_template_actions_total',
      help: 'Job template sync actions (create, recreate, tag, delete, orphan) by outcome (ok, error).',
      labelNames: ['action', 'outcome'],
      registers,
    });
    this.templatePruneBlocked = new Gauge({
      name: 'iotjobs_template_prune_blocked',
      help: '1 while the prune guard refuses to remove too many job templates whose manifests are gone.',
      registers,
    });
    this.zeroCounters();
  }

  /** Records a declared template's state; its series for an earlier reason goes. */
  setTemplate(templateId: string, ready: boolean, reason: string): void {
    const before = this.templateReasons.get(templateId);
    if (before !== undefined && before !== reason) this.templateReady.remove({ template_id: templateId, reason: before });
    this.templateReasons.set(templateId, reason);
    this.templateReady.set({ template_id: templateId, reason }, ready ? 1 : 0);
  }

  /** Forgets the templates not in `declared`: their series go. */
  keepTemplates(declared: ReadonlySet<string>): void {
    for (const [id, reason] of this.templateReasons) {
      if (declared.has(id)) continue;
      this.templateReady.remove({ template_id: id, reason });
      this.templateReasons.delete(id);
    }
  }

  /** Gives every counter's known label values a series at 0, so rates and alerts see them before the first event. */
  private zeroCounters(): void {
    for (const action of ACTION_KINDS) for (const outcome of outcomesOf(action)) this.actionsTotal.inc({ action, outcome }, 0);
    for (const r of RECONCILE_RESULTS) this.reconcileTotal.inc({ result: r }, 0);
    for (const op of AWS_OPERATIONS) {
      this.awsRequests.inc({ operation: op, outcome: 'ok' }, 0);
      this.awsRetries.inc({ operation: op }, 0);
    }
    this.sourceErrors.inc(0);
    for (const action of ['create', 'recreate', 'tag', 'delete', 'orphan'])
      for (const outcome of ['ok', 'error']) this.templateActions.inc({ action, outcome }, 0);
    for (const field of [...fieldsOf('update'), ...fieldsOf('tags')]) this.driftCorrected.inc({ field }, 0);
    if (this.kubernetes) this.zeroRelists();
  }

  /** Kubernetes mode: a relist series at 0 for each watched resource and reason. */
  private zeroRelists(): void {
    for (const resource of ['iotjobs', 'configmaps'])
      for (const reason of ['initial', 'periodic', 'gone', 'error']) this.sourceRelists.inc({ resource, reason }, 0);
  }

  /** The execution series' labels of a job, with the IoTJob's namespace and name in Kubernetes mode. */
  private execLabels(jobId: string, status: ExecutionStatus, source?: string): Record<string, string> {
    if (!this.kubernetes) return { job_id: jobId, status };
    let obj = this.jobObject.get(jobId);
    if (source !== undefined) {
      const [namespace = '', name = ''] = source.split('/');
      obj = { namespace, name };
      this.jobObject.set(jobId, obj);
    }
    return { job_id: jobId, status, namespace: obj?.namespace ?? '', name: obj?.name ?? '' };
  }

  /** Publishes a job's execution counts, info and (when judged) health; all eight statuses get a series. */
  observeJob(job: ObservedJob, source: string, revision: string, health?: { status: string; reason: string }): void {
    this.setExecutions(job, source);
    this.setInfo(job.jobId, { status: job.status, source, revision });
    this.setRatios(job);
    if (health) this.setHealth(job.jobId, health);
  }

  /** A job's health series; the series with the previous reason goes when it changes; none while the health is Unknown. */
  private setHealth(id: string, health: { status: string; reason: string }): void {
    const before = this.healthReason.get(id);
    if (before !== undefined && before !== health.reason) this.jobHealthy.remove({ job_id: id, reason: before });
    if (health.status === 'Unknown') {
      this.healthReason.delete(id);
      return;
    }
    this.jobHealthy.set({ job_id: id, reason: health.reason }, health.status === 'True' ? 1 : 0);
    this.healthReason.set(id, health.reason);
  }

  /** A job's execution series; in Kubernetes mode a job now under another IoTJob loses its old series first. */
  private setExecutions(job: ObservedJob, source: string): void {
    const id = job.jobId;
    const before = this.jobObject.get(id);
    if (this.kubernetes && before && `${before.namespace}/${before.name}` !== source)
      for (const s of EXECUTION_STATUSES) this.jobExecutions.remove(this.execLabels(id, s));
    for (const s of EXECUTION_STATUSES) this.jobExecutions.set(this.execLabels(id, s, source), job.counts[s]);
  }

  /** The job ids with series per source key. */
  private readonly sourceJobs = new Map<string, Set<string>>();

  /** A job's info series; the series with its previous labels goes when they change. */
  private setInfo(id: string, labels: { status: string; source: string; revision: string }): void {
    const previous = this.jobLabels.get(id);
    if (previous && previous.source !== labels.source) this.sourceJobs.get(previous.source)?.delete(id);
    if (!this.sourceJobs.has(labels.source)) this.sourceJobs.set(labels.source, new Set());
    this.sourceJobs.get(labels.source)!.add(id);
    if (previous && (previous.status !== labels.status || previous.source !== labels.source || previous.revision !== labels.revision))
      this.jobInfo.remove({ job_id: id, ...previous });
    this.jobInfo.set({ job_id: id, ...labels }, 1);
    this.jobLabels.set(id, labels);
  }

  /** A job's rollout progress and failure ratio (0 while there is nothing to divide by). */
  private setRatios(job: ObservedJob): void {
    const total = executionTotal(job.counts);
    const finished = finishedCount(job.counts);
    const failedish = failedCount(job.counts);
    const judged = failedish + job.counts.SUCCEEDED;
    this.rolloutProgress.set({ job_id: job.jobId }, total === 0 ? 0 : finished / total);
    this.failureRatio.set({ job_id: job.jobId }, judged === 0 ? 0 : failedish / judged);
  }

  /** The wave names that have series, per job. */
  private readonly waveNames = new Map<string, string[]>();

  /** Publishes a staged rollout's waves: one phase series per wave and phase, and the running wave's gate ratio. */
  observeWaves(jobId: string, waves: readonly WaveStatus[]): void {
    this.forgetWaves(jobId);
    for (const w of waves) {
      for (const phase of WAVE_PHASES) this.wavePhase.set({ job_id: jobId, wave: w.name, phase }, w.phase === phase ? 1 : 0);
      if (w.succeededRatio !== undefined) this.waveGateRatio.set({ job_id: jobId, wave: w.name }, w.succeededRatio);
    }
    this.waveNames.set(
      jobId,
      waves.map((w) => w.name),
    );
  }

  private forgetWaves(jobId: string): void {
    for (const wave of this.waveNames.get(jobId) ?? []) {
      for (const phase of WAVE_PHASES) this.wavePhase.remove({ job_id: jobId, wave, phase });
      this.waveGateRatio.remove({ job_id: jobId, wave });
    }
    this.waveNames.delete(jobId);
  }

  private readonly forgetListeners: ((jobId: string) => void)[] = [];

  /** Calls `fn` whenever a job's series are deleted (the status board forgets the job too). */
  onForgetJob(fn: (jobId: string) => void): void {
    this.forgetListeners.push(fn);
  }

  /** Deletes every series of a job that is gone. */
  forgetJob(jobId: string): void {
    for (const fn of this.forgetListeners) fn(jobId);
    for (const s of EXECUTION_STATUSES) this.jobExecutions.remove(this.execLabels(jobId, s));
    this.jobObject.delete(jobId);
    const labels = this.jobLabels.get(jobId);
    if (labels) this.jobInfo.remove({ job_id: jobId, ...labels });
    if (labels) this.sourceJobs.get(labels.source)?.delete(jobId);
    this.jobLabels.delete(jobId);
    this.rolloutProgress.remove({ job_id: jobId });
    this.failureRatio.remove({ job_id: jobId });
    const reason = this.healthReason.get(jobId);
    if (reason !== undefined) this.jobHealthy.remove({ job_id: jobId, reason });
    this.healthReason.delete(jobId);
    this.forgetWaves(jobId);
  }

  /** Deletes the series of every job published for a source key (its manifest is gone; the jobs may stay in AWS). */
  forgetSource(key: string): void {
    for (const jobId of [...(this.sourceJobs.get(key) ?? [])]) this.forgetJob(jobId);
    this.sourceJobs.delete(key);
  }

  /** The job ids that currently have series. */
  jobIds(): string[] {
    return [...this.jobLabels.keys()];
  }

  /** Records the source's latest good revision. */
  setRevision(source: string, revision: string): void {
    this.sourceRevision.reset();
    this.sourceRevision.set({ source, revision }, 1);
  }
}

/**
 * Registers prom-client's default Node.js metrics, less the *_total gauges that break the naming
 * rule `promtool check metrics` enforces (only counters end in _total); the same numbers stay
 * available by type in nodejs_active_handles, nodejs_active_requests and nodejs_active_resources
 * (sum them for the total).
 */
function collectLintCleanDefaults(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of LINT_FAILING_DEFAULTS) registry.removeSingleMetric(name);
}
