/**
 * What a fleet is made of, before anything is created: its thing groups, its things, the groups
 * each thing is a member of, and the behaviour of each group's devices. A thing has the behaviour
 * of the group that lists it directly (the most specific one), whatever groups include it. Pure.
 */
import { withDefaults } from '../core/defaults.js';
import { DEFAULT_BEHAVIOR, type DeviceBehavior } from './behavior.js';
import { groupBehavior, includedGroups, ownSizes, validateFleetModel, type FleetModel } from './model.js';

/** One thing: its name, the group whose devices' behaviour it has, and every group it is a member of (that group first). */
export interface PlannedThing {
  name: string;
  group: string;
  memberOf: readonly string[];
}

/** A fleet to build. */
export interface FleetLayout {
  groups: string[];
  things: PlannedThing[];
  /** Per group, the behaviour its own devices have beyond the fleet's (empty: the fleet's). */
  behaviors: Map<string, Partial<DeviceBehavior>>;
  /** The model's seed, if it sets one. */
  seed?: number;
}

/** The name of the i-th device: device-0001, device-0002, … */
export function deviceName(prefix: string, i: number, size: number): string {
  return `${prefix}${String(i + 1).padStart(Math.max(4, String(size).length), '0')}`;
}

/** The fleet of `--fleet N`: `size` things named `<prefix>0001`, … in one group, all with the fleet's behaviour. */
export function singleGroupLayout(size: number, groupName: string, thingPrefix: string): FleetLayout {
  const memberOf = [groupName];
  const things = Array.from({ length: size }, (_, i) => ({ name: deviceName(thingPrefix, i, size), group: groupName, memberOf }));
  return { groups: [groupName], things, behaviors: new Map([[groupName, {}]]) };
}

/** The fleet a model describes (validated first: a FleetModelError if it does not hold). Each group's own things are `<group>-0001`, …. */
export function modelLayout(value: FleetModel): FleetLayout {
  const model = validateFleetModel(value);
  const own = ownSizes(model);
  const containers = new Map<string, string[]>(model.groups.map((g) => [g.name, [g.name]]));
  for (const g of model.groups) for (const inner of includedGroups(model, g.name).slice(1)) containers.get(inner)!.push(g.name);
  const things = model.groups.flatMap((g) => {
    const n = own.get(g.name)!;
    const memberOf = containers.get(g.name)!;
    return Array.from({ length: n }, (_, i) => ({ name: deviceName(`${g.name}-`, i, n), group: g.name, memberOf }));
  });
  const behaviors = new Map(model.groups.map((g) => [g.name, groupBehavior(model, g)]));
  return { groups: model.groups.map((g) => g.name), things, behaviors, seed: model.seed };
}

/** The things that are members of `group` (directly or through its includes). */
export function membersOf(layout: FleetLayout, group: string): PlannedThing[] {
  return layout.things.filter((t) => t.memberOf.includes(group));
}

/** Each group's device behaviour: the defaults, then the layout's seed, then `given` (fleet-wide settings), then what the group sets. */
export function groupBehaviors(layout: FleetLayout, given: Partial<DeviceBehavior> = {}): Map<string, DeviceBehavior> {
  const fleetWide = withDefaults(withDefaults(DEFAULT_BEHAVIOR, { seed: layout.seed }), given);
  return new Map([...layout.behaviors].map(([group, own]) => [group, withDefaults(fleetWide, own)]));
}
