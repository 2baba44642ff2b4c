/**
 * The Kubernetes source through its public face (DesiredSource and IoTJobView), fed by a fake API
 * server: the collections are listed from routes, watches stay open and quiet until the test emits
 * an event. What it derives from IoTJob objects: desired jobs, a jobId claimed twice, a ConfigMap
 * being read or missing, leaving objects behind the deletion guard, status-only events, accept().
 */
import { afterEach, describe, expect, it } from 'vitest';
import { APPROVE_ANNOTATION, HELD_ANNOTATION } from '../../../../controller/kube/deletion-hold.js';
import { FINALIZER, type IoTJobObject } from '../../../../controller/kube/iotjob-resource.js';
import { KubeError } from '../../../../controller/kube/rest.js';
import type { IoTJobSpec } from '../../../../controller/model/iot-job.js';
import { Metrics } from '../../../../controller/observability/metrics.js';
import { KubernetesSource } from '../../../../controller/sources/kubernetes-source.js';
import { FakeClock } from '../../../helpers/fake-clock.js';
import { FakeKubeRest, kubeList } from '../../../helpers/fake-kube-rest.js';
import { quietLogger } from '../../../helpers/logs.js';
import { settle } from '../../../helpers/settle.js';

const IOTJOBS = '/apis/iot.gitops.dev/v1alpha1/iotjobs';
const CONFIGMAPS = '/api/v1/configmaps';
const QUIET_MS = 2_000;

interface ConfigMap {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  data?: Record<string, string>;
}

/** An IoTJob object in namespace `ns` (default "ns"), managed (it carries the finalizer). */
function iotJob(name: string, spec: Partial<IoTJobSpec> = {}, meta: Partial<IoTJobObject['metadata']> = {}, status?: IoTJobObject['status']): IoTJobObject {
  return {
    apiVersion: 'iot.gitops.dev/v1alpha1',
    kind: 'IoTJob',
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      resourceVersion: '1',
      generation: 1,
      creationTimestamp: '2026-01-01T00:00:00Z',
      finalizers: [FINALIZER],
      ...meta,
    },
    spec: { targets: ['thingGroup:fleet'], document: { op: 'ota' }, ...spec },
    status,
  };
}

/** The object being deleted (the API server sets deletionTimestamp; the finalizer holds it). */
function deleting(o: IoTJobObject, rv = '50'): IoTJobObject {
  return { ...o, metadata: { ...o.metadata, resourceVersion: rv, deletionTimestamp: '2026-11-29T10:00:00Z' } };
}

function withMeta(o: IoTJobObject, meta: Partial<IoTJobObject['metadata']>): IoTJobObject {
  return { ...o, metadata: { ...o.metadata, ...meta } };
}

const running: KubernetesSource[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

/** A source over a fake API server holding `iotjobs` and `configMaps`; `changes` records every onChange. */
function setup(o: { iotjobs?: IoTJobObject[]; configMaps?: ConfigMap[]; namespaces?: string[]; relistMs?: number } = {}) {
  const api = new FakeKubeRest();
  const state = { iotjobs: o.iotjobs ?? [], configMaps: o.configMaps ?? [] };
  const scopes = o.namespaces ?? [undefined];
  for (const ns of scopes) {
    const inNs = <T extends { metadata: { namespace?: string } }>(items: T[]): T[] => items.filter((i) => ns === undefined || i.metadata.namespace === ns);
    api.on('GET', ns ? `/apis/iot.gitops.dev/v1alpha1/namespaces/${ns}/iotjobs` : IOTJOBS, () => kubeList(inNs(state.iotjobs), '10'));
    api.on('GET', ns ? `/api/v1/namespaces/${ns}/configmaps` : CONFIGMAPS, () => kubeList(inNs(state.configMaps), '20'));
  }
  for (const cm of state.configMaps) api.on('GET', `/api/v1/namespaces/${cm.metadata.namespace}/configmaps/${cm.metadata.name}`, () => cm);
  const clock = new FakeClock();
  const source = new KubernetesSource({
    rest: api.rest,
    namespaces: o.namespaces,
    clock,
    logger: quietLogger(),
    metrics: new Metrics({ defaultMetrics: false }),
    relistMs: o.relistMs,
    deletionGuard: { maxShare: 0.5, maxDeletions: 5, windowMs: 600_000, quietMs: QUIET_MS },
  });
  running.push(source);
  const changes: string[][] = [];
  const start = async (): Promise<void> => {
    await source.start((changed) => changes.push([...changed].sort()));
    await settle();
  };
  /** Sends a watch event on the IoTJobs collection (or another path) and lets it be processed. */
  const emit = async (type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: unknown, path = IOTJOBS): Promise<void> => {
    api.emit(path, type, obj);
    await settle();
  };
  return { api, state, clock, source, changes, start, emit };
}

describe('KubernetesSource: desired jobs', () => {
  it("makes a desired job of each IoTJob: key namespace/name, jobId from spec.jobId or the name, the document, generation and the status's jobId", async () => {
    const s = setup({ iotjobs: [iotJob('fw', {}, { generation: 3 }, { jobId: 'fw-r2' }), iotJob('cam', { jobId: 'camera-2026' }, { namespace: 'other' })] });
    expect(s.source.synced()).toBe(false);
    await s.start();
    expect(s.source.synced()).toBe(true);
    expect(s.source.kind).toBe('kubernetes');
    expect(s.source.prunesAbsent).toBe(false);
    expect(s.source.keys().sort()).toEqual(['ns/fw', 'other/cam']);
    expect(s.source.get('ns/fw')).toMatchObject({
      key: 'ns/fw',
      jobId: 'fw',
      document: '{"op":"ota"}',
      generation: 3,
      recordedJobId: 'fw-r2',
      spec: { targets: ['thingGroup:fleet'] },
    });
    expect(s.source.get('other/cam')?.jobId).toBe('camera-2026');
    expect(s.source.problemOf('ns/fw')).toBeUndefined();
    expect(s.source.object('ns/fw')?.metadata.uid).toBe('uid-fw');
    expect(s.source.status().revision).toBe('10');
    expect(s.changes.flat().sort()).toEqual(['ns/fw', 'other/cam']);
  });

  it('an IoTJob named with dots gets a default jobId with underscores (regression: Stalled, and spec.jobId could not be added), claimed as such', async () => {
    const s = setup({
      iotjobs: [iotJob('sensor-firmware-2.4.1'), iotJob('clash', { jobId: 'sensor-firmware-2_4_1' }, { creationTimestamp: '2027-01-01T00:00:00Z' })],
    });
    await s.start();
    expect(s.source.get('ns/sensor-firmware-2.4.1')?.jobId).toBe('sensor-firmware-2_4_1');
    expect(s.source.problemOf('ns/clash')?.message).toContain('job id "sensor-firmware-2_4_1" is already claimed by IoTJob ns/sensor-firmware-2.4.1');
  });

  it('an IoTJob whose spec.jobId is no valid jobId has a problem, and holds back no other IoTJob', async () => {
    const s = setup({ iotjobs: [iotJob('bad', { jobId: 'fw v2' }), iotJob('ok')] });
    await s.start();
    expect(s.source.get('ns/bad')).toBeUndefined();
    expect(s.source.problemOf('ns/bad')?.message).toMatch(/^metadata\.name: "fw v2" is not a valid AWS IoT jobId/);
    expect(s.source.get('ns/ok')?.jobId).toBe('ok');
  });

  it('a jobId claimed twice stays with the older IoTJob (whatever the names); the newer gets it once the older is deleted', async () => {
    const older = iotJob('zeta', { jobId: 'fw' }, { namespace: 'z', creationTimestamp: '2026-01-01T00:00:00Z' });
    const newer = iotJob('alpha', { jobId: 'fw' }, { namespace: 'a', creationTimestamp: '2026-02-01T00:00:00Z' });
    const s = setup({ iotjobs: [newer, older] });
    await s.start();
    expect(s.source.get('z/zeta')?.jobId).toBe('fw');
    expect(s.source.get('a/alpha')).toBeUndefined();
    expect(s.source.problemOf('a/alpha')?.message).toBe('spec.jobId: job id "fw" is already claimed by IoTJob z/zeta; set a different spec.jobId');
    s.changes.length = 0;
    await s.emit('DELETED', withMeta(older, { resourceVersion: '11' }));
    expect(s.changes).toEqual([['a/alpha', 'z/zeta']]);
    expect(s.source.get('a/alpha')?.jobId).toBe('fw');
    expect(s.source.problemOf('a/alpha')).toBeUndefined();
    expect(s.source.keys()).toEqual(['a/alpha']);
  });

  it('resolves a document from the ConfigMap it names', async () => {
    const s = setup({
      iotjobs: [iotJob('fw', { document: undefined, documentConfigMap: { name: 'doc', key: 'job.json' } })],
      configMaps: [{ metadata: { name: 'doc', namespace: 'ns' }, data: { 'job.json': '{"op":"flash"}' } }],
    });
    await s.start();
    expect(s.source.get('ns/fw')?.document).toBe('{"op":"flash"}');
  });

  it('a ConfigMap that is not known yet is read, and the IoTJob waits; a missing one stalls it; once it appears, the IoTJob is desired', async () => {
    const s = setup();
    await s.start();
    let answer!: () => void;
    const read = new Promise<void>((resolve) => (answer = resolve));
    s.api.on('GET', '/api/v1/namespaces/ns/configmaps/doc', () =>
      read.then(() => {
        throw new KubeError(404, 'configmaps "doc" not found');
      }),
    );
    await s.emit('ADDED', iotJob('fw', { document: undefined, documentConfigMap: { name: 'doc', key: 'job.json' } }, { resourceVersion: '11' }));
    expect(s.source.problemOf('ns/fw')).toEqual({ message: 'spec.documentConfigMap: ConfigMap ns/doc is being read', waiting: true });
    expect(s.source.get('ns/fw')).toBeUndefined();
    s.changes.length = 0;
    answer();
    await settle();
    expect(s.source.problemOf('ns/fw')).toEqual({ message: 'spec.documentConfigMap: ConfigMap ns/doc does not exist', waiting: false });
    expect(s.changes).toEqual([['ns/fw']]);
    await s.emit('ADDED', { metadata: { name: 'doc', namespace: 'ns', resourceVersion: '21' }, data: { 'job.json': '{"op":"flash"}' } }, CONFIGMAPS);
    expect(s.source.problemOf('ns/fw')).toBeUndefined();
    expect(s.source.get('ns/fw')?.document).toBe('{"op":"flash"}');
    expect(s.api.sent('GET', '/api/v1/namespaces/ns/configmaps/doc')).toHaveLength(1);
  });

  // Regression (stale ConfigMap cache): the source kept the data of a ConfigMap after no IoTJob
  // referenced it any more and ignored that ConfigMap's watch events meanwhile; an IoTJob that
  // referenced it again got the old data (or the data of a deleted ConfigMap) without a read, until
  // the next ConfigMap relist (10 minutes by default), so its job could be created or replaced with
  // an outdated document.
  it('an IoTJob that references a ConfigMap again sees the edits made while nothing referenced it (regression: stale ConfigMap cache)', async () => {
    const ref = (name: string): Partial<IoTJobSpec> => ({ document: undefined, documentConfigMap: { name, key: 'job.json' } });
    const fw = iotJob('fw', ref('doc'));
    const v2 = { metadata: { name: 'doc', namespace: 'ns', resourceVersion: '22' }, data: { 'job.json': '{"v":2}' } };
    const s = setup({
      iotjobs: [fw],
      configMaps: [
        { metadata: { name: 'doc', namespace: 'ns' }, data: { 'job.json': '{"v":1}' } },
        { metadata: { name: 'doc2', namespace: 'ns' }, data: { 'job.json': '{"other":true}' } },
      ],
    });
    await s.start();
    expect(s.source.get('ns/fw')?.document).toBe('{"v":1}');
    await s.emit('MODIFIED', { ...withMeta(fw, { resourceVersion: '12', generation: 2 }), spec: { ...fw.spec, ...ref('doc2') } });
    expect(s.source.get('ns/fw')?.document).toBe('{"other":true}');
    await s.emit('MODIFIED', v2, CONFIGMAPS);
    s.api.on('GET', '/api/v1/namespaces/ns/configmaps/doc', () => v2);
    await s.emit('MODIFIED', { ...withMeta(fw, { resourceVersion: '13', generation: 3 }), spec: { ...fw.spec, ...ref('doc') } });
    expect(s.source.get('ns/fw')?.document).toBe('{"v":2}');
  });

  it('an IoTJob that references again a ConfigMap deleted while nothing referenced it finds it missing (regression: stale ConfigMap cache)', async () => {
    const ref = (name: string): Partial<IoTJobSpec> => ({ document: undefined, documentConfigMap: { name, key: 'job.json' } });
    const fw = iotJob('fw', ref('doc'));
    const s = setup({
      iotjobs: [fw],
      configMaps: [
        { metadata: { name: 'doc', namespace: 'ns' }, data: { 'job.json': '{"v":1}' } },
        { metadata: { name: 'doc2', namespace: 'ns' }, data: { 'job.json': '{}' } },
      ],
    });
    await s.start();
    await s.emit('MODIFIED', { ...withMeta(fw, { resourceVersion: '12', generation: 2 }), spec: { ...fw.spec, ...ref('doc2') } });
    await s.emit('DELETED', { metadata: { name: 'doc', namespace: 'ns', resourceVersion: '22' } }, CONFIGMAPS);
    s.api.on('GET', '/api/v1/namespaces/ns/configmaps/doc', () => {
      throw new KubeError(404, 'configmaps "doc" not found');
    });
    await s.emit('MODIFIED', { ...withMeta(fw, { resourceVersion: '13', generation: 3 }), spec: { ...fw.spec, ...ref('doc') } });
    expect(s.source.get('ns/fw')).toBeUndefined();
    expect(s.source.problemOf('ns/fw')).toEqual({ message: 'spec.documentConfigMap: ConfigMap ns/doc does not exist', waiting: false });
  });

  // Regression (ConfigMap read retried in a hot loop): a ConfigMap read that failed with anything
  // but 404 (403 without RBAC, 500, a timeout) was sent again at once, without end or backoff: the
  // read's `finally` refreshed the IoTJobs that reference it, which found the ConfigMap still unknown
  // and started another read. (The fake answers 50 times, then never, so a loop would end inside
  // the test.)
  it('a ConfigMap read that fails is not sent again at once (regression: ConfigMap read hot loop)', async () => {
    const s = setup();
    await s.start();
    let reads = 0;
    s.api.on('GET', '/api/v1/namespaces/ns/configmaps/doc', () => {
      if (++reads > 50) return new Promise(() => undefined);
      throw new KubeError(403, 'configmaps "doc" is forbidden');
    });
    await s.emit('ADDED', iotJob('fw', { document: undefined, documentConfigMap: { name: 'doc', key: 'job.json' } }, { resourceVersion: '11' }));
    expect(reads).toBe(1);
    expect(s.source.problemOf('ns/fw')).toMatchObject({
      waiting: true,
      message: expect.stringContaining('cannot be read (configmaps "doc" is forbidden); trying again'),
    });
    await s.clock.advance(5_000);
    expect(reads).toBe(2);
  });

  it('a ConfigMap without the key names the key', async () => {
    const s = setup({
      iotjobs: [iotJob('fw', { document: undefined, documentConfigMap: { name: 'doc', key: 'job.json' } })],
      configMaps: [{ metadata: { name: 'doc', namespace: 'ns' }, data: { other: '{}' } }],
    });
    await s.start();
    expect(s.source.problemOf('ns/fw')).toEqual({ message: 'spec.documentConfigMap: ConfigMap ns/doc has no key "job.json"', waiting: false });
  });
});

describe('KubernetesSource: watch events', () => {
  it("a status-only change (the controller's own status write) reports no change but keeps the newer object", async () => {
    const fw = iotJob('fw');
    const s = setup({ iotjobs: [fw] });
    await s.start();
    s.changes.length = 0;
    await s.emit('MODIFIED', { ...withMeta(fw, { resourceVersion: '12' }), status: { awsStatus: 'IN_PROGRESS' } });
    expect(s.changes).toEqual([]);
    expect(s.source.object('ns/fw')?.status).toEqual({ awsStatus: 'IN_PROGRESS' });
  });

  it('a spec change (a new generation) is reported and seen', async () => {
    const fw = iotJob('fw');
    const s = setup({ iotjobs: [fw] });
    await s.start();
    s.changes.length = 0;
    await s.emit('MODIFIED', { ...withMeta(fw, { resourceVersion: '12', generation: 2 }), spec: { ...fw.spec, description: 'v2' } });
    expect(s.changes).toEqual([['ns/fw']]);
    expect(s.source.get('ns/fw')).toMatchObject({ generation: 2, spec: { description: 'v2' } });
  });

  it('an event older than the object held is ignored', async () => {
    const fw = withMeta(iotJob('fw'), { resourceVersion: '30' });
    const s = setup({ iotjobs: [fw] });
    await s.start();
    await s.emit('MODIFIED', { ...withMeta(fw, { resourceVersion: '29', generation: 2 }), spec: { ...fw.spec, description: 'stale' } });
    expect(s.source.get('ns/fw')?.spec.description).toBeUndefined();
  });

  it('a deleted IoTJob leaves the keys and the view, and is reported', async () => {
    const fw = iotJob('fw');
    const s = setup({ iotjobs: [fw, iotJob('other')] });
    await s.start();
    s.changes.length = 0;
    await s.emit('DELETED', withMeta(fw, { resourceVersion: '12' }));
    expect(s.changes).toEqual([['ns/fw']]);
    expect(s.source.keys()).toEqual(['ns/other']);
    expect(s.source.object('ns/fw')).toBeUndefined();
    expect(s.source.get('ns/fw')).toBeUndefined();
  });

  it('accept(): an object the controller wrote is taken as a watch event would bring it, and an older event does not undo it', async () => {
    const fw = withMeta(iotJob('fw'), { resourceVersion: '5' });
    const s = setup({ iotjobs: [fw] });
    await s.start();
    s.changes.length = 0;
    s.source.accept(withMeta(fw, { resourceVersion: '7', annotations: { [HELD_ANNOTATION]: 'too many' } }));
    await s.emit('MODIFIED', withMeta(fw, { resourceVersion: '6' }));
    expect(s.source.object('ns/fw')?.metadata.annotations).toEqual({ [HELD_ANNOTATION]: 'too many' });
    expect(s.changes).toEqual([]);
  });

  it("with namespaces, each is listed on its own path, and a relist of one keeps the others' objects", async () => {
    const s = setup({ iotjobs: [iotJob('fw', {}, { namespace: 'a' }), iotJob('cam', {}, { namespace: 'b' })], namespaces: ['a', 'b'], relistMs: 1_000 });
    await s.start();
    expect(
      s.api
        .sent('GET')
        .map((r) => r.path)
        .sort(),
    ).toEqual([
      '/api/v1/namespaces/a/configmaps',
      '/api/v1/namespaces/b/configmaps',
      '/apis/iot.gitops.dev/v1alpha1/namespaces/a/iotjobs',
      '/apis/iot.gitops.dev/v1alpha1/namespaces/b/iotjobs',
    ]);
    expect(s.source.keys().sort()).toEqual(['a/fw', 'b/cam']);
    s.state.iotjobs = s.state.iotjobs.filter((o) => o.metadata.name !== 'fw');
    await s.clock.advance(1_000);
    s.api.watches.get('/apis/iot.gitops.dev/v1alpha1/namespaces/a/iotjobs')!.stop();
    await settle();
    expect(s.source.keys()).toEqual(['b/cam']);
  });

  it('stop ends every watch', async () => {
    const s = setup({ iotjobs: [iotJob('fw')] });
    await s.start();
    expect([...s.api.watches.keys()].sort()).toEqual([CONFIGMAPS, IOTJOBS]);
    await s.source.stop();
    expect(s.api.watches.size).toBe(0);
  });
});

describe('KubernetesSource: leaving IoTJobs and the deletion guard', () => {
  /** Four managed IoTJobs, listed; the test deletes some of them. */
  async function fleet() {
    const objects = ['k0', 'k1', 'k2', 'k3'].map((n) => iotJob(n));
    const s = setup({ iotjobs: objects });
    await s.start();
    return { ...s, objects };
  }

  it('an IoTJob with deletionPolicy Orphan leaves at once: not desired, leaving, no problem', async () => {
    const s = setup({ iotjobs: [deleting(iotJob('fw', { deletionPolicy: 'Orphan' }))] });
    await s.start();
    expect(s.source.get('ns/fw')).toBeUndefined();
    expect(s.source.leaving('ns/fw')).toMatchObject({ key: 'ns/fw', jobId: 'fw' });
    expect(s.source.problemOf('ns/fw')).toBeUndefined();
    expect(s.source.heldDeletion('ns/fw')).toBeUndefined();
  });

  it('a deletion waits for the quiet period, then leaves when it is one of few', async () => {
    const s = await fleet();
    await s.emit('MODIFIED', deleting(s.objects[0]!));
    expect(s.source.get('ns/k0')).toBeUndefined();
    expect(s.source.leaving('ns/k0')).toBeUndefined();
    expect(s.source.problemOf('ns/k0')).toEqual({ message: expect.stringContaining('waiting until no other IoTJob has been deleted for 2 s'), waiting: true });
    await s.clock.advance(QUIET_MS);
    expect(s.source.leaving('ns/k0')).toMatchObject({ key: 'ns/k0' });
    expect(s.source.problemOf('ns/k0')).toBeUndefined();
  });

  it('deletions that come together are held until each is approved, with how to approve in the problem', async () => {
    const s = await fleet();
    for (const o of s.objects.slice(0, 3)) await s.emit('MODIFIED', deleting(o));
    await s.clock.advance(QUIET_MS);
    const reason = s.source.heldDeletion('ns/k1');
    expect(reason).toContain('3 of 4 managed IoTJobs are being deleted together');
    expect(s.source.leaving('ns/k1')).toBeUndefined();
    expect(s.source.problemOf('ns/k1')?.message).toBe(
      `deletion held by the deletion guard: ${reason}. Its deletionPolicy is not applied and the finalizer stays until it is approved: kubectl annotate iotjob k1 -n ns ${APPROVE_ANNOTATION}=true (or remove the finalizer ${FINALIZER} to leave its job running)`,
    );
    s.changes.length = 0;
    await s.emit('MODIFIED', withMeta(deleting(s.objects[1]!, '60'), { annotations: { [APPROVE_ANNOTATION]: 'true' } }));
    expect(s.changes).toEqual([['ns/k1']]);
    expect(s.source.leaving('ns/k1')).toMatchObject({ key: 'ns/k1' });
    expect(s.source.heldDeletion('ns/k1')).toBeUndefined();
    expect(s.source.heldDeletion('ns/k0')).toBe(reason);
  });

  it('a hold already written on the object (a restarted controller) holds at once, without waiting', async () => {
    const held = withMeta(deleting(iotJob('fw')), { annotations: { [HELD_ANNOTATION]: 'held before the restart' } });
    const s = setup({ iotjobs: [held, iotJob('other')] });
    await s.start();
    expect(s.source.heldDeletion('ns/fw')).toBe('held before the restart');
    expect(s.source.problemOf('ns/fw')?.message).toContain('deletion held by the deletion guard: held before the restart');
  });

  it('a leaving IoTJob needs no document: a ConfigMap deleted with it does not hold its deletion up', async () => {
    const s = setup({
      iotjobs: [deleting(iotJob('fw', { document: undefined, documentConfigMap: { name: 'gone', key: 'job.json' }, deletionPolicy: 'Orphan' }))],
    });
    await s.start();
    expect(s.source.leaving('ns/fw')).toMatchObject({ key: 'ns/fw', jobId: 'fw' });
    expect(s.source.problemOf('ns/fw')).toBeUndefined();
  });

  it('a leaving IoTJob keeps its own jobId even when another IoTJob claimed it first', async () => {
    const older = iotJob('a', { jobId: 'fw' }, { creationTimestamp: '2026-01-01T00:00:00Z' });
    const newer = deleting(iotJob('b', { jobId: 'fw', deletionPolicy: 'Orphan' }, { creationTimestamp: '2026-02-01T00:00:00Z' }));
    const s = setup({ iotjobs: [older, newer] });
    await s.start();
    expect(s.source.leaving('ns/b')?.jobId).toBe('fw');
    expect(s.source.get('ns/a')?.jobId).toBe('fw');
  });
});
