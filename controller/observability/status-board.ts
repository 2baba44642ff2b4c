/**
 * The status board: what the status page (`/`), `/status.json` and `iot-jobs-controller status`
 * show. One entry per manifest key, fed by the same reconcile reports as the metrics, so the
 * numbers on the page and in /metrics agree. In memory; rebuilt by the first resync after a start.
 */
import { EXECUTION_STATUSES, zeroCounts, type ExecutionStatus, type ObservedJob } from '../model/observed-job.js';
import { describeAction, reportedJobId, type ReconcileReport } from '../model/report.js';
import type { WaveStatus } from '../model/wave-status.js';

/** One managed manifest and its job, as last reconciled. */
export interface BoardJob {
  key: string;
  /** undefined until the manifest has a job in AWS. */
  jobId?: string;
  awsStatus?: string;
  counts: Record<ExecutionStatus, number>;
  /** The manifest's revision (a commit, a digest or a Kubernetes generation). */
  revision?: string;
  result: string;
  lastAction?: string;
  lastError?: string;
  /** A staged rollout's waves; undefined without spec.waves. */
  waves?: WaveStatus[];
  /** Epoch milliseconds of the last reconcile. */
  at: number;
}

/** The whole board, as /status.json serves it. */
export interface BoardView {
  source: string;
  revision?: string;
  /** The source's problems (a refused snapshot), as text. */
  sourceProblems: string[];
  ready: boolean;
  generatedAt: string;
  statuses: readonly ExecutionStatus[];
  jobs: BoardJob[];
}

/** What the board reads besides the reports. */
export interface BoardSources {
  source: { kind: string; status(): { revision?: string; problems: { file: string; line?: number; field?: string; message: string }[] } };
  ready(): boolean;
  now(): number;
}

/** Collects reconcile reports into a view. */
export class StatusBoard {
  private readonly jobs = new Map<string, BoardJob>();

  constructor(private readonly s: BoardSources) {}

  /** Records one reconcile: the job's counts when it was read, or its absence. */
  record(r: ReconcileReport): void {
    if (!r.desired && !r.leaving && !r.observed) {
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
    return {
      key: r.key,
      jobId,
      awsStatus: o?.status ?? same?.awsStatus,
      counts: countsOf(o, same),
      revision: r.revision,
      result: r.result,
      lastAction: describeAction(r) ?? before?.lastAction,
      lastError: r.error,
      waves: wavesOf(r, same),
      at: this.s.now(),
    };
  }

  /** Forgets a job that is gone from AWS (its metrics series are deleted at the same moment). */
  forgetJob(jobId: string): void {
    for (const [key, j] of this.jobs) if (j.jobId === jobId) this.jobs.set(key, { ...j, jobId: undefined, awsStatus: undefined, counts: zeroCounts() });
  }

  /** The board as the status page and `status` show it, jobs in key order. */
  view(): BoardView {
    const st = this.s.source.status();
    return {
      source: this.s.source.kind,
      revision: st.revision,
      sourceProblems: st.problems.map((p) => `${p.file}${p.line ? `:${p.line}` : ''}: ${p.field ? `${p.field}: ` : ''}${p.message}`),
      ready: this.s.ready(),
      generatedAt: new Date(this.s.now()).toISOString(),
      statuses: EXECUTION_STATUSES,
      jobs: [...this.jobs.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
    };
  }
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
