/**
 * Which job in AWS a manifest's reconcile looks at, and that job as AWS reports it. The candidates
 * shaped like the manifest's jobId are read until their tags are known, the ledger's jobs for it
 * are confirmed present or gone, and job-identity.ts decides by tags. Nothing is concluded before
 * the first ListJobs. Also answers, for a removed manifest, whether another one takes its job
 * over (a rename), and which job ids a replacement must skip.
 */
import type { IotJobs } from '../aws/iot-jobs.js';
import { WaitError } from '../model/errors.js';
import type { DesiredJob } from '../model/iot-job.js';
import type { ObservedJob } from '../model/observed-job.js';
import type { Metrics } from '../observability/metrics.js';
import { identify, inFamily, type JobIdentity, type JobOwner } from '../plan/job-identity.js';
import type { DesiredSource } from '../sources/source.js';
import type { FailedThingsReader } from './failed-things.js';
import type { Inventory } from './inventory.js';

/** A job as a reconcile sees it: the identity decided, and the job when there is one. */
export interface Observation {
  observed?: ObservedJob;
  identity?: JobIdentity;
}

/** What the observer works with. */
export interface ObserverDeps {
  source: DesiredSource;
  jobs: IotJobs;
  inventory: Inventory;
  metrics: Metrics;
  controllerId: string;
  failedThings?: FailedThingsReader;
  /** Called when a job turns out to be gone from AWS. */
  onGone?: (jobId: string) => void;
}

/** Observes manifests' jobs. */
export class Observer {
  /** base jobId → the declared manifest key, for the source revision it was built at. */
  private declared: { revision: string | undefined; byJobId: Map<string, string> } | undefined;

  constructor(private readonly d: ObserverDeps) {}

  /** The job of a declared manifest: its own, one it takes over (a rename), another's (reported), gone or none. */
  async desired(desired: DesiredJob): Promise<Observation> {
    const found = await this.identified(desired, this.d.source.prunesAbsent);
    if (!found.observed) return found;
    const withFailures = this.d.failedThings ? await this.d.failedThings.attach(found.observed) : found.observed;
    return { ...found, observed: await this.withOverrides(withFailures, desired) };
  }

  /** The job of a manifest being deleted (Kubernetes): only its own, by its tags; never a takeover. */
  async leaving(leaving: DesiredJob): Promise<Observation> {
    const found = await this.identified(leaving, false);
    return found.identity?.kind === 'own' ? found : { identity: found.identity };
  }

  /** The owned job of a manifest removed from the tree (directory mode); undefined when there is none. */
  async removed(key: string): Promise<ObservedJob | undefined> {
    const jobId = this.d.inventory.ownedJobOf(key);
    return jobId ? this.readCached(jobId) : undefined;
  }

  /**
   * Another declared manifest that takes the job of removed manifest `key` over (a rename): one
   * whose jobId's family holds the job and that has no job of its own there. A family job whose
   * tags are not read yet counts as claimed, so nothing is pruned on a guess.
   */
  claimant(key: string, jobId: string): string | undefined {
    if (!this.d.source.prunesAbsent) return undefined;
    for (const [base, k] of this.declaredIndex()) {
      if (k === key || !inFamily(base, jobId)) continue;
      const family = this.d.inventory.familyIds(base).map((id) => this.d.inventory.ownerOf(id));
      if (family.some((o) => o === undefined)) return k;
      if (!family.some((o) => o!.managedBy === this.d.controllerId && o!.sourceKey === k)) return k;
    }
    return undefined;
  }

  /** Whether a replacement must skip `jobId`: a job has it in AWS, or another manifest declares it. */
  taken(jobId: string): boolean {
    return this.d.inventory.taken(jobId) || this.declaredIndex().has(jobId);
  }

  /** The identity of a manifest's job, and the job unless it is gone or none; retried once if the job vanished mid-way. */
  private async identified(desired: DesiredJob, mayTakeOver: boolean, retried = false): Promise<Observation> {
    const { inventory } = this.d;
    if (!inventory.listed) throw new WaitError("waiting for the first ListJobs before deciding which job is this manifest's", 1_000);
    const fresh = await this.readUnknown(desired);
    const remembered = this.remembered(desired);
    const candidates = [...new Set([...inventory.familyIds(desired.jobId), ...remembered])]
      .map((id) => inventory.ownerOf(id))
      .filter((o): o is JobOwner => o !== undefined);
    const declared = (k: string): boolean => this.d.source.get(k) !== undefined;
    const identity = identify({ base: desired.jobId, key: desired.key, controllerId: this.d.controllerId, candidates, remembered, declared, mayTakeOver });
    if (identity.kind === 'gone' || identity.kind === 'none') return { identity };
    const observed = fresh.get(identity.jobId) ?? (await this.readCached(identity.jobId));
    if (!observed) return retried ? { identity } : this.identified(desired, mayTakeOver, true);
    return { observed, identity };
  }

  /** Reads every candidate whose tags are not known (confirming the ledger's jobs present or gone); returns what was read. */
  private async readUnknown(desired: DesiredJob): Promise<Map<string, ObservedJob>> {
    const { inventory } = this.d;
    const fresh = new Map<string, ObservedJob>();
    const remembered = this.remembered(desired);
    for (const id of new Set([...inventory.familyIds(desired.jobId), ...remembered])) {
      if (inventory.ownerOf(id) || (inventory.ledger.entry(id)?.state === 'gone' && !inventory.taken(id))) continue;
      const job = await this.read(id);
      if (job) fresh.set(id, job);
    }
    return fresh;
  }

  /**
   * The jobs of this manifest's family that the ledger remembers. A job the source remembers (a
   * Kubernetes status's jobId) is entered in the ledger first, so that after a restart without a
   * state file a job deleted while no controller ran is still known gone.
   */
  private remembered(desired: DesiredJob): string[] {
    const { ledger } = this.d.inventory;
    const recorded = desired.recordedJobId;
    if (recorded !== undefined && ledger.entry(recorded) === undefined && inFamily(desired.jobId, recorded)) ledger.remember(recorded, desired.key);
    return ledger.jobsOf(desired.key).filter((id) => inFamily(desired.jobId, id));
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
    this.d.onGone?.(jobId);
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

  /** The declared manifests by jobId, rebuilt when the source's revision changes. */
  private declaredIndex(): Map<string, string> {
    const revision = this.d.source.status().revision;
    if (this.declared && this.declared.revision === revision) return this.declared.byJobId;
    const byJobId = new Map<string, string>();
    for (const k of this.d.source.keys()) {
      const jobId = this.d.source.get(k)?.jobId;
      if (jobId !== undefined) byJobId.set(jobId, k);
    }
    this.declared = { revision, byJobId };
    return byJobId;
  }
}
