/**
 * What the controller knows about AWS between reconciles: the latest ListJobs summaries, the jobs
 * it has read (with their tags, so ownership is known), which manifest each owned job belongs to,
 * and which manifests it has seen a job for. In memory; rebuilt from AWS after a restart.
 */
import { isTerminalJob, type JobSummary, type ObservedJob } from '../model/observed-job.js';
import { JobIdIndex } from '../plan/job-ids.js';
import { isOwned, recordedDeletionPolicy, SOURCE_KEY } from '../plan/ownership.js';

/** The controller's memory of AWS. */
export class Inventory {
  private summaries = new Map<string, JobSummary>();
  private index = new JobIdIndex([]);
  private readonly observed = new Map<string, ObservedJob>();
  /** manifest key → the newest owned job id for it. */
  private readonly ownedByKey = new Map<string, string>();
  private readonly createdAt = new Map<string, number>();
  private readonly seenKeys = new Set<string>();
  private listedOnce = false;

  constructor(private readonly controllerId: string) {}

  /** Replaces the summaries with a fresh ListJobs result. */
  setSummaries(list: readonly JobSummary[]): void {
    this.summaries = new Map(list.map((s) => [s.jobId, s]));
    this.index = new JobIdIndex(this.summaries.keys());
    this.listedOnce = true;
    for (const [jobId] of this.observed) if (!this.summaries.has(jobId)) this.observed.delete(jobId);
  }

  /** How many jobs the last ListJobs reported. */
  get size(): number {
    return this.summaries.size;
  }

  /** Whether a ListJobs pass has completed since start. */
  get listed(): boolean {
    return this.listedOnce;
  }

  /** The newest job id of a base id, from the summaries and the jobs created since. */
  currentJobId(base: string): string | undefined {
    return this.index.current(base);
  }

  /** The job id recorded for a manifest whose job is owned. */
  ownedJobOf(key: string): string | undefined {
    return this.ownedByKey.get(key);
  }

  /** Manifest keys with an owned job. */
  ownedKeys(): string[] {
    return [...this.ownedByKey.keys()];
  }

  /**
   * The owned manifest keys whose removal would act on their job, which the prune guard counts:
   * the job is still active, or its deletionPolicy is Delete, or its state is not known yet. A
   * manifest removed earlier whose job is already finished does not count again.
   */
  guardedKeys(): string[] {
    const out: string[] = [];
    for (const [key, jobId] of this.ownedByKey) {
      const status = this.summaries.get(jobId)?.status ?? this.observed.get(jobId)?.status;
      const observed = this.observed.get(jobId);
      if (!status || !isTerminalJob(status) || !observed || recordedDeletionPolicy(observed) === 'Delete') out.push(key);
    }
    return out;
  }

  /**
   * A cached observation that is still good: the job is terminal and ListJobs reports it
   * unchanged. Active or changed jobs must be read again.
   */
  reusable(jobId: string): ObservedJob | undefined {
    const cached = this.observed.get(jobId);
    const summary = this.summaries.get(jobId);
    if (!cached || !summary || !isTerminalJob(summary.status) || summary.status !== cached.status) return undefined;
    return summary.lastUpdatedAt === cached.lastUpdatedAt ? cached : undefined;
  }

  /** Records a read of a job: its observation and, when it is ours, its manifest. */
  recordObserved(job: ObservedJob): void {
    this.observed.set(job.jobId, job);
    const key = job.tags[SOURCE_KEY];
    if (key === undefined || !isOwned(job, this.controllerId)) return;
    const current = this.ownedByKey.get(key);
    const at = job.createdAt ?? 0;
    if (!current || current === job.jobId || at >= (this.createdAt.get(current) ?? 0)) {
      this.ownedByKey.set(key, job.jobId);
      this.createdAt.set(job.jobId, at);
    }
    this.seenKeys.add(key);
  }

  /** Records that a job was created for a manifest. */
  recordCreated(key: string, jobId: string): void {
    this.summaries.set(jobId, { jobId, status: 'IN_PROGRESS' });
    this.index.add(jobId);
    this.ownedByKey.set(key, jobId);
    this.createdAt.set(jobId, Number.MAX_SAFE_INTEGER);
    this.seenKeys.add(key);
    this.observed.delete(jobId);
  }

  /** Records that a job is gone from AWS. */
  recordGone(jobId: string): void {
    this.observed.delete(jobId);
    this.summaries.delete(jobId);
    this.createdAt.delete(jobId);
    for (const [k, id] of this.ownedByKey) if (id === jobId) this.ownedByKey.delete(k);
  }

  /** Whether a job was ever seen for this manifest (so a missing one was deleted by someone). */
  seen(key: string): boolean {
    return this.seenKeys.has(key);
  }

  /** Job ids listed by AWS whose ownership is not known yet, active ones first. */
  unknownJobs(limit: number): JobSummary[] {
    const out: JobSummary[] = [];
    const owned = new Set(this.ownedByKey.values());
    for (const pass of [false, true]) {
      for (const s of this.summaries.values()) {
        if (out.length >= limit) return out;
        if (isTerminalJob(s.status) !== pass || owned.has(s.jobId) || this.observed.has(s.jobId) || s.status === 'DELETION_IN_PROGRESS') continue;
        out.push(s);
      }
    }
    return out;
  }
}
