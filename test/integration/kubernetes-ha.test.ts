/**
 * Two controller replicas as real processes (the CLI, `run --kubernetes --leader-elect`) under an
 * unprivileged ServiceAccount token bound only to the chart's RBAC rules: one leader acts, the
 * standby takes over within the lease duration when the leader dies, and a replica that is
 * stopped releases the lease.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeError } from '../../controller/kube/rest.js';
import { kubeRest, serviceAccountWithChartRole } from '../helpers/kube-cluster.js';
import { KubeStack } from '../helpers/kube-stack.js';
import { built, startProgram, type Program } from '../helpers/processes.js';
import { CREDENTIALS, manifest, Stack } from '../helpers/stack.js';

let stack: KubeStack;
let token: string;
const programs: Program[] = [];

const LEASE = [
  '--leader-elect',
  '--lease-duration-seconds',
  '3',
  '--renew-deadline-seconds',
  '2',
  '--retry-period-seconds',
  '0.5',
  '--leader-election-id',
  'iot-jobs-controller',
];

beforeAll(async () => {
  stack = await KubeStack.create({ things: 2 });
  token = await serviceAccountWithChartRole(stack.rest, stack.ns, 'iot-jobs-controller');
});

afterAll(async () => {
  for (const p of programs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await stack?.stop();
});

function replica(identity: string): Program {
  const args = [
    ...stack.args(
      [...LEASE, '--leader-election-namespace', stack.ns, '--leader-identity', identity, '--log-level', 'info'],
      stack.kubeconfig(token, 'controller'),
    ),
  ];
  const p = startProgram(built('controller/main.js'), args, { AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey });
  programs.push(p);
  return p;
}

async function holder(): Promise<string | null | undefined> {
  try {
    const lease = await stack.rest.request<{ spec: { holderIdentity?: string | null } }>(
      'GET',
      `/apis/coordination.k8s.io/v1/namespaces/${stack.ns}/leases/iot-jobs-controller`,
    );
    return lease.spec.holderIdentity ?? null;
  } catch (err) {
    if (err instanceof KubeError && err.status === 404) return undefined;
    throw err;
  }
}

describe('leader election and RBAC', () => {
  it('the ServiceAccount has the chart role and nothing else', async () => {
    const asController = kubeRest(stack.cluster, token);
    try {
      await asController.request('GET', `/apis/iot.gitops.dev/v1alpha1/iotjobs`);
      const denied = await asController.request('GET', `/api/v1/namespaces/${stack.ns}/secrets`).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(denied).toBeInstanceOf(KubeError);
      expect((denied as KubeError).status).toBe(403);
      const deleteDenied = await asController.request('DELETE', `/apis/iot.gitops.dev/v1alpha1/namespaces/${stack.ns}/iotjobs/nothing`).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((deleteDenied as KubeError).status).toBe(403);
    } finally {
      asController.close();
    }
  });

  it('one leader acts; the standby takes over within the lease when it dies; a stopped leader releases the lease', async () => {
    const a = replica('replica-a');
    await stack.until('replica-a to lead', async () => (await holder()) === 'replica-a', 20_000);
    const b = replica('replica-b');
    await stack.until('replica-b to wait', () => b.stdout().includes('waiting to become the leader'), 20_000);

    await stack.create('ha-1');
    await stack.until('ha-1 created', () => stack.job('ha-1'));
    await stack.untilStatus('ha-1', 'Ready', (s) => KubeStack.condition(s, 'Ready')?.status === 'True');
    expect(a.stdout()).toContain('"action":"create"');
    expect(b.stdout()).not.toContain('"action":"create"');
    expect(b.stdout()).not.toContain('became the leader');

    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    await stack.until('replica-b to lead', async () => (await holder()) === 'replica-b', 10_000);
    const takeover = Date.now() - killedAt;
    expect(takeover).toBeLessThan(3_000 + 1_500);
    expect(b.stdout()).toContain('became the leader');

    await stack.create('ha-2');
    await stack.until('ha-2 created by the new leader', () => stack.job('ha-2'));
    await stack.untilStatus('ha-2', 'Ready', (s) => KubeStack.condition(s, 'Ready')?.status === 'True');
    expect(b.stdout()).toContain('"action":"create"');
    expect(stack.calls('CreateJob')).toBe(2);
    expect([...stack.emu.service.state.jobs.keys()].sort()).toEqual(['ha-1', 'ha-2']);

    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);
    expect(b.stdout()).toContain('released the leader lease');
    expect(await holder()).toBeNull();
  }, 60_000);
});

describe('a leader that loses its lease', () => {
  it('stops acting and exits 1, so that its pod restarts as a standby', async () => {
    const a = replica('replica-lost');
    const id = 'iot-jobs-controller';
    await stack.until('replica-lost to lead', async () => (await holder()) === 'replica-lost', 20_000);
    // Someone else takes the lease (as a replica would after a network partition).
    const lease = await stack.rest.request<{ metadata: Record<string, unknown>; spec: Record<string, unknown> }>(
      'GET',
      `/apis/coordination.k8s.io/v1/namespaces/${stack.ns}/leases/${id}`,
    );
    const now = new Date().toISOString().replace('Z', '000Z');
    await stack.rest.request('PUT', `/apis/coordination.k8s.io/v1/namespaces/${stack.ns}/leases/${id}`, {
      body: { ...lease, spec: { ...lease.spec, holderIdentity: 'intruder', renewTime: now, acquireTime: now, leaseDurationSeconds: 30 } },
    });
    expect(await a.exited).toBe(1);
    expect(a.stdout()).toContain('lost the leader lease: another replica holds it');
  }, 30_000);
});

describe('leader election in directory mode', () => {
  it('lets only the leader of two replicas on one directory act, and hands over when it stops', async () => {
    const dir = await Stack.create();
    const second = await Stack.create();
    try {
      dir.write('fw.yaml', manifest('fw', {}));
      const le = [
        '--leader-elect',
        '--kubeconfig',
        stack.kubeconfig(),
        '--leader-election-namespace',
        stack.ns,
        '--leader-election-id',
        'dir-mode',
        '--lease-duration-seconds',
        '3',
        '--renew-deadline-seconds',
        '2',
        '--retry-period-seconds',
        '0.5',
      ];
      const a = await dir.start([...le, '--leader-identity', 'dir-a']);
      await dir.until('dir-a to lead', () => a.kube?.elector?.isLeader);
      // The second replica reads the same directory and the same emulator.
      const b = await second.start([...le, '--leader-identity', 'dir-b'], (c) => ({ ...c, dir: dir.dir, endpoint: dir.emu.url }));
      await dir.until('the job', () => dir.job('fw'));
      await new Promise((r) => setTimeout(r, 1_500));
      expect(b.kube?.elector?.isLeader).toBe(false);
      expect(second.logs.some((l) => l.action === 'create')).toBe(false);
      expect(dir.calls('CreateJob')).toBe(1);
      await a.stop();
      dir.app = undefined as never;
      await dir.until('dir-b to lead after dir-a released the lease', () => b.kube?.elector?.isLeader, 5_000);
      dir.write('fw2.yaml', manifest('fw2', {}));
      await dir.until('the new leader to act', () => dir.job('fw2'));
      expect(dir.calls('CreateJob')).toBe(2);
    } finally {
      await second.stop();
      await dir.stop();
    }
  }, 60_000);
});
