import { describe, expect, it } from 'vitest';
import { judgePrune } from '../../../../controller/plan/prune-guard.js';

describe('prune guard', () => {
  const managed = ['a', 'b', 'c', 'd'];
  it.each([
    [['a', 'b', 'c', 'd'], true, 'nothing to remove'],
    [['a', 'b', 'c'], true, '1 of 4'],
    [['a', 'b'], true, '2 of 4'],
    [['a'], false, '3 of 4 managed jobs (75%, more than 50%)'],
    [[], false, 'every managed job'],
  ])('desired %j: allowed %s', (desired, allowed, reason) => {
    const v = judgePrune(managed, new Set(desired), { maxShare: 0.5, approved: false });
    expect(v.allowed).toBe(allowed);
    expect(v.reason).toContain(reason);
  });

  it('lets an approved revision through, and refuses removing all of one job', () => {
    expect(judgePrune(managed, new Set(), { maxShare: 0.5, approved: true }).allowed).toBe(true);
    expect(judgePrune(['x'], new Set(), { maxShare: 1, approved: false }).allowed).toBe(false);
  });
});
