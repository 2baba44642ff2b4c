/**
 * What the controller knows about AWS between reconciles: the latest ListJobs summaries, the jobs
 * it has read (with their tags, so ownership is known), which manifest each owned job belongs to,
 * and, through the ledger, the jobs it created or saw per manifest, including those someone else
 * deleted. The summaries and observations are rebuilt from AWS after a restart; the ledger is
 * kept only with a --state-file (otherwise it lasts as long as the process).
 */
import { isTerminalJob, type JobSummary, type ObservedJob } from '../model/observed-job.js';
import { JobIdIndex } from '../plan/job-ids.js';
import type { JobOwner } from '../plan/job-identity.js';
import { isOwned, MANAGED_BY, recordedDeletionPolicy, SOURCE_KEY } from '../plan/ownership.js';
import { Ledger } from './ledger.js';
import { realClock } from './clock.js';

/** The controller's memory of AWS. */
export class Inventory {
  private summaries = new Map<string, JobSummary>();
  private index = new JobIdIndex([]);
  private readonly observed = new Map<string, ObservedJob>();
  /** job id → what its tags say about its owner, for every job read. */
  private readonly owners = new Map<string, JobOwner>();
  /** manifest key → the newest owned job id for it. */
  private readonly ownedByKey = new Map<string, string>();
  private readonly createdAt = new Map<string, number>();
  /** owned job id → the manifest key its tags named when last read. */
  private readonly keyOfJob = new Map<string, string>();
  private listedOnce = false;

  constructor(
    private readonly controllerId: string,
    readonly ledger: Ledger = new Ledger({ clock: realClock }),
  ) {}

  /** Replaces the summaries with a fresh ListJobs result. */
  setSummaries(list: readonly JobSummary[]): void {
    this.summaries = new Map(list.map((s) => [s.jobId, s]));
    this.index = new JobIdIndex(this.summaries.keys());
    this.listedOnce = true;
    for (const [jobId] of this.observed) if (!this.summaries.has(jobId)) this.observed.delete(jobId);
    // An unlisted job's owner is read again before anything is concluded from it.
    for (const [jobId] of this.owners) if (!this.summaries.has(jobId)) this.owners.delete(jobId);
  }

  /** How many jobs the last ListJobs reported. */
  get size(): number {
    return this.summaries.size;
  }

  /** Whether a ListJobs pass has completed since start (before it, absence proves nothing). */
  get listed(): boolean {
    return this.listedOnce;
  }

  /** Whether a job id is in use in AWS as far as the last ListJobs and later creates tell. */
  taken(jobId: string): boolean {
    return this.summaries.has(jobId);
  }

  /** The listed ids shaped like `base` or its revisions: the candidates for a manifest's job. */
  familyIds(base: string): string[] {
    return this.index.family(base);
  }

  /** What a job's tags say about its owner; undefined while the job has not been read. */
  ownerOf(jobId: string): JobOwner | undefined {
    return this.owners.get(jobId);
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

  /** Records a read of a job: its observation, its owner and, when it is ours, its manifest. */
  recordObserved(job: ObservedJob): void {
    this.observed.set(job.jobId, job);
    const key = job.tags[SOURCE_KEY];
    this.owners.set(job.jobId, { jobId: job.jobId, managedBy: job.tags[MANAGED_BY], sourceKey: key });
    if (!this.summaries.has(job.jobId)) this.addSummary({ jobId: job.jobId, status: job.status });
    this.forgetOtherOwner(job.jobId, key);
    if (key === undefined || !isOwned(job, this.controllerId)) return;
    this.ledger.remember(job.jobId, key, job.status !== 'DELETION_IN_PROGRESS');
    const current = this.ownedByKey.get(key);
    const at = job.createdAt ?? 0;
    if (!current || current === job.jobId || at >= (this.createdAt.get(current) ?? 0)) {
      this.ownedByKey.set(key, job.jobId);
      this.createdAt.set(job.jobId, at);
    }
    this.keyOfJob.set(job.jobId, key);
  }

  /** A job whose source-key now names another manifest (a rename took it) is no longer the old one's. */
  private forgetOtherOwner(jobId: string, key: string | undefined): void {
    const before = this.keyOfJob.get(jobId);
    if (before === undefined || before === key) return;
    if (this.ownedByKey.get(before) === jobId) this.ownedByKey.delete(before);
    this.keyOfJob.delete(jobId);
  }

  /** Records that a job was created for a manifest. */
  recordCreated(key: string, jobId: string): void {
    this.addSummary({ jobId, status: 'IN_PROGRESS' });
    this.owners.set(jobId, { jobId, managedBy: this.controllerId, sourceKey: key });
    this.ledger.remember(jobId, key);
    this.ownedByKey.set(key, jobId);
    this.keyOfJob.set(jobId, key);
    this.createdAt.set(jobId, Number.MAX_SAFE_INTEGER);
    this.observed.delete(jobId);
  }

  /**
   * Records, durably before the call, that this controller is about to delete a job, so that its
   * disappearance is not taken for someone else's doing even after a crash.
   */
  recordDeleting(jobId: string): void {
    this.ledger.markDeleting(jobId);
    this.ledger.flush();
  }

  /** Records that a job is gone from AWS. */
  recordGone(jobId: string): void {
    this.observed.delete(jobId);
    this.summaries.delete(jobId);
    this.index.remove(jobId);
    this.owners.delete(jobId);
    this.createdAt.delete(jobId);
    this.ledger.markGone(jobId);
    const key = this.keyOfJob.get(jobId);
    if (key !== undefined && this.ownedByKey.get(key) === jobId) this.ownedByKey.delete(key);
    this.keyOfJob.delete(jobId);
  }

  /** Job ids listed by AWS whose ownership is not known yet, active ones first. */
  unknownJobs(limit: number): JobSummary[] {
    const out: JobSummary[] = [];
    for (const pass of [false, true]) {
      for (const s of this.summaries.values()) {
        if (out.length >= limit) return out;
        if (isTerminalJob(s.status) !== pass || this.owners.has(s.jobId) || s.status === 'DELETION_IN_PROGRESS') continue;
        out.push(s);
      }
    }
    return out;
  }

  private addSummary(s: JobSummary): void {
    this.summaries.set(s.jobId, s);
    this.index.add(s.jobId);
  }
}
