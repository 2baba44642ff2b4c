import { describe, expect, it } from 'vitest';
import { JobIdIndex, newestRevision, nextFreeJobId, revisionJobId, revisionOf } from '../../../../controller/plan/job-ids.js';

describe('replacement job ids', () => {
  it('derive revisions from the base and read them back', () => {
    expect(revisionJobId('fw', 1)).toBe('fw');
    expect(revisionJobId('fw', 2)).toBe('fw-r2');
    expect(revisionOf('fw', 'fw-r12')).toBe(12);
    expect(revisionOf('fw', 'fw')).toBe(1);
    expect(revisionOf('fw', 'fw-r1')).toBeUndefined();
    expect(revisionOf('fw', 'fwx-r2')).toBeUndefined();
    expect(revisionOf('fw-r2', 'fw-r2')).toBe(1);
  });

  it('the index finds every id shaped like a base or its revisions, and agrees with a full scan', () => {
    const ids = ['fw', 'fw-r2', 'fw-r3', 'other', 'fw-r2-r2', 'fwr-r9', `${'y'.repeat(61)}-r2`, `${'y'.repeat(60)}-r10`];
    const index = new JobIdIndex(ids);
    for (const base of ['fw', 'fw-r2', 'other', 'none', 'y'.repeat(64)]) {
      expect(index.family(base).sort()).toEqual(ids.filter((id) => revisionOf(base, id) !== undefined).sort());
    }
    expect(index.family('fw').sort()).toEqual(['fw', 'fw-r2', 'fw-r3']);
    expect(newestRevision('y'.repeat(64), index.family('y'.repeat(64)))).toBe(`${'y'.repeat(60)}-r10`);
    expect(index.family('none')).toEqual([]);
  });

  it('a replacement skips ids that are taken by anyone', () => {
    const taken = new Set(['qq-r2', 'qq-r3']);
    expect(nextFreeJobId('qq', 1, (id) => taken.has(id))).toBe('qq-r4');
    expect(nextFreeJobId('qq', 4, (id) => taken.has(id))).toBe('qq-r5');
    expect(nextFreeJobId('qq', 1, () => true)).toBeUndefined();
  });
});
