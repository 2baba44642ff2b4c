/**
 * The API server goes away mid-run (its own cluster, so other suites are not disturbed): the
 * controller keeps its jobs, reconnects with backoff, gets 410 Gone for its stale watch (etcd moved
 * on while the server was down) and lists again, picks up what changed, and creates no job twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCrd, kubeRest, startKubeCluster, type KubeCluster } from '../helpers/kube-cluster.js';
import { KubeStack } from '../helpers/kube-stack.js';

let cluster: KubeCluster;
let stack: KubeStack;

beforeAll(async () => {
  cluster = await startKubeCluster();
  const rest = kubeRest(cluster);
  await applyCrd(rest);
  rest.close();
  stack = await KubeStack.create({ cluster });
});

afterAll(async () => {
  await stack?.stop();
  await cluster?.stop();
});

/** A counter's value in the controller's registry. */
async function relists(reason: string): Promise<number> {
  const m = await stack.controllers[0]!.app.metrics.registry.getSingleMetric('iotjobs_source_relists_total')!.get();
  return m.values.filter((v) => v.labels.resource === 'iotjobs' && v.labels.reason === reason).reduce((a, v) => a + v.value, 0);
}

describe('an API server restart', () => {
  it('is survived: 410 leads to a relist, changes made around it are seen, no job is created twice', async () => {
    const c = await stack.start(['--relist-seconds', '3600']);
    await stack.create('before-1');
    await stack.create('before-2');
    await stack.until('both jobs', () => stack.job('before-1') && stack.job('before-2'));
    await stack.untilStatus('before-2', 'Ready', (s) => KubeStack.condition(s, 'Ready')?.status === 'True');
    expect(await relists('gone')).toBe(0);

    await cluster.restartApiserver({
      downMs: 1_500,
      // While the API server is down, etcd's revision moves on (as other writers would move it), so
      // the controller's resourceVersion is older than anything the restarted watch cache holds.
      whileDown: () => bumpEtcd(cluster),
    });
    await stack.create('after-1');
    await stack.until('the job of the IoTJob created after the restart', () => stack.job('after-1'), 30_000);
    await stack.untilStatus('after-1', 'Ready', (s) => KubeStack.condition(s, 'Ready')?.status === 'True', 30_000);
    expect(await relists('gone')).toBeGreaterThanOrEqual(1);
    expect(c.logs.some((l) => l.msg === 'watch expired (410 Gone); listing again')).toBe(true);

    await stack.patchSpec('before-1', { description: 'edited after the restart' });
    await stack.until('the edit applied', () => stack.job('before-1')?.description === 'edited after the restart');
    expect(stack.calls('CreateJob')).toBe(3);
    expect([...stack.emu.service.state.jobs.keys()].sort()).toEqual(['after-1', 'before-1', 'before-2']);
  }, 90_000);
});

/** Writes a key straight into etcd through its JSON gateway. */
async function bumpEtcd(c: KubeCluster): Promise<void> {
  const key = Buffer.from('/iotjobs-test/bump').toString('base64');
  for (let i = 0; i < 3; i++) {
    const r = await fetch(`${c.etcdUrl}/v3/kv/put`, { method: 'POST', body: JSON.stringify({ key, value: Buffer.from(String(i)).toString('base64') }) });
    if (r.status !== 200) throw new Error(`etcd put: ${r.status} ${await r.text()}`);
  }
}
