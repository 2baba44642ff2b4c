import { describe, expect, it } from 'vitest';
import { currentJobId, JobIdIndex, revisionJobId, revisionOf } from '../../../controller/plan/job-ids.js';

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

  it('pick the newest revision, and the index agrees with a full scan', () => {
    const ids = ['fw', 'fw-r2', 'fw-r3', 'other', 'fw-r2-r2', 'fwr-r9', `${'y'.repeat(61)}-r2`, `${'y'.repeat(60)}-r10`];
    const index = new JobIdIndex(ids);
    for (const base of ['fw', 'fw-r2', 'other', 'none', 'y'.repeat(64)]) expect(index.current(base)).toBe(currentJobId(base, ids));
    expect(index.current('fw')).toBe('fw-r3');
    expect(index.current('fw-r2')).toBe('fw-r2-r2');
    expect(index.current('y'.repeat(64))).toBe(`${'y'.repeat(60)}-r10`);
    expect(index.current('none')).toBeUndefined();
  });
});
