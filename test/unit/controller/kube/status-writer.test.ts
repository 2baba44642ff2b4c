/**
 * The StatusWriter (kube/status-writer.ts): what Kubernetes mode writes after each reconcile. The
 * real IoTJobWriter and EventRecorder run over a fake KubeRest that records the requests, so the
 * test sees the wire requests (paths, patch types, bodies); the IoTJobs come from a fake view.
 */
import { describe, expect, it } from 'vitest';
import { HELD_ANNOTATION } from '../../../../controller/kube/deletion-hold.js';
import { EventRecorder } from '../../../../controller/kube/events.js';
import { FINALIZER, iotJobPath, type IoTJobObject, type IoTJobView } from '../../../../controller/kube/iotjob-resource.js';
import { IoTJobWriter } from '../../../../controller/kube/iotjob-writer.js';
import { JSON_PATCH, KubeError, MERGE_PATCH } from '../../../../controller/kube/rest.js';
import { StatusWriter } from '../../../../controller/kube/status-writer.js';
import type { Outcome } from '../../../../controller/model/action.js';
import type { KeyProblem, ReconcileReport } from '../../../../controller/model/report.js';
import { resultOf } from '../../../../controller/model/report.js';
import { aDesired, anObserved } from '../../../helpers/builders.js';
import { FakeClock } from '../../../helpers/fake-clock.js';
import { FakeKubeRest, type KubeRequest } from '../../../helpers/fake-kube-rest.js';
import { capturingLogger } from '../../../helpers/logs.js';
import { settle } from '../../../helpers/settle.js';

const KEY = 'ns/fw';
const OBJECT_PATH = iotJobPath('ns', 'fw');
const STATUS_PATH = `${OBJECT_PATH}/status`;
const EVENTS_PATH = '/api/v1/namespaces/ns/events';
const REFRESH_MS = 300_000;

function anObject(over: Partial<IoTJobObject['metadata']> = {}, status?: IoTJobObject['status']): IoTJobObject {
  return {
    apiVersion: 'iot.gitops.dev/v1alpha1',
    kind: 'IoTJob',
    metadata: { name: 'fw', namespace: 'ns', uid: 'uid-1', resourceVersion: '5', generation: 2, finalizers: [FINALIZER], ...over },
    spec: { targets: ['thingGroup:fleet'], document: { op: 'ota' } },
    status,
  };
}

/** The IoTJobs as a source would show them; accept() keeps what the writer hands back. */
class FakeView implements IoTJobView {
  readonly objects = new Map<string, IoTJobObject>([[KEY, anObject()]]);
  readonly held = new Map<string, string>();
  readonly problems = new Map<string, KeyProblem>();
  readonly accepted: IoTJobObject[] = [];

  object(key: string): IoTJobObject | undefined {
    return this.objects.get(key);
  }
  heldDeletion(key: string): string | undefined {
    return this.held.get(key);
  }
  problemOf(key: string): KeyProblem | undefined {
    return this.problems.get(key);
  }
  accept(obj: IoTJobObject): void {
    this.accepted.push(obj);
    this.objects.set(`${obj.metadata.namespace}/${obj.metadata.name}`, obj);
  }
}

/** A status writer over the fake API server, which answers events, status patches and object patches. */
function setup() {
  const api = new FakeKubeRest();
  let events = 0;
  api.on('POST', EVENTS_PATH, () => ({ metadata: { name: `fw.${++events}` } }));
  api.on('PATCH', STATUS_PATH, () => ({}));
  api.on('PATCH', OBJECT_PATH, (req) => {
    const current = view.objects.get(KEY)!;
    const annotations = req.contentType === MERGE_PATCH ? (req.body as { metadata: { annotations: Record<string, string> } }).metadata.annotations : {};
    return { ...current, metadata: { ...current.metadata, resourceVersion: '6', annotations: { ...current.metadata.annotations, ...annotations } } };
  });
  const view = new FakeView();
  const clock = new FakeClock(Date.parse('2026-11-29T10:00:00.000Z'));
  const { logger, lines } = capturingLogger();
  const writer = new StatusWriter({
    rest: api.rest,
    view,
    writer: new IoTJobWriter(api.rest),
    events: new EventRecorder(api.rest, clock, logger, 'pod-1'),
    clock,
    logger,
    refreshMs: REFRESH_MS,
  });
  return { api, view, clock, lines, writer };
}

function report(over: Partial<ReconcileReport> = {}): ReconcileReport {
  const outcome = over.outcome ?? 'unchanged';
  return {
    key: KEY,
    desired: aDesired({}, KEY),
    observed: anObserved('IN_PROGRESS'),
    action: { kind: 'noop', jobId: 'fw', reason: 'in sync' },
    outcome,
    result: resultOf(outcome),
    revision: '2',
    ...over,
  };
}

/** The events written, as [type, reason, message]. */
function eventsOf(api: FakeKubeRest): [string, string, string][] {
  return api.sent('POST', EVENTS_PATH).map((r) => {
    const b = r.body as { type: string; reason: string; message: string };
    return [b.type, b.reason, b.message];
  });
}

const statusBodies = (api: FakeKubeRest): Record<string, unknown>[] =>
  api.sent('PATCH', STATUS_PATH).map((r: KubeRequest) => (r.body as { status: Record<string, unknown> }).status);

describe('StatusWriter events', () => {
  it.each<[Outcome, string]>([
    ['created', 'Created'],
    ['configured', 'Updated'],
    ['replaced', 'Replaced'],
    ['canceled', 'Canceled'],
    ['deleted', 'Deleted'],
    ['execution-canceled', 'ExecutionCanceled'],
    ['execution-deleted', 'ExecutionDeleted'],
  ])('a change in AWS (%s) is one Normal %s event, in plain words (event-words.ts)', async (outcome, reason) => {
    const s = setup();
    await s.writer.report(report({ outcome, action: { kind: 'create', jobId: 'fw', reason: 'no job fw exists' } }));
    await settle();
    expect(eventsOf(s.api)).toEqual([['Normal', reason, 'Created AWS IoT job fw']]);
  });

  it('a failure is a Warning ReconcileFailed with the error, a stall a Warning Stalled with why', async () => {
    const s = setup();
    await s.writer.report(report({ outcome: 'failed', error: 'socket hang up' }));
    await s.writer.report(report({ outcome: 'stalled', action: { kind: 'noop', stalled: true, reason: 'targets cannot be changed' } }));
    await s.writer.report(report({ outcome: 'stalled', error: 'CreateJob was refused by AWS IoT: bad role' }));
    await settle();
    expect(eventsOf(s.api)).toEqual([
      ['Warning', 'ReconcileFailed', 'Reconcile failed and will be retried: socket hang up'],
      ['Warning', 'Stalled', 'Needs attention, nothing was changed in AWS IoT: targets cannot be changed'],
      ['Warning', 'Stalled', 'Needs attention, nothing was changed in AWS IoT: CreateJob was refused by AWS IoT: bad role'],
    ]);
  });

  it.each<Outcome>(['unchanged', 'waiting', 'planned'])('%s writes no event', async (outcome) => {
    const s = setup();
    await s.writer.report(report({ outcome }));
    await settle();
    expect(eventsOf(s.api)).toEqual([]);
    expect(s.api.sent('PATCH', STATUS_PATH)).toHaveLength(1);
  });

  it('an IoTJob the view no longer has gets nothing written', async () => {
    const s = setup();
    s.view.objects.clear();
    await s.writer.report(report({ outcome: 'created', action: { kind: 'create', jobId: 'fw', reason: 'no job' } }));
    await settle();
    expect(s.api.requests).toEqual([]);
  });
});

describe('StatusWriter status', () => {
  it('writes the status through the status subresource as a merge patch: generation, job, counts, conditions, time', async () => {
    const s = setup();
    await s.writer.report(report());
    const [req] = s.api.sent('PATCH', STATUS_PATH);
    expect(req!.contentType).toBe(MERGE_PATCH);
    expect(req!.body).toMatchObject({
      status: {
        observedGeneration: 2,
        jobId: 'fw',
        awsStatus: 'IN_PROGRESS',
        lastSyncTime: '2026-11-29T10:00:00.000Z',
        lastAction: 'noop (unchanged): in sync',
        conditions: [
          expect.objectContaining({ type: 'Ready', status: 'True', reason: 'Synced' }),
          expect.objectContaining({ type: 'Reconciling', status: 'False' }),
          expect.objectContaining({ type: 'Stalled', status: 'False' }),
          expect.objectContaining({ type: 'Healthy' }),
        ],
      },
    });
  });

  it('writes a status once: not again while only lastSyncTime would change within refreshMs, again after it, and at once on a real change', async () => {
    const s = setup();
    await s.writer.report(report());
    await s.clock.advance(REFRESH_MS - 1);
    await s.writer.report(report());
    expect(s.api.sent('PATCH', STATUS_PATH)).toHaveLength(1);
    await s.clock.advance(1);
    await s.writer.report(report());
    expect(statusBodies(s.api).map((b) => b.lastSyncTime)).toEqual(['2026-11-29T10:00:00.000Z', '2026-11-29T10:05:00.000Z']);
    await s.clock.advance(1_000);
    await s.writer.report(report({ observed: anObserved('COMPLETED') }));
    expect(statusBodies(s.api).map((b) => b.awsStatus)).toEqual(['IN_PROGRESS', 'IN_PROGRESS', 'COMPLETED']);
  });

  it('clears with null the fields the previous status had and this one lacks (lastError after a recovery), and sends no undefined', async () => {
    const s = setup();
    await s.writer.report(report({ outcome: 'failed', error: 'socket hang up', observed: undefined, action: undefined }));
    await s.writer.report(report());
    const [failed, recovered] = statusBodies(s.api);
    expect(failed!.lastError).toBe('socket hang up');
    expect(recovered!.lastError).toBeNull();
    expect(Object.values(recovered!).includes(undefined)).toBe(false);
  });

  it('starts from the status on the object: a field it holds that the new status lacks is cleared, what was not observed is kept', async () => {
    const s = setup();
    const previous = {
      jobId: 'fw',
      jobArn: 'arn:aws:iot:us-east-1:123456789012:job/fw',
      awsStatus: 'IN_PROGRESS',
      lastError: 'old error',
      failedThings: [{ thingName: 'd1', status: 'FAILED' }],
    };
    s.view.objects.set(KEY, anObject({}, previous));
    await s.writer.report(report({ observed: anObserved('IN_PROGRESS', {}, 'fw-r2') }));
    expect(statusBodies(s.api)[0]).toMatchObject({ jobId: 'fw-r2', lastError: null, failedThings: null });
    const t = setup();
    t.view.objects.set(KEY, anObject({}, previous));
    await t.writer.report(report({ outcome: 'failed', error: 'throttled', observed: undefined, action: undefined }));
    expect(statusBodies(t.api)[0]).toMatchObject({ jobId: 'fw', awsStatus: 'IN_PROGRESS', failedThings: previous.failedThings, lastError: 'throttled' });
  });

  it('an IoTJob that left the view and came back gets its status written again, even unchanged', async () => {
    const s = setup();
    await s.writer.report(report());
    const obj = s.view.objects.get(KEY)!;
    s.view.objects.clear();
    await s.writer.report(report());
    s.view.objects.set(KEY, obj);
    await s.writer.report(report());
    expect(s.api.sent('PATCH', STATUS_PATH)).toHaveLength(2);
  });

  // Regression: the writer remembered the last status it wrote per namespace/name, so an IoTJob
  // deleted and created again under the same name (kubectl replace --force) before a reconcile saw
  // it gone got no status for up to refreshMs: the new object's status was judged unchanged against
  // the one written to the old object.
  it('an IoTJob created again under the same name (a new uid) gets its status written at once (regression: the status cache was keyed by name)', async () => {
    const s = setup();
    await s.writer.report(report());
    s.view.objects.set(KEY, anObject({ uid: 'uid-2', resourceVersion: '9' }));
    await s.clock.advance(1_000);
    await s.writer.report(report());
    expect(s.api.sent('PATCH', STATUS_PATH)).toHaveLength(2);
  });

  it('a 404 on the status write is quiet; another failure is logged, never thrown, and the next report writes again', async () => {
    const s = setup();
    s.api.on('PATCH', STATUS_PATH, () => {
      throw new KubeError(404, 'not found');
    });
    await s.writer.report(report());
    expect(s.lines.filter((l) => l.level === 'warn')).toEqual([]);
    s.api.on('PATCH', STATUS_PATH, () => {
      throw new KubeError(500, 'etcd timeout');
    });
    await expect(s.writer.report(report())).resolves.toBeUndefined();
    expect(s.lines.filter((l) => l.level === 'warn').map((l) => [l.msg, l.err])).toEqual([['could not write the IoTJob status', 'etcd timeout']]);
    s.api.on('PATCH', STATUS_PATH, () => ({}));
    await s.writer.report(report());
    expect(s.api.sent('PATCH', STATUS_PATH)).toHaveLength(3);
  });
});

describe('StatusWriter deletions', () => {
  const leaving = { leaving: aDesired({}, KEY), desired: undefined };

  it('removes the finalizer once the deletionPolicy is applied (a plain noop), with a test op, and writes no status', async () => {
    const s = setup();
    s.view.objects.set(KEY, anObject({ deletionTimestamp: '2026-11-29T09:59:00Z', finalizers: ['other/finalizer', FINALIZER] }));
    await s.writer.report(report({ ...leaving, action: { kind: 'noop', jobId: 'fw', reason: 'job fw is already canceled' } }));
    expect(s.api.sent('PATCH', OBJECT_PATH)).toEqual([
      {
        method: 'PATCH',
        path: OBJECT_PATH,
        contentType: JSON_PATCH,
        body: [
          { op: 'test', path: '/metadata/finalizers/1', value: FINALIZER },
          { op: 'remove', path: '/metadata/finalizers/1' },
        ],
      },
    ]);
    expect(s.api.sent('PATCH', STATUS_PATH)).toEqual([]);
    expect(s.lines.some((l) => l.msg === 'deletion policy applied; finalizer removed')).toBe(true);
  });

  it.each<[string, Partial<ReconcileReport>]>([
    ['the policy is being applied (a cancel)', { outcome: 'canceled', action: { kind: 'cancel', jobId: 'fw', force: false, reason: 'IoTJob deleted' } }],
    ['the reconcile failed', { outcome: 'failed', error: 'socket hang up' }],
    ['it needs a human', { outcome: 'stalled', action: { kind: 'noop', stalled: true, reason: 'job is not ours' } }],
    ['it waits', { outcome: 'waiting', action: { kind: 'wait', jobId: 'fw', afterMs: 1_000, reason: 'job fw is being deleted' } }],
  ])('keeps the finalizer and writes the status while %s', async (_name, over) => {
    const s = setup();
    s.view.objects.set(KEY, anObject({ deletionTimestamp: '2026-11-29T09:59:00Z' }));
    await s.writer.report(report({ ...leaving, ...over }));
    expect(s.api.sent('PATCH', OBJECT_PATH)).toEqual([]);
    expect(s.api.sent('PATCH', STATUS_PATH)).toHaveLength(1);
  });

  it('a held deletion: the hold annotation written once, handed back to the view, one DeletionHeld event, no outcome event', async () => {
    const s = setup();
    s.view.objects.set(KEY, anObject({ deletionTimestamp: '2026-11-29T09:59:00Z' }));
    s.view.held.set(KEY, '3 of 4 managed IoTJobs are being deleted together');
    s.view.problems.set(KEY, { message: 'deletion held by the deletion guard: 3 of 4 …' });
    const held = report({ ...leaving, outcome: 'stalled', action: { kind: 'noop', stalled: true, reason: 'deletion held by the deletion guard: 3 of 4 …' } });
    await s.writer.report(held);
    await s.writer.report(held);
    await settle();
    const annotationPatches = s.api.sent('PATCH', OBJECT_PATH);
    expect(annotationPatches).toEqual([
      {
        method: 'PATCH',
        path: OBJECT_PATH,
        contentType: MERGE_PATCH,
        body: { metadata: { annotations: { [HELD_ANNOTATION]: '3 of 4 managed IoTJobs are being deleted together' } } },
      },
    ]);
    expect(s.view.accepted.map((o) => o.metadata.annotations?.[HELD_ANNOTATION])).toEqual(['3 of 4 managed IoTJobs are being deleted together']);
    expect(eventsOf(s.api)).toEqual([['Warning', 'DeletionHeld', 'deletion held by the deletion guard: 3 of 4 …']]);
    expect(s.api.sent('PATCH', STATUS_PATH)).toHaveLength(1);
  });

  it('a hold already on the object (a restarted controller) is neither written nor announced again', async () => {
    const s = setup();
    s.view.objects.set(
      KEY,
      anObject({ deletionTimestamp: '2026-11-29T09:59:00Z', annotations: { [HELD_ANNOTATION]: 'held before the restart' } } as Partial<
        IoTJobObject['metadata']
      >),
    );
    s.view.held.set(KEY, 'held before the restart');
    await s.writer.report(report({ ...leaving, outcome: 'stalled', action: { kind: 'noop', stalled: true, reason: 'held' } }));
    await settle();
    expect(s.api.sent('PATCH', OBJECT_PATH)).toEqual([]);
    expect(eventsOf(s.api)).toEqual([]);
  });

  it('a hold that could not be written is logged, announced by no event, and tried again by the next report', async () => {
    const s = setup();
    s.view.objects.set(KEY, anObject({ deletionTimestamp: '2026-11-29T09:59:00Z' }));
    s.view.held.set(KEY, 'too many');
    s.api.on('PATCH', OBJECT_PATH, () => {
      throw new KubeError(500, 'etcd timeout');
    });
    const held = report({ ...leaving, outcome: 'stalled', action: { kind: 'noop', stalled: true, reason: 'held' } });
    await s.writer.report(held);
    await settle();
    expect(eventsOf(s.api)).toEqual([]);
    expect(s.lines.some((l) => l.level === 'warn' && String(l.msg).includes('could not write the deletion hold'))).toBe(true);
    s.api.on('PATCH', OBJECT_PATH, (req) => ({
      ...anObject(),
      metadata: { ...anObject().metadata, annotations: (req.body as { metadata: { annotations: Record<string, string> } }).metadata.annotations },
    }));
    await s.writer.report(held);
    await settle();
    expect(s.api.sent('PATCH', OBJECT_PATH)).toHaveLength(2);
    expect(eventsOf(s.api).map((e) => e[1])).toEqual(['DeletionHeld']);
  });
});
