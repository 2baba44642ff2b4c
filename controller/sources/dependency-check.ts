/**
 * A snapshot's spec.dependsOn checked whole (directory mode): a dependency that names no manifest,
 * and a cycle, are problems naming both ends. In Kubernetes mode the same cases are found when the
 * IoTJob is reconciled (runtime/dependencies.ts), because objects arrive one by one.
 */
import type { ManifestProblem } from '../model/errors.js';
import type { DesiredJob } from '../model/iot-job.js';
import { dependencyCycle, dependencyKey } from '../plan/dependencies.js';

/** The problems of a snapshot's dependencies; empty when every dependency names a manifest and there is no cycle. */
export function refusedDependencies(jobs: readonly DesiredJob[]): ManifestProblem[] {
  const byKey = new Map(jobs.map((j) => [j.key, j]));
  const out: ManifestProblem[] = [];
  const inCycle = new Set<string>();
  for (const job of jobs) {
    for (const [i, dep] of (job.spec.dependsOn ?? []).entries()) {
      if (byKey.has(dependencyKey(job.key, dep.name))) continue;
      out.push({
        file: job.origin.file,
        line: job.origin.line,
        field: `spec.dependsOn[${i}].name`,
        message: `${job.key} depends on ${dep.name}, which is not declared`,
      });
    }
    if (inCycle.has(job.key)) continue;
    const cycle = dependencyCycle(job, (k) => byKey.get(k));
    if (!cycle) continue;
    for (const k of cycle) inCycle.add(k);
    out.push({ file: job.origin.file, line: job.origin.line, field: 'spec.dependsOn', message: `a cycle of dependencies: ${cycle.join(' → ')}` });
  }
  return out;
}
