/**
 * What a rehearsal's recorder knows of one job as it runs: its timeline so far, the wave of each
 * targeted thing (the first wave that names it), and the tallies and caches the recorder, its
 * verdicts and its samples keep. `newTracked` lays a manifest's waves over the registry.
 */
import type { Execution } from '../../emulator/core/types.js';
import type { DesiredJob } from '../model/iot-job.js';
import type { JobTimeline, StatusCounts, WaveTimeline } from './result.js';

/** What the recorder knows of one job as it runs. */
export interface Tracked {
  timeline: JobTimeline;
  desired: DesiredJob;
  /** Thing → index of the first wave that targets it. */
  waveOf: Map<string, number>;
  /** Things that started an execution (counted until the rollout stopped, as every tally is). */
  exposed: Set<string>;
  /** Things that reported an outcome (of any attempt), and how many per wave. */
  finishedThings: Set<string>;
  finished: number[];
  /** Targeted things whose device never answers. */
  silent: number;
  lastPhases: string[];
  /** The error of the controller's last reconcile of the job, if it failed. */
  lastError?: string;
  /** Since when every reconcile of the job has failed, and the last error (a job never created for it stops after the patience). */
  failing?: { error: string; since: number };
  /** The running wave whose gate waits while no answering device has work left, and since when. */
  drained?: { wave: string; since: number };
  /** The job's counts when it was last found not drained: no need to look again until they change. */
  notDrainedAt?: string;
  /** A sample was taken after the rollout stopped: its series ends there. */
  sampledAfterStop?: boolean;
  /** The job's execution lists with each thing's wave (sampler.ts) and how many things they were made for. */
  lists?: { size: number; entries: { list: Execution[]; wave: number }[] };
  /** The per-wave counts of the last look, and the job's counts then. */
  lastCounts?: { key: string; waves: StatusCounts[] };
}

/** A job to follow: each thing in the first wave that names it (a job without waves has one, "all"), and the timeline before anything happened. */
export function newTracked(
  key: string,
  desired: DesiredJob,
  registry: { thingsOf: (targets: readonly string[]) => string[]; answers: (thingName: string) => boolean },
): Tracked {
  const { thingsOf, answers } = registry;
  const waveSpecs = desired.spec.waves ?? [{ name: 'all', targets: desired.spec.targets ?? [] }];
  const waveOf = new Map<string, number>();
  const sizes = waveSpecs.map(() => 0);
  waveSpecs.forEach((w, i) => {
    for (const thing of thingsOf(w.targets ?? []))
      if (!waveOf.has(thing)) {
        waveOf.set(thing, i);
        sizes[i]!++;
      }
  });
  const waves: WaveTimeline[] = waveSpecs.map((w, i) => ({
    name: w.name,
    size: sizes[i]!,
    exposed: 0,
    succeeded: 0,
    failed: 0,
    phase: 'Pending',
    series: [],
  }));
  let silent = 0;
  for (const thing of waveOf.keys()) if (!answers(thing)) silent++;
  const timeline: JobTimeline = { key, jobId: desired.jobId, outcome: 'unfinished', detail: '', exposed: 0, targeted: waveOf.size, waves, events: [] };
  return {
    timeline,
    desired,
    waveOf,
    exposed: new Set(),
    finishedThings: new Set(),
    finished: waves.map(() => 0),
    silent,
    lastPhases: waves.map(() => 'Pending'),
  };
}
