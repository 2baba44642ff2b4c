/**
 * Configurations that cannot work as intended, in words, from the manifests and what the rehearsal
 * saw: abort criteria that need more executed things than the job has reached, gates that need more
 * finished executions than the wave has things, and rollouts slower than a limit. Pure.
 */
import type { DesiredJob } from '../model/iot-job.js';
import type { JobTimeline } from './result.js';

const DAY_MS = 86_400_000;

/** One job as the warnings see it. */
export interface Rehearsed {
  timeline: JobTimeline;
  desired: DesiredJob;
}

/** Every warning, job by job. */
export function warningsOf(jobs: readonly Rehearsed[], o: { warnDays: number }): string[] {
  const byName = new Map(jobs.map((j) => [j.desired.key, j]));
  return jobs.flatMap((j) => [...abortWarnings(j), ...gateWarnings(j), ...dependencyWarnings(j, byName), ...slowWarnings(j, o.warnDays)]);
}

/** AWS judges abort criteria over all of a job's executions: during wave i, at most the things of waves 0..i. */
function abortWarnings({ timeline, desired }: Rehearsed): string[] {
  const out: string[] = [];
  let reach = 0;
  let inForce = desired.spec.abortConfig;
  timeline.waves.forEach((w, i) => {
    reach += w.size;
    inForce = desired.spec.waves?.[i]?.abortConfig ?? inForce;
    for (const c of inForce?.criteriaList ?? [])
      if (c.minNumberOfExecutedThings > reach)
        out.push(
          `${timeline.key}: ${where(desired, w.name)}abort criterion ${c.failureType} ≥ ${c.thresholdPercentage}% needs ${c.minNumberOfExecutedThings} executed things, but only ${reach} are targeted by then: it cannot fire there`,
        );
  });
  return out;
}

function gateWarnings({ timeline, desired }: Rehearsed): string[] {
  return (desired.spec.waves ?? []).flatMap((w, i) => {
    const size = timeline.waves[i]?.size ?? 0;
    const min = w.gate?.minFinished;
    return min !== undefined && min > size
      ? [`${timeline.key}: wave ${w.name}: gate minFinished is ${min}, but the wave has ${size} things: the gate is never judged and the rollout never widens`]
      : [];
  });
}

function dependencyWarnings({ timeline, desired }: Rehearsed, byName: Map<string, Rehearsed>): string[] {
  return (desired.spec.dependsOn ?? []).flatMap((dep) => {
    const target = byName.get(dep.name);
    const min = dep.gate?.minFinished;
    if (!target || min === undefined || min <= target.timeline.targeted) return [];
    return [
      `${timeline.key}: dependsOn ${dep.name}: gate minFinished is ${min}, but ${dep.name} targets ${target.timeline.targeted} things: ${timeline.key} is never created`,
    ];
  });
}

function slowWarnings({ timeline }: Rehearsed, warnDays: number): string[] {
  const took = timeline.stoppedAt;
  if (timeline.outcome === 'unfinished') return [`${timeline.key}: still rolling out when the rehearsal stopped (its horizon); it needs longer than that`];
  return took !== undefined && took > warnDays * DAY_MS ? [`${timeline.key}: the rollout takes ${(took / DAY_MS).toFixed(1)} days, more than ${warnDays}`] : [];
}

function where(desired: DesiredJob, wave: string): string {
  return desired.spec.waves ? `wave ${wave}: ` : '';
}
