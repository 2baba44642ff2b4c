/**
 * Pure: spec.dependsOn. A manifest's job is created only once each job it depends on has met its
 * gate, judged on all of that job's executions (without a gate: every execution finished, and for a
 * staged rollout its last wave started). Dependencies name manifests by metadata.name; in
 * Kubernetes mode, in the same namespace.
 */
import type { Dependency, DesiredJob } from '../model/iot-job.js';
import type { ObservedJob } from '../model/observed-job.js';
import type { Partition } from './canonical.js';
import { positionOf } from './rollout.js';
import { countsOf } from './rollout-state.js';
import { judgeGate } from './wave-gate.js';

/** The key of the manifest a dependency names: its name, in the namespace of the dependent's key when it has one. */
export function dependencyKey(dependentKey: string, name: string): string {
  const slash = dependentKey.indexOf('/');
  return slash < 0 ? name : `${dependentKey.slice(0, slash)}/${name}`;
}

/**
 * A cycle of dependencies through `start`, as the keys along it (start first and last); undefined
 * when there is none. Manifests that `lookup` does not know end a path.
 */
export function dependencyCycle(start: DesiredJob, lookup: (key: string) => DesiredJob | undefined): string[] | undefined {
  const path: string[] = [start.key];
  const seen = new Set<string>();
  const walk = (job: DesiredJob): string[] | undefined => {
    for (const dep of job.spec.dependsOn ?? []) {
      const key = dependencyKey(job.key, dep.name);
      if (key === start.key) return [...path, key];
      const next = seen.has(key) ? undefined : lookup(key);
      if (!next) continue;
      seen.add(key);
      path.push(key);
      const found = walk(next);
      if (found) return found;
      path.pop();
    }
    return undefined;
  };
  return walk(start);
}

/** Whether a dependency's job has met the dependency's gate, and why (in words). */
export interface DependencyVerdict {
  holds: boolean;
  words: string;
}

/** Judges one dependency on its manifest and its job (undefined: no job yet). */
export function judgeDependency(dep: Dependency, of: DesiredJob, job: ObservedJob | undefined, p: Partition): DependencyVerdict {
  if (!job) return { holds: false, words: `${dep.name} has no job yet` };
  const waves = of.spec.waves;
  if (waves && !dep.gate && positionOf(waves, job, p).wave !== waves.length - 1)
    return { holds: false, words: `${dep.name} has not reached its last wave (${waves[waves.length - 1]!.name})` };
  const j = judgeGate(dep.name, dep.gate, countsOf(job.counts));
  return { holds: j.verdict === 'holds', words: j.verdict === 'fails' ? `${j.words}: its gate fails` : j.words };
}
