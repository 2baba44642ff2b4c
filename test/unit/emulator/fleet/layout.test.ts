/**
 * The layout a model gives: thing names per group, the groups each thing is a member of (through
 * includes, transitively), and the most specific group (the one listing the thing directly) giving
 * its behaviour. `--fleet N` is a layout of one group with the names it always had.
 */
import { describe, expect, it } from 'vitest';
import { layoutOf } from '../../../../emulator/fleet/fleet.js';
import { deviceName, membersOf, modelLayout, singleGroupLayout } from '../../../../emulator/fleet/layout.js';
import { FleetModelError } from '../../../../emulator/fleet/model.js';
import { STAGED } from './staged-model.js';

describe('a layout from a model', () => {
  const layout = modelLayout(STAGED);
  const byName = new Map(layout.things.map((t) => [t.name, t]));

  it('makes each group its own things, <group>-0001 …, filling its size after its includes', () => {
    expect(layout.groups).toEqual(['canary', 'ten-percent', 'fleet']);
    expect(layout.things).toHaveLength(1000);
    expect(layout.things.filter((t) => t.group === 'canary').map((t) => t.name)).toEqual(Array.from({ length: 50 }, (_, i) => deviceName('canary-', i, 50)));
    expect(byName.has('ten-percent-0050') && !byName.has('ten-percent-0051')).toBe(true);
    expect(byName.has('fleet-0900') && !byName.has('fleet-0901')).toBe(true);
    expect(membersOf(layout, 'canary')).toHaveLength(50);
    expect(membersOf(layout, 'ten-percent')).toHaveLength(100);
    expect(membersOf(layout, 'fleet')).toHaveLength(1000);
  });

  it('puts a thing in every group that includes its own, and gives it the behaviour of the group that lists it directly', () => {
    expect(byName.get('canary-0001')).toEqual({ name: 'canary-0001', group: 'canary', memberOf: ['canary', 'ten-percent', 'fleet'] });
    expect(byName.get('ten-percent-0001')).toEqual({ name: 'ten-percent-0001', group: 'ten-percent', memberOf: ['ten-percent', 'fleet'] });
    expect(byName.get('fleet-0001')).toEqual({ name: 'fleet-0001', group: 'fleet', memberOf: ['fleet'] });
    expect(layout.behaviors.get('canary')).toMatchObject({ failureRate: 0.5, silentRate: 0.1 });
    expect(layout.behaviors.get('fleet')).toMatchObject({ failureRate: 0.01, onlineShare: 0.9 });
    expect(layout.seed).toBe(7);
  });

  it('follows includes transitively: a canary inside ten inside fleet is in all three', () => {
    const chain = modelLayout({
      groups: [
        { name: 'fleet', size: 6, includes: ['ten'] },
        { name: 'ten', size: 3, includes: ['canary'] },
        { name: 'canary', size: 1 },
      ],
    });
    expect(chain.things.map((t) => [t.name, t.memberOf])).toEqual([
      ['fleet-0001', ['fleet']],
      ['fleet-0002', ['fleet']],
      ['fleet-0003', ['fleet']],
      ['ten-0001', ['ten', 'fleet']],
      ['ten-0002', ['ten', 'fleet']],
      ['canary-0001', ['canary', 'fleet', 'ten']],
    ]);
  });

  it('refuses a model that does not hold', () => {
    expect(() => modelLayout({ groups: [{ name: 'a', size: 1, includes: ['b'] }] })).toThrow(FleetModelError);
  });
});

describe('the layout of --fleet N', () => {
  it('is N things named <prefix>0001 … in one group, with no behaviour of their own', () => {
    const layout = singleGroupLayout(3, 'fleet', 'device-');
    expect(layout.groups).toEqual(['fleet']);
    expect(layout.things.map((t) => [t.name, t.group, t.memberOf])).toEqual([
      ['device-0001', 'fleet', ['fleet']],
      ['device-0002', 'fleet', ['fleet']],
      ['device-0003', 'fleet', ['fleet']],
    ]);
    expect(layout.behaviors).toEqual(new Map([['fleet', {}]]));
    expect(layout.seed).toBeUndefined();
  });

  it('is what FleetOptions give, with the group and prefix they name, and names as wide as the size needs', () => {
    expect(layoutOf({ size: 2, endpoint: 'http://x' }).things.map((t) => t.name)).toEqual(['device-0001', 'device-0002']);
    const wide = layoutOf({ size: 12_000, groupName: 'g', thingPrefix: 'd', endpoint: 'http://x' });
    expect([wide.groups, wide.things[0]!.name, wide.things.at(-1)!.name]).toEqual([['g'], 'd00001', 'd12000']);
  });
});
