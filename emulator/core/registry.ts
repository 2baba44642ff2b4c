/**
 * The thing registry: things, thing groups (with parents) and group membership. It knows nothing
 * of jobs; membership changes are reported to a listener so CONTINUOUS jobs can follow them.
 */
import { randomUUID } from 'node:crypto';
import { arnOf, parseArn, type Partition } from './arn.js';
import { invalidRequest, notFound, ServiceError } from './errors.js';
import type { Thing, ThingGroup } from './types.js';
import { checkString, THING_NAME_RULE } from './validate.js';

/** Told when a thing joins or leaves a group, after the change. */
export interface MembershipListener {
  (change: { thingName: string; groupName: string; joined: boolean }): void;
}

/** Things and thing groups of one account and region. */
export class Registry {
  readonly things = new Map<string, Thing>();
  readonly groups = new Map<string, ThingGroup>();

  constructor(
    private readonly partition: Partition,
    private readonly onMembership: MembershipListener = () => undefined,
  ) {}

  /** Creates a thing; creating one again with the same attributes is a no-op, as in the service. */
  createThing(name: string, attributes: Record<string, string> = {}, thingTypeName?: string): Thing {
    checkString('thingName', name, THING_NAME_RULE);
    const existing = this.things.get(name);
    if (existing) {
      if (JSON.stringify(existing.attributes) === JSON.stringify(attributes) && existing.thingTypeName === thingTypeName) return existing;
      throw new ServiceError('ResourceAlreadyExistsException', `Thing ${name} already exists with different attributes`, {
        resourceId: existing.thingId,
        resourceArn: existing.thingArn,
      });
    }
    const thing: Thing = {
      thingName: name,
      thingId: randomUUID(),
      thingArn: arnOf(this.partition, 'thing', name),
      thingTypeName,
      attributes: { ...attributes },
      version: 1,
      groups: new Set(),
    };
    this.things.set(name, thing);
    return thing;
  }

  /** The named thing; ResourceNotFoundException when absent. */
  thing(name: string): Thing {
    const t = this.things.get(name);
    if (!t) throw notFound('Thing', name);
    return t;
  }

  /** Creates a thing group, optionally under a parent; idempotent for an identical request. */
  createGroup(
    name: string,
    now: number,
    opts: { parentGroupName?: string; description?: string; attributes?: Record<string, string>; tags?: Record<string, string> } = {},
  ): ThingGroup {
    checkString('thingGroupName', name, THING_NAME_RULE);
    const existing = this.groups.get(name);
    if (existing) {
      if (existing.parentGroupName === opts.parentGroupName) return existing;
      throw new ServiceError('ResourceAlreadyExistsException', `Thing group ${name} already exists`, {
        resourceId: existing.thingGroupId,
        resourceArn: existing.thingGroupArn,
      });
    }
    if (opts.parentGroupName !== undefined && !this.groups.has(opts.parentGroupName)) throw notFound('Thing group', opts.parentGroupName);
    const group: ThingGroup = {
      thingGroupName: name,
      thingGroupId: randomUUID(),
      thingGroupArn: arnOf(this.partition, 'thinggroup', name),
      parentGroupName: opts.parentGroupName,
      description: opts.description,
      attributes: { ...(opts.attributes ?? {}) },
      version: 1,
      creationDate: now,
      members: new Set(),
      children: new Set(),
      tags: { ...(opts.tags ?? {}) },
    };
    this.groups.set(name, group);
    if (opts.parentGroupName !== undefined) this.groups.get(opts.parentGroupName)!.children.add(name);
    return group;
  }

  /** The named group; ResourceNotFoundException when absent. */
  group(name: string): ThingGroup {
    const g = this.groups.get(name);
    if (!g) throw notFound('Thing group', name);
    return g;
  }

  /** Resolves a thing named directly or by ARN. */
  resolveThing(name: string | undefined, arn: string | undefined): Thing {
    return this.thing(this.nameFrom('thing', name, arn));
  }

  /** Resolves a group named directly or by ARN. */
  resolveGroup(name: string | undefined, arn: string | undefined): ThingGroup {
    return this.group(this.nameFrom('thinggroup', name, arn));
  }

  private nameFrom(type: 'thing' | 'thinggroup', name: string | undefined, arn: string | undefined): string {
    if (name) return name;
    if (arn) {
      const parsed = parseArn(arn);
      if (!parsed || parsed.type !== type) throw invalidRequest(`${arn} is not a ${type} ARN`);
      return parsed.name;
    }
    throw invalidRequest(`a ${type === 'thing' ? 'thing' : 'thing group'} name or ARN is required`);
  }

  /** Adds a thing to a group; adding it again is a no-op. */
  addToGroup(thing: Thing, group: ThingGroup): void {
    if (group.members.has(thing.thingName)) return;
    group.members.add(thing.thingName);
    thing.groups.add(group.thingGroupName);
    this.onMembership({ thingName: thing.thingName, groupName: group.thingGroupName, joined: true });
  }

  /** Removes a thing from a group; removing a non-member is a no-op. */
  removeFromGroup(thing: Thing, group: ThingGroup): void {
    if (!group.members.delete(thing.thingName)) return;
    thing.groups.delete(group.thingGroupName);
    this.onMembership({ thingName: thing.thingName, groupName: group.thingGroupName, joined: false });
  }

  /** Every thing in the group and, when `recursive`, in its descendants; in a stable order. */
  membersOf(groupName: string, recursive = true): string[] {
    const out = new Set<string>();
    const visit = (name: string): void => {
      const g = this.groups.get(name);
      if (!g) return;
      for (const m of g.members) out.add(m);
      if (recursive) for (const c of g.children) visit(c);
    };
    visit(groupName);
    return [...out];
  }

  /** The group and its ancestors, nearest first. */
  ancestry(groupName: string): string[] {
    const out: string[] = [];
    for (let g = this.groups.get(groupName); g; g = g.parentGroupName ? this.groups.get(g.parentGroupName) : undefined) {
      out.push(g.thingGroupName);
    }
    return out;
  }

  /** Every group the thing belongs to, directly or through a child group. */
  effectiveGroups(thingName: string): Set<string> {
    const out = new Set<string>();
    for (const g of this.things.get(thingName)?.groups ?? []) for (const a of this.ancestry(g)) out.add(a);
    return out;
  }

  /** Forgets every thing and group. */
  clear(): void {
    this.things.clear();
    this.groups.clear();
  }
}
