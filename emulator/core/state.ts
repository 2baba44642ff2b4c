/**
 * The service's whole state for one account and region, and the indexes kept beside it. Plain
 * data plus lookups; the transitions live in lifecycle.ts and the operations in ops-*.ts.
 */
import type { Partition } from './arn.js';
import type { Clock } from './clock.js';
import { notFound } from './errors.js';
import { Registry, type MembershipListener } from './registry.js';
import { TimerQueue } from './timers.js';
import type { Execution, Job, JobTemplate, ServiceEvent } from './types.js';

/** Tunables of the emulated service that AWS does not document or that tests want to shorten. */
export interface ServiceOptions {
  /** How long a job stays DELETION_IN_PROGRESS before it disappears: a base time... */
  deletionBaseMs: number;
  /** ...plus this much per execution the job had. */
  deletionPerExecutionMs: number;
  /** At most this many jobs may be DELETION_IN_PROGRESS at once (10 in AWS). */
  maxConcurrentDeletions: number;
  /** GetPendingJobExecutions returns at most this many of each list (10 in AWS). */
  maxPendingListed: number;
}

export const DEFAULT_SERVICE_OPTIONS: ServiceOptions = {
  deletionBaseMs: 5_000,
  deletionPerExecutionMs: 10,
  maxConcurrentDeletions: 10,
  maxPendingListed: 10,
};

/** The emulated service's state: registry, jobs, executions, timers and the S3 objects it can read. */
export class ServiceState {
  readonly jobs = new Map<string, Job>();
  /** This account's job templates (CreateJobTemplate), by jobTemplateId. */
  readonly jobTemplates = new Map<string, JobTemplate>();
  /** jobId → thingName → executions of that job on that thing, oldest first. */
  readonly executions = new Map<string, Map<string, Execution[]>>();
  /** thingName → the jobs that have an execution on it. */
  readonly jobsOfThing = new Map<string, Set<string>>();
  /** The CONTINUOUS jobs, which follow group membership. */
  readonly continuousJobs = new Set<string>();
  readonly timers = new TimerQueue<ServiceEvent>();
  /** S3 objects a documentSource may name, by URL: the emulator's stand-in for S3. */
  readonly s3Objects = new Map<string, string>();
  readonly registry: Registry;
  /** Told when a thing may have new pending work (the service's notify-next, in-process). */
  readonly notifyListeners = new Set<(thingName: string) => void>();

  constructor(
    readonly partition: Partition,
    readonly clock: Clock,
    readonly options: ServiceOptions,
    onMembership: MembershipListener,
  ) {
    this.registry = new Registry(partition, onMembership);
  }

  /** The job; ResourceNotFoundException when there is none with that id. */
  job(jobId: string): Job {
    const job = this.jobs.get(jobId);
    if (!job) throw notFound('Job', jobId);
    return job;
  }

  /** The executions of a job on a thing, oldest first; empty when there are none. */
  executionsOf(jobId: string, thingName: string): Execution[] {
    return this.executions.get(jobId)?.get(thingName) ?? [];
  }

  /** The newest execution of a job on a thing, or undefined. */
  latest(jobId: string, thingName: string): Execution | undefined {
    const list = this.executionsOf(jobId, thingName);
    return list[list.length - 1];
  }

  /** Every execution of a job, each thing's in order. */
  *allExecutions(jobId: string): Iterable<Execution> {
    for (const list of this.executions.get(jobId)?.values() ?? []) yield* list;
  }

  /** Records a new execution in the indexes. */
  addExecution(exec: Execution): void {
    let byThing = this.executions.get(exec.jobId);
    if (!byThing) this.executions.set(exec.jobId, (byThing = new Map()));
    let list = byThing.get(exec.thingName);
    if (!list) byThing.set(exec.thingName, (list = []));
    list.push(exec);
    let jobs = this.jobsOfThing.get(exec.thingName);
    if (!jobs) this.jobsOfThing.set(exec.thingName, (jobs = new Set()));
    jobs.add(exec.jobId);
  }

  /** Removes one execution from the indexes. */
  removeExecution(exec: Execution): void {
    const byThing = this.executions.get(exec.jobId);
    const list = byThing?.get(exec.thingName);
    if (!byThing || !list) return;
    const i = list.indexOf(exec);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) {
      byThing.delete(exec.thingName);
      this.jobsOfThing.get(exec.thingName)?.delete(exec.jobId);
    }
  }

  /** Removes a job and everything of it. */
  removeJob(jobId: string): void {
    for (const thingName of this.executions.get(jobId)?.keys() ?? []) this.jobsOfThing.get(thingName)?.delete(jobId);
    this.executions.delete(jobId);
    this.jobs.delete(jobId);
    this.continuousJobs.delete(jobId);
  }

  /** How many jobs are DELETION_IN_PROGRESS. */
  deletionsInProgress(): number {
    let n = 0;
    for (const j of this.jobs.values()) if (j.status === 'DELETION_IN_PROGRESS') n++;
    return n;
  }

  /** Tells the in-process listeners that a thing may have new pending work. */
  notify(thingName: string): void {
    for (const l of this.notifyListeners) l(thingName);
  }

  /** The job template; ResourceNotFoundException when there is none with that id. */
  jobTemplate(jobTemplateId: string): JobTemplate {
    const t = this.jobTemplates.get(jobTemplateId);
    if (!t) throw notFound('Job template', jobTemplateId);
    return t;
  }

  /** Forgets everything but the S3 objects and listeners. */
  clear(): void {
    this.jobs.clear();
    this.jobTemplates.clear();
    this.executions.clear();
    this.jobsOfThing.clear();
    this.continuousJobs.clear();
    this.timers.restore([]);
    this.registry.clear();
  }
}
