/**
 * The service state as plain JSON, for the admin snapshot and the state file. `restore` is the
 * inverse of `snapshot`: a restarted emulator loses no job, execution, thing, group or timer.
 */
import type { ServiceState } from './state.js';
import type { TimedEvent } from './timers.js';
import type { Execution, Job, JobTemplate, ServiceEvent, Thing, ThingGroup } from './types.js';

/** The format version of a snapshot; restore refuses others. */
export const SNAPSHOT_VERSION = 1;

type Plain<T> = Omit<T, 'groups' | 'members' | 'children'> & Record<string, unknown>;

/** A serialisable copy of the whole state. */
export interface Snapshot {
  version: number;
  partition: { account: string; region: string };
  takenAt: number;
  jobs: Job[];
  /** Absent in snapshots taken before job templates existed: restored as none. */
  jobTemplates?: JobTemplate[];
  executions: Execution[];
  things: (Plain<Thing> & { groups: string[] })[];
  groups: (Plain<ThingGroup> & { members: string[]; children: string[] })[];
  timers: TimedEvent<ServiceEvent>[];
  s3Objects: [string, string][];
}

/** Takes a deep, JSON-safe copy of the state. */
export function snapshot(state: ServiceState): Snapshot {
  const executions: Execution[] = [];
  for (const byThing of state.executions.values()) for (const list of byThing.values()) executions.push(...list);
  return structuredClone({
    version: SNAPSHOT_VERSION,
    partition: state.partition,
    takenAt: state.clock.now(),
    jobs: [...state.jobs.values()],
    jobTemplates: [...state.jobTemplates.values()],
    executions,
    things: [...state.registry.things.values()].map((t) => ({ ...t, groups: [...t.groups] })),
    groups: [...state.registry.groups.values()].map((g) => ({ ...g, members: [...g.members], children: [...g.children] })),
    timers: [...state.timers.entries()],
    s3Objects: [...state.s3Objects],
  });
}

/** Replaces the state with a snapshot's content. Throws on a snapshot of another version or partition. */
export function restore(state: ServiceState, snap: Snapshot): void {
  if (snap.version !== SNAPSHOT_VERSION) throw new Error(`state snapshot version ${snap.version} is not supported (expected ${SNAPSHOT_VERSION})`);
  const p = snap.partition;
  if (p.account !== state.partition.account || p.region !== state.partition.region) {
    throw new Error(`state snapshot is for ${p.account}/${p.region}, not ${state.partition.account}/${state.partition.region}`);
  }
  state.clear();
  const copy = structuredClone(snap);
  for (const t of copy.things) state.registry.things.set(t.thingName, { ...t, groups: new Set(t.groups) } as Thing);
  for (const g of copy.groups) state.registry.groups.set(g.thingGroupName, { ...g, members: new Set(g.members), children: new Set(g.children) } as ThingGroup);
  for (const j of copy.jobs) {
    state.jobs.set(j.jobId, j);
    if (j.targetSelection === 'CONTINUOUS') state.continuousJobs.add(j.jobId);
  }
  restoreTemplates(state, copy.jobTemplates);
  for (const e of copy.executions) state.addExecution(e);
  state.timers.restore(copy.timers);
  state.s3Objects.clear();
  for (const [k, v] of copy.s3Objects) state.s3Objects.set(k, v);
}

/** The job templates of a snapshot; one taken before templates existed has none. */
function restoreTemplates(state: ServiceState, templates: JobTemplate[] | undefined): void {
  for (const t of templates ?? []) state.jobTemplates.set(t.jobTemplateId, t);
}
