/**
 * The Kubernetes-mode command line: clear errors when there is no API server to talk to, the
 * in-cluster ServiceAccount (token, CA and namespace files plus KUBERNETES_SERVICE_HOST/PORT, as a
 * pod has them) against the real API server, and --help.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../controller/app.js';
import { loadConfig } from '../../controller/config.js';
import { objectPath, TEMPLATE_PLURAL } from '../../controller/kube/iotjob-resource.js';
import { createLogger } from '../../controller/observability/logger.js';
import { serviceAccountWithChartRole } from '../helpers/kube-cluster.js';
import { KubeStack } from '../helpers/kube-stack.js';
import { built, startProgram } from '../helpers/processes.js';
import { CREDENTIALS } from '../helpers/stack.js';

let stack: KubeStack;

beforeAll(async () => {
  stack = await KubeStack.create({ things: 1 });
});

afterAll(async () => {
  await stack?.stop();
});

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const clean = { ...env, KUBECONFIG: env.KUBECONFIG ?? '', KUBERNETES_SERVICE_HOST: '', KUBERNETES_SERVICE_PORT: '' };
  const p = startProgram(built('controller/main.js'), args, clean);
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

describe('run --kubernetes', () => {
  it('outside a pod without a kubeconfig, exits 2 and says what to pass', async () => {
    const r = await cli(['run', '--kubernetes', '--metrics-addr', '127.0.0.1:0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('iot-jobs-controller: cannot load the in-cluster ServiceAccount (no --kubeconfig given)');
    expect(r.stderr).toContain('pass --kubeconfig or set KUBECONFIG');
  });

  it('with a kubeconfig that does not exist, exits 2 and names it', async () => {
    const r = await cli(['run', '--kubernetes', '--kubeconfig', '/nonexistent/kubeconfig', '--metrics-addr', '127.0.0.1:0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot load the kubeconfig /nonexistent/kubeconfig');
  });

  it('documents the Kubernetes flags in --help', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--kubernetes', '--namespace VALUE', '--kubeconfig VALUE', '--label-selector VALUE', '--leader-elect', '[POD_NAMESPACE]'])
      expect(r.stdout).toContain(flag);
  });

  it('inside a pod, uses the mounted ServiceAccount token and CA', async () => {
    const token = await serviceAccountWithChartRole(stack.rest, stack.ns, 'in-cluster');
    const root = mkdtempSync(join(tmpdir(), 'iotjobs-pod-'));
    const sa = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, 'token'), token);
    writeFileSync(join(sa, 'ca.crt'), stack.cluster.caPem);
    writeFileSync(join(sa, 'namespace'), stack.ns);
    const url = new URL(stack.cluster.url);
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = url.hostname;
    process.env.KUBERNETES_SERVICE_PORT = url.port;
    const args = stack.args().filter((a, i, all) => a !== '--kubeconfig' && all[i - 1] !== '--kubeconfig');
    const sink = new Writable({ write: (_c, _e, done) => done() });
    const app = createApp(loadConfig(args, {}), { credentials: CREDENTIALS, logger: createLogger('info', sink), inClusterRoot: root });
    try {
      await app.start();
      await stack.create('in-pod');
      await stack.until('the job', () => stack.job('in-pod'));
      await stack.untilStatus('in-pod', 'Ready', (s) => KubeStack.condition(s, 'Ready')?.status === 'True');
    } finally {
      await app.stop();
      process.env.KUBERNETES_SERVICE_HOST = saved.host;
      process.env.KUBERNETES_SERVICE_PORT = saved.port;
      if (saved.host === undefined) delete process.env.KUBERNETES_SERVICE_HOST;
      if (saved.port === undefined) delete process.env.KUBERNETES_SERVICE_PORT;
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('plan --kubernetes', () => {
  const ENV = { AWS_ACCESS_KEY_ID: 'AKIDPLANTEST', AWS_SECRET_ACCESS_KEY: 'x' };
  const planArgs = (): string[] => ['plan', ...stack.args(['--log-level', 'warn']).slice(1)];

  it("prints what run would do with the cluster's IoTJobs (AWS drift and refused changes included) and IoTJobTemplates, and writes nothing to the cluster or AWS", async () => {
    // A job a controller created, then changed in AWS behind its back while no controller runs: drift kubectl diff cannot see.
    await stack.create('drifted', { description: 'declared' });
    const running = await stack.start();
    await stack.untilStatus('drifted', 'Ready', (s) => KubeStack.condition(s, 'Ready')?.status === 'True');
    await running.app.stop();
    stack.emu.service.call('UpdateJob', { jobId: 'drifted', description: 'changed by hand' });
    await stack.create('planned');
    await stack.create('waits-for-cm', { document: undefined, documentConfigMap: { name: 'absent', key: 'job.json' } });
    const templatePath = objectPath(TEMPLATE_PLURAL, stack.ns, 'planned-template');
    await stack.rest.request('POST', templatePath.slice(0, templatePath.lastIndexOf('/')), {
      body: {
        apiVersion: 'iot.gitops.dev/v1alpha1',
        kind: 'IoTJobTemplate',
        metadata: { name: 'planned-template' },
        spec: { description: 'base', document: { op: 'x' } },
      },
    });
    const before = stack.emu.server.calls.since().at(-1)?.seq ?? 0;
    const r = await cli(planArgs(), ENV);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`create           ${stack.ns}/planned (job planned): no job planned exists`);
    expect(r.stdout).toContain(`${'noop'.padEnd(16)} ${stack.ns}/waits-for-cm: spec.documentConfigMap: ConfigMap ${stack.ns}/absent does not exist`);
    expect(r.stdout).toContain(`${'update'.padEnd(16)} ${stack.ns}/drifted (job drifted): description differ from the manifest`);
    expect(r.stdout).toContain(`create           ${stack.ns}/planned-template (template planned-template): no job template planned-template exists`);
    expect(r.stdout).toMatch(/^plan: \d+ manifests, 3 with changes pending; 1 job template, 1 with changes pending \(revision \d+\)$/m);
    expect(r.stdout).not.toContain('prune guard');
    // Nothing written: no finalizer, no status, no Event, and no mutating AWS call.
    const obj = await stack.get('planned');
    expect(obj!.metadata.finalizers ?? []).toEqual([]);
    expect(obj!.status).toBeUndefined();
    expect(await stack.events('planned')).toEqual([]);
    const template = await stack.rest.request<{ metadata: { finalizers?: string[] }; status?: unknown }>('GET', templatePath);
    expect([template.metadata.finalizers ?? [], template.status]).toEqual([[], undefined]);
    const mutating = stack.emu.server.calls.since(before).filter((c) => !/^(List|Describe|Get)/.test(c.operation));
    expect(mutating).toEqual([]);
  });

  it("plans a pull request's Kubernetes manifests (--dir --kubernetes-manifests) as the cluster's controller would: same keys, its ConfigMaps, other kinds skipped", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iotjobs-pr-'));
    try {
      const iotJob = (name: string, spec: Record<string, unknown>, ns?: string): string =>
        JSON.stringify({ apiVersion: 'iot.gitops.dev/v1alpha1', kind: 'IoTJob', metadata: { name, ...(ns ? { namespace: ns } : {}) }, spec });
      writeFileSync(
        join(dir, 'kustomization.yaml'),
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [drifted.yaml, from-cm.yaml]\n',
      );
      // The IoTJob the cluster's controller manages, as the pull request has it (no namespace: --namespace gives it).
      writeFileSync(join(dir, 'drifted.yaml'), iotJob('drifted', { targets: ['thingGroup:fleet'], document: { op: 'ota', v: 1 }, description: 'declared' }));
      writeFileSync(
        join(dir, 'from-cm.yaml'),
        `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ota, namespace: ${stack.ns}}\ndata:\n  job.json: '{"op":"ota","v":3}'\n---\n` +
          iotJob('from-cm', { targets: ['thingGroup:fleet'], documentConfigMap: { name: 'ota', key: 'job.json' } }, stack.ns),
      );
      const args = ['plan', '--dir', dir, '--kubernetes-manifests', '--namespace', stack.ns, '--endpoint', stack.emu.url, '--account', '123456789012'];
      const r = await cli(args, { AWS_ACCESS_KEY_ID: 'AKIDPLANTEST', AWS_SECRET_ACCESS_KEY: 'x' });
      expect(r.stderr).not.toMatch(/error/i);
      expect(r.code).toBe(1);
      // The cluster's job, found by the same key (namespace/name) and ownership tags: only the drift is to be undone.
      expect(r.stdout).toContain(`${'update'.padEnd(16)} ${stack.ns}/drifted (job drifted): description differ from the manifest`);
      expect(r.stdout).toContain(`${'create'.padEnd(16)} ${stack.ns}/from-cm (job from-cm): no job from-cm exists`);
      expect(r.stdout).toMatch(/^plan: 2 manifests, 2 with changes pending/m);
      // A ConfigMap the pull request lacks is named, as the cluster would report it.
      writeFileSync(
        join(dir, 'from-cm.yaml'),
        iotJob('from-cm', { targets: ['thingGroup:fleet'], documentConfigMap: { name: 'gone', key: 'job.json' } }, stack.ns),
      );
      const missing = await cli(args, { AWS_ACCESS_KEY_ID: 'AKIDPLANTEST', AWS_SECRET_ACCESS_KEY: 'x' });
      expect(missing.code).toBe(2);
      expect(missing.stdout).toContain(`from-cm.yaml:1: spec.documentConfigMap: ConfigMap ${stack.ns}/gone is not among the manifests`);
      expect((await cli(['run', '--dir', dir, '--kubernetes-manifests'])).stderr).toContain('--kubernetes-manifests is for plan --dir');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
