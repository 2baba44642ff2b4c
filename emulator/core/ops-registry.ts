/**
 * Registry operations the simulated fleet needs: CreateThing, DescribeThing, ListThings,
 * CreateThingGroup, DescribeThingGroup, AddThingToThingGroup, RemoveThingFromThingGroup,
 * ListThingsInThingGroup.
 */
import { paginate } from './paging.js';
import type { ServiceState } from './state.js';
import type { ThingGroup } from './types.js';
import { checkMaxResults, checkString, checkTags, checkThingName, optBoolean, optString, THING_NAME_RULE } from './validate.js';
import { compact, groupView, thingView } from './views.js';

type Input = Record<string, unknown>;

function attributesOf(payload: unknown): Record<string, string> {
  const attrs = (payload as { attributes?: Record<string, string> } | undefined)?.attributes;
  return attrs && typeof attrs === 'object' ? attrs : {};
}

/** CreateThing. */
export function createThing(state: ServiceState, input: Input): Input {
  const name = checkThingName('thingName', input.thingName);
  const typeName = optString('thingTypeName', input.thingTypeName, THING_NAME_RULE);
  const t = state.registry.createThing(name, attributesOf(input.attributePayload), typeName);
  return { thingName: t.thingName, thingArn: t.thingArn, thingId: t.thingId };
}

/** DescribeThing. */
export function describeThing(state: ServiceState, input: Input): Input {
  return thingView(state.registry.thing(checkThingName('thingName', input.thingName)));
}

/** ListThings, with the attributeName/attributeValue and thingTypeName filters. */
export function listThings(state: ServiceState, input: Input): Input {
  const attrName = optString('attributeName', input.attributeName, { min: 1, max: 128 });
  const attrValue = optString('attributeValue', input.attributeValue, { min: 0, max: 800 });
  const typeName = optString('thingTypeName', input.thingTypeName, { min: 1, max: 128 });
  const items = [...state.registry.things.values()].filter(
    (t) =>
      (attrName === undefined || (attrName in t.attributes && (attrValue === undefined || t.attributes[attrName] === attrValue))) &&
      (typeName === undefined || t.thingTypeName === typeName),
  );
  const page = paginate(items, (t) => t.thingName, checkMaxResults(input.maxResults), input.nextToken as string | undefined);
  return compact({
    things: page.items.map((t) =>
      compact({ thingName: t.thingName, thingTypeName: t.thingTypeName, thingArn: t.thingArn, attributes: t.attributes, version: t.version }),
    ),
    nextToken: page.nextToken,
  });
}

/** CreateThingGroup, optionally under a parent group. */
export function createThingGroup(state: ServiceState, input: Input): Input {
  const name = checkString('thingGroupName', input.thingGroupName, THING_NAME_RULE);
  const props = (input.thingGroupProperties ?? {}) as { thingGroupDescription?: string; attributePayload?: unknown };
  const g = state.registry.createGroup(name, state.clock.now(), {
    parentGroupName: optString('parentGroupName', input.parentGroupName, THING_NAME_RULE),
    description: props.thingGroupDescription,
    attributes: attributesOf(props.attributePayload),
    tags: checkTags(input.tags),
  });
  return { thingGroupName: g.thingGroupName, thingGroupArn: g.thingGroupArn, thingGroupId: g.thingGroupId };
}

/** DescribeThingGroup. */
export function describeThingGroup(state: ServiceState, input: Input): Input {
  const g = state.registry.group(checkString('thingGroupName', input.thingGroupName, THING_NAME_RULE));
  const ancestry = state.registry
    .ancestry(g.thingGroupName)
    .slice(1)
    .reverse()
    .map((n) => state.registry.group(n));
  return groupView(g, ancestry as ThingGroup[]);
}

/** AddThingToThingGroup, by names or ARNs. */
export function addThingToThingGroup(state: ServiceState, input: Input): Input {
  const group = state.registry.resolveGroup(input.thingGroupName as string | undefined, input.thingGroupArn as string | undefined);
  const thing = state.registry.resolveThing(input.thingName as string | undefined, input.thingArn as string | undefined);
  state.registry.addToGroup(thing, group);
  return {};
}

/** RemoveThingFromThingGroup, by names or ARNs. */
export function removeThingFromThingGroup(state: ServiceState, input: Input): Input {
  const group = state.registry.resolveGroup(input.thingGroupName as string | undefined, input.thingGroupArn as string | undefined);
  const thing = state.registry.resolveThing(input.thingName as string | undefined, input.thingArn as string | undefined);
  state.registry.removeFromGroup(thing, group);
  return {};
}

/** ListThingsInThingGroup, optionally recursive. */
export function listThingsInThingGroup(state: ServiceState, input: Input): Input {
  const g = state.registry.group(checkString('thingGroupName', input.thingGroupName, THING_NAME_RULE));
  const recursive = optBoolean('recursive', input.recursive) ?? false;
  const page = paginate(
    state.registry.membersOf(g.thingGroupName, recursive),
    (n) => n,
    checkMaxResults(input.maxResults),
    input.nextToken as string | undefined,
  );
  return compact({ things: page.items, nextToken: page.nextToken });
}
