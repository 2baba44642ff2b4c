import { describe, expect, it } from 'vitest';
import type { Action } from '../../../../controller/model/action.js';
import type { DesiredJob } from '../../../../controller/model/iot-job.js';
import type { JobStatus, ObservedJob } from '../../../../controller/model/observed-job.js';
import { DELETION_POLICY, MANAGED_BY } from '../../../../controller/plan/ownership.js';
import { planJob, type PlanContext } from '../../../../controller/plan/planner.js';
import { aContext, aDesired, anObserved } from '../../../helpers/builders.js';

type Row = [string, DesiredJob | undefined, ObservedJob | undefined, Partial<Action> & { kind: Action['kind'] }, Partial<PlanContext>?];

const STATUSES: JobStatus[] = ['SCHEDULED', 'IN_PROGRESS', 'COMPLETED', 'CANCELED', 'DELETION_IN_PROGRESS'];
const deleting = { kind: 'wait', jobId: 'fw' } as const;

/** One row per (desired, observed status) cell. */
const rows: Row[] = [
  // desired Active, in sync
  ['Active / none', aDesired(), undefined, { kind: 'create', jobId: 'fw' }],
  [
    'Active / none, deleted by someone else',
    aDesired(),
    undefined,
    { kind: 'noop', stalled: true, reason: expect.stringContaining('Gone: job fw') },
    { goneJobId: 'fw' },
  ],
  ['Active / SCHEDULED', aDesired(), anObserved('SCHEDULED'), { kind: 'noop', reason: 'in sync' }],
  ['Active / IN_PROGRESS', aDesired(), anObserved('IN_PROGRESS'), { kind: 'noop', reason: 'in sync' }],
  ['Active / COMPLETED', aDesired(), anObserved('COMPLETED'), { kind: 'noop', reason: 'in sync' }],
  ['Active / CANCELED (by someone else)', aDesired(), anObserved('CANCELED', { reasonCode: 'OPS' }), { kind: 'noop', stalled: true }],
  ['Active / DELETION_IN_PROGRESS', aDesired(), anObserved('DELETION_IN_PROGRESS'), deleting],
  // desired Active, mutable drift
  [
    'Active, description drift / IN_PROGRESS',
    aDesired({ description: 'v2' }),
    anObserved('IN_PROGRESS', { description: 'v1' }),
    { kind: 'update', fields: ['description'] },
  ],
  ['Active, description drift / SCHEDULED', aDesired({ description: 'v2' }), anObserved('SCHEDULED'), { kind: 'update', fields: ['description'] }],
  ['Active, description drift / COMPLETED', aDesired({ description: 'v2' }), anObserved('COMPLETED'), { kind: 'noop' }],
  ['Active, description drift / CANCELED', aDesired({ description: 'v2' }), anObserved('CANCELED'), { kind: 'noop', stalled: true }],
  ['Active, description drift / DELETION_IN_PROGRESS', aDesired({ description: 'v2' }), anObserved('DELETION_IN_PROGRESS'), deleting],
  // desired Active, immutable change
  ['Active, new document, Refuse / IN_PROGRESS', aDesired({ document: { op: 'v2' } }), anObserved('IN_PROGRESS'), { kind: 'noop', stalled: true }],
  [
    'Active, new document, Recreate / IN_PROGRESS',
    aDesired({ document: { op: 'v2' }, replacePolicy: 'Recreate' }),
    anObserved('IN_PROGRESS'),
    { kind: 'replace', oldJobId: 'fw', jobId: 'fw-r2', cancelOld: true },
  ],
  [
    'Active, new document, Recreate / SCHEDULED',
    aDesired({ document: { op: 'v2' }, replacePolicy: 'Recreate' }),
    anObserved('SCHEDULED'),
    { kind: 'replace', jobId: 'fw-r2', cancelOld: true },
  ],
  [
    'Active, new document, Recreate / COMPLETED',
    aDesired({ document: { op: 'v2' }, replacePolicy: 'Recreate' }),
    anObserved('COMPLETED'),
    { kind: 'replace', jobId: 'fw-r2', cancelOld: false },
  ],
  [
    'Active, new document, Recreate / CANCELED',
    aDesired({ document: { op: 'v2' }, replacePolicy: 'Recreate' }),
    anObserved('CANCELED'),
    { kind: 'replace', jobId: 'fw-r2', cancelOld: false },
  ],
  [
    'Active, new document, Recreate / DELETION_IN_PROGRESS',
    aDesired({ document: { op: 'v2' }, replacePolicy: 'Recreate' }),
    anObserved('DELETION_IN_PROGRESS'),
    deleting,
  ],
  [
    'Active, new targets, Recreate / revision 3',
    aDesired({ targets: ['thing:t1'], replacePolicy: 'Recreate' }),
    { ...anObserved('IN_PROGRESS'), jobId: 'fw-r3' },
    { kind: 'replace', oldJobId: 'fw-r3', jobId: 'fw-r4' },
  ],
  // desired Canceled
  ['Canceled / none', aDesired({ state: 'Canceled' }), undefined, { kind: 'noop' }],
  ['Canceled / SCHEDULED', aDesired({ state: 'Canceled' }), anObserved('SCHEDULED'), { kind: 'cancel', force: false }],
  [
    'Canceled / IN_PROGRESS',
    aDesired({ state: 'Canceled', cancel: { reasonCode: 'BAD_BUILD', comment: 'no' } }),
    anObserved('IN_PROGRESS'),
    { kind: 'cancel', force: false, reasonCode: 'BAD_BUILD', comment: 'no' },
  ],
  ['Canceled+force / IN_PROGRESS', aDesired({ state: 'Canceled', cancel: { force: true } }), anObserved('IN_PROGRESS'), { kind: 'cancel', force: true }],
  ['Canceled / COMPLETED', aDesired({ state: 'Canceled' }), anObserved('COMPLETED'), { kind: 'noop' }],
  ['Canceled / CANCELED', aDesired({ state: 'Canceled' }), anObserved('CANCELED'), { kind: 'noop' }],
  [
    'Canceled+force / CANCELED, executions in progress',
    aDesired({ state: 'Canceled', cancel: { force: true } }),
    anObserved('CANCELED', { counts: { ...anObserved().counts, IN_PROGRESS: 2 } }),
    { kind: 'cancel', force: true },
  ],
  ['Canceled / DELETION_IN_PROGRESS', aDesired({ state: 'Canceled' }), anObserved('DELETION_IN_PROGRESS'), deleting],
  // suspended: nothing, whatever the state
  ['suspend / none', aDesired({ suspend: true }), undefined, { kind: 'noop' }],
  ...STATUSES.map((s): Row => [`suspend / ${s}`, aDesired({ suspend: true, state: 'Canceled' }), anObserved(s), { kind: 'noop' }]),
  // not owned: never touched, adopt opts in
  ['Active / IN_PROGRESS, not owned', aDesired(), anObserved('IN_PROGRESS', { tags: {} }), { kind: 'noop', stalled: true }],
  [
    'Canceled / IN_PROGRESS, not owned',
    aDesired({ state: 'Canceled' }),
    anObserved('IN_PROGRESS', { tags: { [MANAGED_BY]: 'someone-else' } }),
    { kind: 'noop', stalled: true },
  ],
  ['Active+adopt / IN_PROGRESS, not owned', aDesired({ adopt: true }), anObserved('IN_PROGRESS', { tags: {} }), { kind: 'update', fields: ['tags'] }],
  // manifest removed: the recorded deletionPolicy
  ['removed / none', undefined, undefined, { kind: 'noop' }],
  ['removed (Cancel) / SCHEDULED', undefined, anObserved('SCHEDULED'), { kind: 'cancel', force: false }],
  ['removed (Cancel) / IN_PROGRESS', undefined, anObserved('IN_PROGRESS'), { kind: 'cancel', force: false }],
  ['removed (Cancel) / COMPLETED', undefined, anObserved('COMPLETED'), { kind: 'noop' }],
  ['removed (Cancel) / CANCELED', undefined, anObserved('CANCELED'), { kind: 'noop' }],
  ['removed (Cancel) / DELETION_IN_PROGRESS', undefined, anObserved('DELETION_IN_PROGRESS'), deleting],
  ['removed (Delete) / IN_PROGRESS', undefined, withPolicy(anObserved('IN_PROGRESS'), 'Delete'), { kind: 'cancel', force: false }],
  ['removed (Delete) / CANCELED', undefined, withPolicy(anObserved('CANCELED'), 'Delete'), { kind: 'delete', jobId: 'fw' }],
  ['removed (Delete) / COMPLETED', undefined, withPolicy(anObserved('COMPLETED'), 'Delete'), { kind: 'delete', jobId: 'fw' }],
  ['removed (Delete) / DELETION_IN_PROGRESS', undefined, withPolicy(anObserved('DELETION_IN_PROGRESS'), 'Delete'), deleting],
  ['removed (Orphan) / IN_PROGRESS', undefined, withPolicy(anObserved('IN_PROGRESS'), 'Orphan'), { kind: 'noop' }],
  ['removed / IN_PROGRESS, not owned', undefined, anObserved('IN_PROGRESS', { tags: {} }), { kind: 'noop' }],
  // Kubernetes: the deleted object's own deletionPolicy wins over the tag (it may have been changed just before the delete)
  ['deleted (spec Delete, tag Cancel) / CANCELED', undefined, anObserved('CANCELED'), { kind: 'delete', jobId: 'fw' }, { deletionPolicy: 'Delete' }],
  [
    'deleted (spec Orphan, tag Delete) / IN_PROGRESS',
    undefined,
    withPolicy(anObserved('IN_PROGRESS'), 'Delete'),
    { kind: 'noop' },
    { deletionPolicy: 'Orphan' },
  ],
  // Regression: renaming a manifest (same jobId, new name) must not cancel the rollout it now declares
  [
    'removed, jobId declared by a renamed manifest / IN_PROGRESS',
    undefined,
    anObserved('IN_PROGRESS'),
    { kind: 'noop', reason: expect.stringContaining('fw-renamed now declares job fw') },
    { claimedBy: 'fw-renamed' },
  ],
];

function withPolicy(o: ObservedJob, policy: string): ObservedJob {
  return { ...o, tags: { ...o.tags, [DELETION_POLICY]: policy } };
}

describe('planJob', () => {
  it.each(rows)('%s', (_name, desired, observed, expected, ctx) => {
    const action = planJob(desired, observed, aContext(ctx));
    expect(action).toMatchObject(expected);
    expect(action.reason.length).toBeGreaterThan(0);
  });

  it('treats a JSON document that differs only in spacing and key order as unchanged', () => {
    const observed = anObserved('IN_PROGRESS', { document: '{ "b": 2,\n  "a": 1 }' });
    expect(planJob(aDesired({ document: { a: 1, b: 2 } }), observed, aContext())).toMatchObject({ kind: 'noop', reason: 'in sync' });
  });

  it('does not see a difference in a document it has not read', () => {
    expect(planJob(aDesired({ document: { op: 'v9' } }), anObserved('IN_PROGRESS', { document: undefined }), aContext())).toMatchObject({ kind: 'noop' });
  });

  it('fills AWS defaults on both sides, so an omitted expiresInSec matches 3600', () => {
    const desired = aDesired({ presignedUrlConfig: { roleArn: 'arn:aws:iam::123456789012:role/presign' } });
    const observed = anObserved('IN_PROGRESS', { presignedUrlConfig: { roleArn: 'arn:aws:iam::123456789012:role/presign', expiresInSec: 3600 } });
    expect(planJob(desired, observed, aContext())).toMatchObject({ kind: 'noop' });
  });

  it('corrects drift in every mutable field at once', () => {
    const desired = aDesired({ description: 'd', timeoutConfig: { inProgressTimeoutInMinutes: 30 }, tags: { team: 'ota' } });
    expect(planJob(desired, anObserved('IN_PROGRESS'), aContext())).toMatchObject({ kind: 'update', fields: ['description', 'timeoutConfig', 'tags'] });
  });

  it('leaves tags that the manifest does not declare alone', () => {
    const observed = anObserved('IN_PROGRESS');
    observed.tags = { ...observed.tags, 'set-by-console': 'x' };
    expect(planJob(aDesired(), observed, aContext())).toMatchObject({ kind: 'noop' });
  });

  it('carries out execution overrides one at a time once the job is in sync', () => {
    const desired = aDesired({
      executions: [
        { thingName: 'd1', action: 'Cancel' },
        { thingName: 'd2', action: 'Cancel' },
        { thingName: 'd3', action: 'Delete', force: true },
      ],
    });
    const observed = anObserved('IN_PROGRESS', {
      executions: {
        d1: { thingName: 'd1', status: 'CANCELED', executionNumber: 1 },
        d2: { thingName: 'd2', status: 'IN_PROGRESS', executionNumber: 1 },
        d3: { thingName: 'd3', status: 'IN_PROGRESS', executionNumber: 2 },
      },
    });
    // d1 is done, d2 needs force to cancel an IN_PROGRESS execution, so d3 is next.
    expect(planJob(desired, observed, aContext())).toMatchObject({ kind: 'delete-execution', thingName: 'd3', executionNumber: 2, force: true });
    desired.spec.executions![1]!.force = true;
    expect(planJob(desired, observed, aContext())).toMatchObject({ kind: 'cancel-execution', thingName: 'd2', force: true });
  });

  it("claims an adopted job or a renamed manifest's job by tagging it before anything else", () => {
    const human = anObserved('IN_PROGRESS', { tags: { owner: 'human' } });
    expect(planJob(aDesired({ adopt: true, document: { op: 'v2' }, replacePolicy: 'Recreate' }), human, aContext())).toMatchObject({
      kind: 'update',
      fields: ['tags'],
      reason: expect.stringContaining('spec.adopt'),
    });
    expect(planJob(aDesired({ adopt: true, jobId: 'fw' }), { ...human, jobId: 'fw-r2' }, aContext())).toMatchObject({ kind: 'noop', stalled: true });
    expect(planJob(aDesired({}, 'fw'), human, aContext())).toMatchObject({ kind: 'noop', stalled: true, reason: expect.stringContaining('not managed') });
    const renamed = aDesired({ jobId: 'fw' }, 'fw-new');
    expect(planJob(renamed, anObserved('IN_PROGRESS'), aContext({ takeover: true }))).toMatchObject({
      kind: 'update',
      fields: ['tags'],
      claim: { sourceKey: 'fw' },
      reason: expect.stringContaining('manifest fw, which is no longer declared'),
    });
    expect(planJob(renamed, anObserved('IN_PROGRESS'), aContext())).toMatchObject({
      kind: 'noop',
      stalled: true,
      reason: expect.stringContaining('belongs to manifest fw'),
    });
    const keyless = anObserved('IN_PROGRESS');
    delete keyless.tags['iot-jobs-controller/source-key'];
    expect(planJob(aDesired(), keyless, aContext())).toMatchObject({ kind: 'noop', stalled: true, reason: expect.stringContaining('no source-key') });
    expect(planJob(aDesired({ adopt: true }), keyless, aContext())).toMatchObject({ kind: 'update', fields: ['tags'] });
    // A removed manifest's job that a rename already re-tagged is left alone (regression: a stale key planned a cancel every resync).
    expect(planJob(undefined, anObserved('IN_PROGRESS', {}, 'fw'), aContext({ removedKey: 'old' }))).toMatchObject({
      kind: 'noop',
      reason: expect.stringContaining('now belongs to manifest fw'),
    });
  });

  it('a replacement skips job ids that are taken', () => {
    const taken = new Set(['fw-r2', 'fw-r3']);
    const action = planJob(aDesired({ document: { v: 2 }, replacePolicy: 'Recreate' }), anObserved('IN_PROGRESS'), aContext({ taken: (id) => taken.has(id) }));
    expect(action).toMatchObject({ kind: 'replace', oldJobId: 'fw', jobId: 'fw-r4' });
  });

  it('a derived job id stays within 64 characters', () => {
    const base = 'x'.repeat(64);
    const action = planJob(
      aDesired({ jobId: base, document: { v: 2 }, replacePolicy: 'Recreate' }, 'k'),
      anObserved('IN_PROGRESS', { jobId: base }, 'k'),
      aContext(),
    );
    expect(action).toMatchObject({ kind: 'replace' });
    expect((action as { jobId: string }).jobId).toBe(`${'x'.repeat(61)}-r2`);
  });
});
