/**
 * A fleet model: thing groups, each with a size, the groups it includes (a canary inside the
 * fleet) and the behaviour of the devices it lists directly. Pure: the types, the checks (the
 * schema, then names, includes, cycles, rates and sizes) and the arithmetic of membership. The
 * format is described in docs/fleet-model.md; model-file.ts reads one from YAML or JSON.
 */
import { DEFAULT_BEHAVIOR, type DeviceBehavior } from './behavior.js';
import { schemaProblems } from './model-schema.js';

/** Simulated seconds: exactly, uniformly from min to max, or long-tailed (log-normal) with a median and a 95th percentile. */
export type WorkSeconds = number | { min: number; max: number } | { median: number; p95: number };

/** What a model says about devices; every field optional (a group's over the model's defaults over the built-in ones). */
export interface GroupBehavior {
  /** Share of the online devices' attempts that end FAILED. */
  failureRate?: number;
  /** Share of the online devices' attempts that are REJECTED. */
  rejectRate?: number;
  /** Share of the online devices that never answer (their executions stay QUEUED). */
  silentRate?: number;
  /** Share of the devices online; the offline ones behave as silent. */
  onlineShare?: number;
  workSeconds?: WorkSeconds;
  /** Simulated seconds between a device hearing of pending work and starting it (default 0). */
  acceptSeconds?: WorkSeconds;
}

/** One thing group. */
export interface GroupModel extends GroupBehavior {
  name: string;
  /** Members in all: the things of the included groups plus the group's own, `<name>-0001`, …, which fill the rest. */
  size: number;
  /** Groups whose things are members of this one too. */
  includes?: string[];
}

/** A whole model. */
export interface FleetModel {
  /** Seed of the devices' draws (default 42). */
  seed?: number;
  defaults?: GroupBehavior;
  groups: GroupModel[];
}

/** The most things a model may make. */
export const MAX_THINGS = 1_000_000;

/** A model that does not hold: every problem, one line each (`groups[1].failureRate: must be <= 1`). */
export class FleetModelError extends Error {
  constructor(
    readonly problems: string[],
    where = 'fleet model',
  ) {
    super(`${where}: ${problems.length === 1 ? problems[0] : `${problems.length} problems:\n  ${problems.join('\n  ')}`}`);
    this.name = 'FleetModelError';
  }
}

/** The problems of a value read as a model; empty when it is a valid one. */
export function fleetModelProblems(value: unknown): string[] {
  const schema = schemaProblems(value);
  if (schema.length > 0) return schema;
  const model = value as FleetModel;
  const graph = [...nameProblems(model), ...cycleProblems(model)];
  const groups = model.groups.flatMap((g, i) => [
    ...rateProblems(model, g, i),
    ...workProblems(g.workSeconds, `groups[${i}].workSeconds`),
    ...workProblems(g.acceptSeconds, `groups[${i}].acceptSeconds`),
  ]);
  const defaults = [
    ...workProblems(model.defaults?.workSeconds, 'defaults.workSeconds'),
    ...workProblems(model.defaults?.acceptSeconds, 'defaults.acceptSeconds'),
  ];
  return [...graph, ...defaults, ...groups, ...(graph.length === 0 ? sizeProblems(model) : [])];
}

/** The model itself when valid; a FleetModelError listing every problem otherwise. */
export function validateFleetModel(value: unknown, where?: string): FleetModel {
  const problems = fleetModelProblems(value);
  if (problems.length > 0) throw new FleetModelError(problems, where);
  return value as FleetModel;
}

/** Names used twice, and includes naming no group. */
function nameProblems(model: FleetModel): string[] {
  const first = new Map<string, number>();
  const out: string[] = [];
  model.groups.forEach((g, i) => {
    const j = first.get(g.name);
    if (j === undefined) first.set(g.name, i);
    else out.push(`groups[${i}].name: "${g.name}" is already the name of groups[${j}]`);
  });
  model.groups.forEach((g, i) =>
    (g.includes ?? []).forEach((name, k) => {
      if (!first.has(name)) out.push(`groups[${i}].includes[${k}]: no group is named "${name}"`);
    }),
  );
  return out;
}

/** Each cycle of includes once, at the group where the search met it: `groups[0].includes: a cycle: fleet → ten → fleet`. */
function cycleProblems(model: FleetModel): string[] {
  const index = new Map(model.groups.map((g, i) => [g.name, i]));
  const state = new Map<string, 'open' | 'done'>();
  const out: string[] = [];
  const visit = (name: string, path: string[]): void => {
    state.set(name, 'open');
    const here = [...path, name];
    for (const next of model.groups[index.get(name)!]!.includes ?? []) {
      if (state.get(next) === 'open') out.push(`groups[${index.get(name)}].includes: a cycle: ${[...here.slice(here.indexOf(next)), next].join(' → ')}`);
      else if (!state.has(next) && index.has(next)) visit(next, here);
    }
    state.set(name, 'done');
  };
  for (const g of model.groups) if (!state.has(g.name)) visit(g.name, []);
  return out;
}

/** failureRate + rejectRate + silentRate above 1, once the defaults fill in what the group leaves out. */
function rateProblems(model: FleetModel, group: GroupModel, i: number): string[] {
  const b = { ...DEFAULT_BEHAVIOR, ...groupBehavior(model, group) };
  const sum = b.failureRate + b.rejectRate + b.silentRate;
  return sum > 1 + 1e-9 ? [`groups[${i}]: failureRate + rejectRate + silentRate is ${+sum.toFixed(6)}, must be <= 1`] : [];
}

function workProblems(work: WorkSeconds | undefined, field: string): string[] {
  if (typeof work !== 'object') return [];
  if ('min' in work) return work.min > work.max ? [`${field}: min must be <= max`] : [];
  return work.median > 0 && work.p95 > work.median ? [] : [`${field}: p95 must be above median, and median above 0`];
}

/** Sizes too small for the things the includes bring, and a model with more than MAX_THINGS things. */
function sizeProblems(model: FleetModel): string[] {
  const own = ownSizes(model);
  const out: string[] = [];
  model.groups.forEach((g, i) => {
    if (own.get(g.name)! < 0) out.push(`groups[${i}].size: must be at least ${g.size - own.get(g.name)!}, the things its includes bring`);
  });
  const total = [...own.values()].reduce((a, n) => a + Math.max(0, n), 0);
  if (total > MAX_THINGS) out.push(`groups: ${total} things in all, must be <= ${MAX_THINGS}`);
  return out;
}

/** The groups whose things are members of `name`: the group itself, then every group its includes reach, each once. */
export function includedGroups(model: FleetModel, name: string): string[] {
  const byName = new Map(model.groups.map((g) => [g.name, g]));
  const seen = new Set<string>();
  const walk = (n: string): void => {
    if (seen.has(n) || !byName.has(n)) return;
    seen.add(n);
    for (const m of byName.get(n)!.includes ?? []) walk(m);
  };
  walk(name);
  return [...seen];
}

/** How many things each group lists directly (its own): its size less its included groups' own things. Negative when the size is too small. */
export function ownSizes(model: FleetModel): Map<string, number> {
  const own = new Map<string, number>();
  const resolve = (g: GroupModel): number => {
    if (!own.has(g.name)) {
      const brought = includedGroups(model, g.name)
        .slice(1)
        .reduce((sum, n) => sum + Math.max(0, resolve(model.groups.find((h) => h.name === n)!)), 0);
      own.set(g.name, g.size - brought);
    }
    return own.get(g.name)!;
  };
  for (const g of model.groups) resolve(g);
  return own;
}

/** Seconds as the fleet's ms: the base (exact, shortest or median), the uniform spread above it, and the long tail's 95th percentile (0: none). */
function spanMs(s: WorkSeconds | undefined): { min: number; spread: number; p95: number } | undefined {
  if (s === undefined) return undefined;
  if (typeof s === 'number') return { min: s * 1000, spread: 0, p95: 0 };
  if ('min' in s) return { min: s.min * 1000, spread: (s.max - s.min) * 1000, p95: 0 };
  return { min: s.median * 1000, spread: 0, p95: s.p95 * 1000 };
}

/** The device behaviour a group sets (over the model's defaults), in the fleet's units; fields neither sets are left out. */
export function groupBehavior(model: FleetModel, group: GroupModel): Partial<DeviceBehavior> {
  const pick = <K extends keyof GroupBehavior>(k: K): GroupBehavior[K] => group[k] ?? model.defaults?.[k];
  const work = spanMs(pick('workSeconds'));
  const accept = spanMs(pick('acceptSeconds'));
  const out: Partial<DeviceBehavior> = {
    acceptMs: accept?.min,
    acceptSpreadMs: accept?.spread,
    acceptP95Ms: accept?.p95,
    failureRate: pick('failureRate'),
    rejectRate: pick('rejectRate'),
    silentRate: pick('silentRate'),
    onlineShare: pick('onlineShare'),
    workMs: work?.min,
    workSpreadMs: work?.spread,
    workP95Ms: work?.p95,
  };
  for (const k of Object.keys(out) as (keyof DeviceBehavior)[]) if (out[k] === undefined) delete out[k];
  return out;
}
