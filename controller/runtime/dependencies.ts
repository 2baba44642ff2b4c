/**
 * What a manifest that is not created yet waits for: the jobs of the manifests it depends on
 * (plan/dependencies.ts judges them). Each dependency's job is read afresh (DescribeJob), so a
 * creation never rests on counts older than this reconcile.
 */
import type { IotJobs } from '../aws/iot-jobs.js';
import type { DesiredJob } from '../model/iot-job.js';
import { dependencyCycle, dependencyKey, judgeDependency } from '../plan/dependencies.js';
import type { Partition } from '../plan/canonical.js';
import type { DesiredSource } from '../sources/source.js';
import type { Inventory } from './inventory.js';

/** Why a manifest may not be created yet; `stalled` when it cannot go on without a change to the manifests (a cycle). */
export interface Blocked {
  reason: string;
  stalled?: boolean;
}

/** What judging dependencies reads. */
export interface DependencyDeps {
  source: Pick<DesiredSource, 'get'>;
  inventory: Pick<Inventory, 'ownedJobOf'>;
  jobs: Pick<IotJobs, 'readOne'>;
}

/** The first dependency that keeps `desired` from being created; undefined when it may be created. */
export async function blockedBy(desired: DesiredJob, d: DependencyDeps, p: Partition): Promise<Blocked | undefined> {
  const deps = desired.spec.dependsOn ?? [];
  if (deps.length === 0) return undefined;
  const cycle = dependencyCycle(desired, (k) => d.source.get(k));
  if (cycle) return { reason: `spec.dependsOn: a cycle of dependencies: ${cycle.join(' → ')}`, stalled: true };
  for (const dep of deps) {
    const key = dependencyKey(desired.key, dep.name);
    const of = d.source.get(key);
    if (!of) return { reason: `waiting for dependency ${dep.name}: it is not declared (${desired.key} depends on it)` };
    const jobId = d.inventory.ownedJobOf(key);
    const job = jobId === undefined ? undefined : await d.jobs.readOne(jobId);
    const verdict = judgeDependency(dep, of, job, p);
    if (!verdict.holds) return { reason: `waiting for dependency ${verdict.words}` };
  }
  return undefined;
}
