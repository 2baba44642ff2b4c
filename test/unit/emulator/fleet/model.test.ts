/**
 * The fleet model's checks: the schema's errors name the field (`groups[1].failureRate: must be <= 1`),
 * and the checks in code refuse unknown includes, cycles, rates above 1, min above max and sizes
 * smaller than what the includes bring.
 */
import { describe, expect, it } from 'vitest';
import { FleetModelError, fleetModelProblems, groupBehavior, ownSizes, validateFleetModel } from '../../../../emulator/fleet/model.js';
import { STAGED } from './staged-model.js';

describe('a valid model', () => {
  it('has no problems and is returned as it is', () => {
    expect(fleetModelProblems(STAGED)).toEqual([]);
    expect(validateFleetModel(STAGED)).toBe(STAGED);
  });

  it('may be a single group with nothing but a name and a size', () => {
    expect(fleetModelProblems({ groups: [{ name: 'fleet', size: 3 }] })).toEqual([]);
  });
});

describe('schema errors name the field', () => {
  it.each([
    [
      {
        groups: [
          { name: 'a', size: 1 },
          { name: 'b', size: 1, failureRate: 2 },
        ],
      },
      'groups[1].failureRate: must be <= 1',
    ],
    [{ groups: [{ name: 'a', size: 1, rejectRate: -0.1 }] }, 'groups[0].rejectRate: must be >= 0'],
    [{ groups: [{ name: 'a' }] }, 'groups[0].size: is required'],
    [{ groups: [{ name: 'a', size: 1.5 }] }, 'groups[0].size: must be integer'],
    [{ groups: [{ name: 'a', size: 1, failurerate: 0.1 }] }, 'groups[0].failurerate: is not a known field'],
    [{ groups: [{ name: 'a b', size: 1 }] }, 'groups[0].name: must match pattern "^[a-zA-Z0-9:_-]+$"'],
    [{ groups: [{ name: 'a', size: 1, workSeconds: '20s' }] }, 'groups[0].workSeconds: must be a number of seconds, { min, max } or { median, p95 }'],
    [{ groups: [{ name: 'a', size: 1, workSeconds: { min: 5 } }] }, 'groups[0].workSeconds.max: is required'],
    [{ groups: [{ name: 'a', size: 1, acceptSeconds: { median: 5 } }] }, 'groups[0].acceptSeconds.p95: is required'],
    [{ groups: [{ name: 'a', size: 1, workSeconds: { median: 5, p95: 9, max: 1 } }] }, 'groups[0].workSeconds.max: is not a known field'],
    [{ groups: [{ name: 'a', size: 1, includes: 'b' }] }, 'groups[0].includes: must be array'],
    [{ defaults: { silentRate: 1.5 }, groups: [{ name: 'a', size: 1 }] }, 'defaults.silentRate: must be <= 1'],
    [{ groups: [] }, 'groups: must NOT have fewer than 1 items'],
    [{}, 'groups: is required'],
    [{ groups: [{ name: 'a', size: 1 }], seeds: 1 }, 'seeds: is not a known field'],
    [[], 'the model: must be object'],
  ])('%j: %s', (model, problem) => {
    expect(fleetModelProblems(model)).toContain(problem);
  });

  it('reports every field at once', () => {
    expect(fleetModelProblems({ groups: [{ name: 'a', size: -1, failureRate: 2, onlineShare: 'all' }] })).toEqual([
      'groups[0].size: must be >= 0',
      'groups[0].failureRate: must be <= 1',
      'groups[0].onlineShare: must be number',
    ]);
  });
});

describe('checks in code', () => {
  it('refuses a name used twice and an include that names no group', () => {
    const problems = fleetModelProblems({
      groups: [
        { name: 'fleet', size: 9, includes: ['canray'] },
        { name: 'fleet', size: 1 },
      ],
    });
    expect(problems).toEqual(['groups[1].name: "fleet" is already the name of groups[0]', 'groups[0].includes[0]: no group is named "canray"']);
  });

  it('refuses a cycle of includes, naming its groups, and a group that includes itself', () => {
    const cycle = {
      groups: [
        { name: 'a', size: 3, includes: ['b'] },
        { name: 'b', size: 2, includes: ['c'] },
        { name: 'c', size: 1, includes: ['a'] },
      ],
    };
    expect(fleetModelProblems(cycle)).toEqual(['groups[2].includes: a cycle: a → b → c → a']);
    expect(fleetModelProblems({ groups: [{ name: 'a', size: 1, includes: ['a'] }] })).toEqual(['groups[0].includes: a cycle: a → a']);
  });

  it('refuses rates above 1 in all, counting what the defaults fill in', () => {
    const model = {
      defaults: { failureRate: 0.6 },
      groups: [
        { name: 'a', size: 1, rejectRate: 0.3, silentRate: 0.2 },
        { name: 'b', size: 1, rejectRate: 0.4 },
      ],
    };
    expect(fleetModelProblems(model)).toEqual(['groups[0]: failureRate + rejectRate + silentRate is 1.1, must be <= 1']);
  });

  it('refuses a spread whose min is above its max', () => {
    const model = { defaults: { workSeconds: { min: 9, max: 1 } }, groups: [{ name: 'a', size: 1, workSeconds: { min: 5, max: 2 } }] };
    expect(fleetModelProblems(model)).toEqual(['defaults.workSeconds: min must be <= max', 'groups[0].workSeconds: min must be <= max']);
    const tail = { groups: [{ name: 'a', size: 1, workSeconds: { median: 50, p95: 20 } }] };
    expect(fleetModelProblems(tail)).toEqual(['groups[0].workSeconds: p95 must be above median, and median above 0']);
  });

  it('refuses a size smaller than the things its includes bring', () => {
    const model = {
      groups: [
        { name: 'canary', size: 10 },
        { name: 'ten', size: 5, includes: ['canary'] },
        { name: 'fleet', size: 20, includes: ['ten'] },
      ],
    };
    expect(fleetModelProblems(model)).toEqual(['groups[1].size: must be at least 10, the things its includes bring']);
  });

  it('refuses more than a million things in all', () => {
    expect(
      fleetModelProblems({
        groups: [
          { name: 'a', size: 600_000 },
          { name: 'b', size: 600_000 },
        ],
      }),
    ).toEqual(['groups: 1200000 things in all, must be <= 1000000']);
  });

  it('throws a FleetModelError that lists the problems after where the model came from (the checks in code wait for the schema)', () => {
    const bad = {
      groups: [
        { name: 'a', size: 1, failureRate: 2 },
        { name: 'b', size: 1, includes: ['x'] },
      ],
    };
    expect(() => validateFleetModel({ groups: [{ name: 'a', size: 1, failureRate: 2 }] }, 'fleet.yaml')).toThrow(
      new FleetModelError(['groups[0].failureRate: must be <= 1'], 'fleet.yaml'),
    );
    expect(() => validateFleetModel({ groups: [{ name: 'a', size: 1, failureRate: 2 }] }, 'fleet.yaml')).toThrow(
      'fleet.yaml: groups[0].failureRate: must be <= 1',
    );
    try {
      validateFleetModel(bad);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(FleetModelError);
      expect((err as FleetModelError).problems).toEqual(['groups[0].failureRate: must be <= 1']);
    }
  });
});

describe('membership arithmetic and behaviour', () => {
  it("counts a group's own things as its size less the things its includes bring, each group once", () => {
    expect(Object.fromEntries(ownSizes(STAGED))).toEqual({ canary: 50, 'ten-percent': 50, fleet: 900 });
  });

  it("gives a group's behaviour over the model's defaults, in milliseconds, leaving out what neither sets", () => {
    const spread = { workMs: 30_000, workSpreadMs: 60_000, workP95Ms: 0 };
    expect(groupBehavior(STAGED, STAGED.groups[0]!)).toEqual({ failureRate: 0.5, rejectRate: 0, silentRate: 0.1, ...spread });
    expect(groupBehavior(STAGED, STAGED.groups[2]!)).toEqual({ failureRate: 0.01, rejectRate: 0, onlineShare: 0.9, ...spread });
    expect(groupBehavior({ groups: [] }, { name: 'x', size: 1, workSeconds: 12 })).toEqual({ workMs: 12_000, workSpreadMs: 0, workP95Ms: 0 });
    const tail = { name: 'x', size: 1, workSeconds: { median: 60, p95: 600 }, acceptSeconds: { min: 1, max: 3 } };
    expect(groupBehavior({ groups: [] }, tail)).toEqual({
      workMs: 60_000,
      workSpreadMs: 0,
      workP95Ms: 600_000,
      acceptMs: 1_000,
      acceptSpreadMs: 2_000,
      acceptP95Ms: 0,
    });
  });
});
