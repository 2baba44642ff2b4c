import { describe, expect, it } from 'vitest';
import { DELETION_POLICY } from '../../../../controller/plan/ownership.js';
import { Inventory } from '../../../../controller/runtime/inventory.js';
import { anObserved, CONTROLLER } from '../../../helpers/builders.js';

describe('inventory', () => {
  it('counts for the prune guard only the jobs a removal would act on', () => {
    // Regression: a manifest pruned earlier, whose job was canceled, counted as a removal again in
    // every later snapshot, so a series of small removals eventually tripped the guard.
    const inv = new Inventory(CONTROLLER);
    const active = anObserved('IN_PROGRESS', {}, 'active');
    const done = anObserved('CANCELED', {}, 'done');
    const deletable = anObserved('COMPLETED', {}, 'deletable');
    deletable.tags = { ...deletable.tags, [DELETION_POLICY]: 'Delete' };
    inv.setSummaries([active, done, deletable].map((j) => ({ jobId: j.jobId, status: j.status })));
    for (const j of [active, done, deletable]) inv.recordObserved(j);
    inv.recordCreated('fresh', 'fresh');
    expect(inv.ownedKeys().sort()).toEqual(['active', 'deletable', 'done', 'fresh']);
    expect(inv.guardedKeys().sort()).toEqual(['active', 'deletable', 'fresh']);
  });

  it('reuses a terminal observation only while ListJobs reports it unchanged', () => {
    const inv = new Inventory(CONTROLLER);
    const job = anObserved('COMPLETED', { lastUpdatedAt: 1_000 });
    inv.setSummaries([{ jobId: job.jobId, status: 'COMPLETED', lastUpdatedAt: 1_000 }]);
    inv.recordObserved(job);
    expect(inv.reusable(job.jobId)).toBe(job);
    inv.setSummaries([{ jobId: job.jobId, status: 'COMPLETED', lastUpdatedAt: 2_000 }]);
    expect(inv.reusable(job.jobId)).toBeUndefined();
    const active = anObserved('IN_PROGRESS', { lastUpdatedAt: 1_000 }, 'a');
    inv.setSummaries([{ jobId: 'a', status: 'IN_PROGRESS', lastUpdatedAt: 1_000 }]);
    inv.recordObserved(active);
    expect(inv.reusable('a')).toBeUndefined();
  });
});
