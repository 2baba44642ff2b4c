/**
 * The Helm chart, checked with a real Helm (built from the Go module proxy): `helm lint --strict`
 * and `helm template` for the default values and each mode, values.schema.json refusing bad values,
 * the CRD and RBAC rules taken from their one source, and every rendered object accepted by the real
 * kube-apiserver in a server-side dry run (with the prometheus-operator CRDs installed for the
 * ServiceMonitor and the PrometheusRule).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeError, type KubeRest } from '../../controller/kube/rest.js';
import { chartRules, createNamespace, kubeRest } from '../helpers/kube-cluster.js';
import { CHART, helm, helmTemplate, prometheusOperatorCrds, type Rendered } from '../helpers/helm.js';
import { inject } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

/** The modes the chart is checked in, as --set values. */
const MODES: Record<string, Record<string, string | number | boolean>> = {
  'kubernetes (defaults)': {},
  'kubernetes, 2 replicas with leader election, monitoring, IRSA, sharded': {
    replicaCount: 2,
    'serviceMonitor.enabled': true,
    'prometheusRule.enabled': true,
    'serviceAccount.roleArn': 'arn:aws:iam::123456789012:role/iot-jobs',
    'kubernetes.namespaces[0]': 'fleet-a',
    'kubernetes.labelSelector': 'shard=1',
  },
  'directory with git-sync over HTTPS': {
    mode: 'directory',
    'directory.gitSync.repository': 'https://github.com/example/fleet-jobs.git',
    'directory.gitSync.branch': 'release',
    'directory.gitSync.period': '30s',
    'directory.gitSync.auth.secretName': 'git-creds',
    'directory.path': 'jobs/prod',
  },
  'directory with git-sync over SSH, 2 replicas': {
    mode: 'directory',
    replicaCount: 2,
    'directory.gitSync.repository': 'git@github.com:example/fleet-jobs.git',
    'directory.gitSync.auth.secretName': 'git-ssh',
    'directory.gitSync.auth.type': 'ssh',
  },
};

function setArgs(set: Record<string, string | number | boolean>): string[] {
  return Object.entries(set).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
}

function find(objs: Rendered[], kind: string, suffix = ''): Rendered | undefined {
  return objs.find((o) => o.kind === kind && o.metadata.name.endsWith(suffix));
}

function deployment(objs: Rendered[]): any {
  return find(objs, 'Deployment')!.spec.template.spec;
}

describe('helm lint and values.schema.json', () => {
  it.each(Object.entries(MODES))('lints cleanly (--strict): %s', (_name, set) => {
    const r = helm(['lint', '--strict', CHART, ...setArgs(set)]);
    expect(r.stdout + r.stderr).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(r.code).toBe(0);
  });

  it.each([
    [{ mode: 'fleet' }, 'mode'],
    [{ 'aws.account': '1234' }, 'aws.account'],
    [{ replicaCount: -1 }, 'replicaCount'],
    [{ rolloutSpeed: 3 }, 'rolloutSpeed'],
    [{ 'directory.path': '../outside' }, 'directory.path'],
  ] as [Record<string, string | number>, string][])('refuses %j, naming the value', (set, name) => {
    const r = helm(['template', 'rel', CHART, ...setArgs(set)]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('values don\'t meet the specifications of the schema');
    expect(r.stderr).toContain(name.split('.').pop()!);
  });

  it('refuses directory mode without a repository, saying what is missing', () => {
    const r = helm(['template', 'rel', CHART, '--set', 'mode=directory']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('directory.gitSync.repository is required when git-sync is enabled');
  });
});

describe('helm template', () => {
  it('ships crds/iotjob.yaml itself, not a copy', () => {
    const crd = find(helmTemplate(), 'CustomResourceDefinition')!;
    expect(crd).toEqual(parse(readFileSync(join(ROOT, 'crds', 'iotjob.yaml'), 'utf8')));
  });

  it('defaults: Kubernetes mode, one replica, no leader election, the RBAC rules from files/, a hardened pod', () => {
    const objs = helmTemplate();
    expect(objs.map((o) => o.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'CustomResourceDefinition', 'Deployment', 'Service', 'ServiceAccount']);
    expect(find(objs, 'ClusterRole')!.rules).toEqual(chartRules('clusterrole-rules.yaml'));
    const pod = deployment(objs);
    const c = pod.containers[0];
    expect(c.args).toContain('--kubernetes');
    expect(c.args).not.toContain('--leader-elect');
    expect(c.args).toContain('--metrics-addr=0.0.0.0:9464');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(c.resources).toEqual({ requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } });
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    expect(c.env).toContainEqual({ name: 'NODE_OPTIONS', value: '--max-old-space-size=128' });
  });

  it('with 2 replicas: leader election on a Lease in the release namespace, the monitoring objects and IRSA', () => {
    const objs = helmTemplate(MODES['kubernetes, 2 replicas with leader election, monitoring, IRSA, sharded']!);
    const c = deployment(objs).containers[0];
    expect(c.args).toEqual(expect.arrayContaining(['--leader-elect', '--leader-election-id=rel-iot-jobs-controller', '--namespace=fleet-a', '--label-selector=shard=1']));
    expect(find(objs, 'Role')!.rules).toEqual(chartRules('leader-election-rules.yaml'));
    expect(find(objs, 'Role')!.metadata.namespace).toBe('iot-system');
    expect(find(objs, 'ServiceAccount')!.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/iot-jobs' });
    expect(find(objs, 'ServiceMonitor')!.spec.endpoints).toEqual([{ port: 'http-metrics', path: '/metrics', interval: '30s' }]);
    const alerts = find(objs, 'PrometheusRule')!.spec.groups[0].rules.map((r: { alert: string }) => r.alert);
    expect(alerts).toEqual(['IoTJobFailureRatioHigh', 'IoTJobsReconcileErrors', 'IoTJobsAWSThrottled', 'IoTJobsControllerDown', 'IoTJobsSourceFailing', 'IoTJobsPruneBlocked']);
  });

  it('directory mode: a git-sync sidecar feeds the controller through an emptyDir, with the auth secret', () => {
    const objs = helmTemplate(MODES['directory with git-sync over HTTPS']!);
    expect(find(objs, 'ClusterRole')).toBeUndefined();
    const pod = deployment(objs);
    const [ctl, sync] = pod.containers;
    expect(ctl.args).toContain('--dir=/git/current/jobs/prod');
    expect(ctl.args).not.toContain('--kubernetes');
    expect(ctl.volumeMounts).toContainEqual({ name: 'git', mountPath: '/git', readOnly: true });
    expect(sync.args).toEqual(expect.arrayContaining(['--repo=https://github.com/example/fleet-jobs.git', '--ref=release', '--period=30s', '--root=/git', '--link=current']));
    expect(sync.env).toContainEqual({ name: 'GITSYNC_PASSWORD', valueFrom: { secretKeyRef: { name: 'git-creds', key: 'password' } } });
    expect(sync.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(pod.volumes).toContainEqual({ name: 'git', emptyDir: {} });
    const ssh = deployment(helmTemplate(MODES['directory with git-sync over SSH, 2 replicas']!));
    expect(ssh.containers[1].args).toContain('--ssh-key-file=/etc/git-secret/ssh');
    expect(ssh.containers[0].args).toContain('--leader-elect');
    expect(ssh.volumes).toContainEqual({ name: 'git-secret', secret: { secretName: 'git-ssh', defaultMode: 0o400 } });
  });

  it('ships the Grafana dashboard as a ConfigMap with the grafana_dashboard label', () => {
    const cm = find(helmTemplate(), 'ConfigMap', '-dashboard')!;
    expect(cm.metadata.labels!.grafana_dashboard).toBe('1');
    const dash = JSON.parse(cm.data['iot-jobs-controller.json']);
    expect(dash).toEqual(JSON.parse(readFileSync(join(CHART, 'files', 'dashboard.json'), 'utf8')));
    const titles = dash.panels.map((p: { title: string }) => p.title);
    for (const t of ['Executions by status, per job', 'Rollout progress', 'Failure ratio', 'Cancels and aborts', 'Reconciles by result', 'AWS throttling', 'Work queue depth', 'Source revision', 'Source errors and problems']) expect(titles).toContain(t);
  });
});

describe('the rendered chart on a real API server (server-side dry run)', () => {
  let rest: KubeRest;

  beforeAll(async () => {
    rest = kubeRest(inject('kube'));
    for (const crd of prometheusOperatorCrds()) {
      await rest.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: crd }).catch((err: unknown) => {
        if (!(err instanceof KubeError && err.status === 409)) throw err;
      });
    }
    // Wait until the API server serves the monitoring.coreos.com kinds.
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await rest.request('GET', '/apis/monitoring.coreos.com/v1/prometheusrules');
        await rest.request('GET', '/apis/monitoring.coreos.com/v1/servicemonitors');
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  });

  afterAll(() => rest?.close());

  it.each(Object.entries(MODES))('accepts every object: %s', async (_name, set) => {
    const ns = `chart-${Math.random().toString(16).slice(2, 10)}`;
    await createNamespace(rest, ns);
    const objs = helmTemplate(set, ns).filter((o) => o.kind !== 'CustomResourceDefinition');
    for (const o of objs) {
      const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
      const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
      const plural = `${o.kind.toLowerCase()}${o.kind.endsWith('s') ? 'es' : 's'}`;
      const cluster = o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding';
      const path = cluster ? `${base}/${plural}` : `${base}/namespaces/${ns}/${plural}`;
      const done = await rest.request<Rendered>('POST', path, { body: o, query: { dryRun: 'All', fieldValidation: 'Strict' } }).then(
        (r) => r,
        (err: Error) => err,
      );
      expect(done instanceof Error ? `${o.kind} ${o.metadata.name}: ${done.message}` : 'accepted').toBe('accepted');
    }
    expect(objs.map((o) => o.kind)).toEqual(expect.arrayContaining(['ServiceAccount', 'Service', 'ConfigMap', 'Deployment']));
  });
});
