/**
 * The status board: what the status page (`/`), `/status.json` and `iot-jobs-controller status`
 * show. One entry per manifest key, including those that cannot be reconciled (Stalled, refused,
 * waiting), fed by the same reconcile reports as the metrics and judged by the same rules as the
 * IoTJob's conditions (model/health.ts), so the page, the CLI, /metrics and `kubectl get` agree.
 * In memory; rebuilt by the first resync after a start.
 */
import { syncVerdict, UNKNOWN_HEALTH, type ConditionStatus, type RolloutHealth } from '../model/health.js';
import { EXECUTION_STATUSES, zeroCounts, type ExecutionStatus, type ObservedJob } from '../model/observed-job.js';
import { describeAction, reportedJobId, type ReconcileReport } from '../model/report.js';
import type { WaveStatus } from '../model/wave-status.js';
import type { TemplateReport } from '../model/iot-job-template.js';

/** One managed manifest and its job, as last reconciled. */
export interface BoardJob {
  key: string;
  /** undefined until the manifest has a job in AWS. */
  jobId?: string;
  awsStatus?: string;
  counts: Record<ExecutionStatus, number>;
  /** The manifest's revision (a commit, a digest or a Kubernetes generation) as last reconciled. */
  revision?: string;
  /** The last revision that reconciled without being refused or failing: what AWS holds; it differs from `revision` while a change is refused. */
  appliedRevision?: string;
  result: string;
  /** Ready as the IoTJob's condition has it, with its reason (Synced, Suspended, Progressing, NeedsAttention, AWSRejected, ReconcileFailed) and message. */
  ready: ConditionStatus;
  reason: string;
  message: string;
  /** The rollout's health, as the Healthy condition has it. */
  health: Pick<RolloutHealth, 'status' | 'reason' | 'message'>;
  lastAction?: string;
  /** The error of the last reconcile, or why it is stalled. */
  lastError?: string;
  /** A staged rollout's waves; undefined without spec.waves. */
  waves?: WaveStatus[];
  /** Epoch milliseconds of the last reconcile. */
  at: number;
}

/** How many manifests are in each state, over the whole board (whatever a query selects). */
export interface BoardSummary {
  manifests: number;
  ready: number;
  /** Not Ready: progressing, failing or stalled. */
  notReady: number;
  stalled: number;
  /** Healthy False: Degraded, Aborted or canceled in AWS. */
  unhealthy: number;
}

/** Which jobs a view lists: all, or those needing attention (not Ready or not Healthy); `q` a substring of the key or job id; a page of them. */
export interface BoardQuery {
  show?: 'all' | 'attention';
  q?: string;
  offset?: number;
  limit?: number;
}

/** The whole board, as /status.json serves it. */
export interface BoardView {
  source: string;
  revision?: string;
  /** The source's problems (a refused snapshot; in Kubernetes mode each IoTJob's own problem), as text. */
  sourceProblems: string[];
  ready: boolean;
  generatedAt: string;
  statuses: readonly ExecutionStatus[];
  summary: BoardSummary;
  /** How many jobs the query matched, and where this page of them starts. */
  matched: number;
  offset: number;
  jobs: BoardJob[];
  /** The declared job templates, as the last template sync found them. */
  templates: TemplateReport[];
}

/** What the board reads besides the reports. */
export interface BoardSources {
  source: { kind: string; status(): { revision?: string; problems: { file: string; line?: number; field?: string; message: string }[] } };
  ready(): boolean;
  now(): number;
  /** The declared job templates' last outcomes; none when the mode has no templates. */
  templates?(): TemplateReport[];
}

/** Collects reconcile reports into a view. */
export class StatusBoard {
  private readonly jobs = new Map<string, BoardJob>();

  constructor(private readonly s: BoardSources) {}

  /** Records one reconcile: the job's counts when it was read; a key with no manifest (nor one leaving) and no problem leaves the board, as its job's series leave /metrics. */
  record(r: ReconcileReport): void {
    if (!r.desired && !r.leaving && !needsAttention(r)) {
      this.jobs.delete(r.key);
      return;
    }
    this.jobs.set(r.key, this.entryFor(r, this.jobs.get(r.key)));
  }

  /** A key's entry after a reconcile; what it did not read is kept from `before` (undefined: not on the board) while the job is the same. */
  private entryFor(r: ReconcileReport, before: BoardJob | undefined): BoardJob {
    const o = r.observed;
    const jobId = reportedJobId(r, before);
    const same = before?.jobId === jobId ? before : undefined;
    const [ready, reason, message] = syncVerdict(r).ready;
    return {
      key: r.key,
      jobId,
      awsStatus: o?.status ?? same?.awsStatus,
      counts: countsOf(o, same),
      ...revisionsOf(r, ready, before),
      result: r.result,
      ready,
      reason,
      message,
      health: healthOf(r, same),
      lastAction: describeAction(r) ?? before?.lastAction,
      lastError: errorOf(r),
      waves: wavesOf(r, same),
      at: this.s.now(),
    };
  }

  /** Forgets a job that is gone from AWS (its metrics series are deleted at the same moment). */
  forgetJob(jobId: string): void {
    for (const [key, j] of this.jobs) if (j.jobId === jobId) this.jobs.set(key, { ...j, jobId: undefined, awsStatus: undefined, counts: zeroCounts() });
  }

  /** The board as the status page and `status` show it: the summary, and the jobs the query selects in key order (all by default). */
  view(query: BoardQuery = {}): BoardView {
    const st = this.s.source.status();
    const all = [...this.jobs.values()];
    const matched = all.filter(matcher(query)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const offset = Math.max(0, query.offset ?? 0);
    return {
      source: this.s.source.kind,
      revision: st.revision,
      sourceProblems: st.problems.map((p) => `${p.file}${p.line ? `:${p.line}` : ''}: ${p.field ? `${p.field}: ` : ''}${p.message}`),
      ready: this.s.ready(),
      generatedAt: new Date(this.s.now()).toISOString(),
      statuses: EXECUTION_STATUSES,
      summary: summaryOf(all),
      matched: matched.length,
      offset,
      jobs: matched.slice(offset, query.limit === undefined ? undefined : offset + query.limit),
      templates: this.s.templates?.() ?? [],
    };
  }
}

/** Whether a job needs a person's attention: not Ready, or its rollout not Healthy. */
export function needsLook(j: BoardJob): boolean {
  return j.ready !== 'True' || j.health.status === 'False';
}

/** The query's filter. */
function matcher(q: BoardQuery): (j: BoardJob) => boolean {
  const text = q.q?.toLowerCase();
  return (j) => (q.show !== 'attention' || needsLook(j)) && (!text || j.key.toLowerCase().includes(text) || (j.jobId ?? '').toLowerCase().includes(text));
}

function summaryOf(jobs: BoardJob[]): BoardSummary {
  const ready = jobs.filter((j) => j.ready === 'True').length;
  return {
    manifests: jobs.length,
    ready,
    notReady: jobs.length - ready,
    stalled: jobs.filter((j) => j.result === 'stalled').length,
    unhealthy: jobs.filter((j) => j.health.status === 'False').length,
  };
}

/** The reconcile's error, or why it stopped when it stalled; undefined when neither. */
function errorOf(r: ReconcileReport): string | undefined {
  return r.error ?? (needsAttention(r) ? r.action?.reason : undefined);
}

/** Whether a reconcile stopped on something a person must look at (a refused change, a manifest's problem, a held deletion). */
function needsAttention(r: ReconcileReport): boolean {
  return r.result === 'stalled' || r.result === 'error';
}

/** The revision reconciled now (else the one before), and the one AWS holds: the revision of the last reconcile that left the key Ready. */
function revisionsOf(r: ReconcileReport, ready: ConditionStatus, before: BoardJob | undefined): Pick<BoardJob, 'revision' | 'appliedRevision'> {
  const revision = r.revision ?? before?.revision;
  return { revision, appliedRevision: ready === 'True' ? revision : before?.appliedRevision };
}

/** The rollout's health as the reconcile judged it; when the job was not read, as before while it is the same job, else Unknown. */
function healthOf(r: ReconcileReport, same: BoardJob | undefined): BoardJob['health'] {
  const { status, reason, message } = r.health ?? same?.health ?? UNKNOWN_HEALTH;
  return { status, reason, message };
}

/** A staged rollout's waves: as judged now, else as before while the job is the same; undefined without spec.waves. */
function wavesOf(r: ReconcileReport, same: BoardJob | undefined): WaveStatus[] | undefined {
  if (r.waves) return r.waves;
  return r.desired?.spec.waves ? same?.waves : undefined;
}

/** A job's counts: as read now, else as before while the job is the same (`same` set), else zeros. */
function countsOf(o: ObservedJob | undefined, same: BoardJob | undefined): Record<ExecutionStatus, number> {
  if (o) return { ...o.counts };
  return same ? same.counts : zeroCounts();
}
