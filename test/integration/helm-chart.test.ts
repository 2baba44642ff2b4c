/**
 * The Helm chart, checked with a real Helm (built from the Go module proxy): `helm lint --strict`
 * and `helm template` for the default values and each mode, values.schema.json refusing bad values,
 * the CRD and RBAC rules taken from their one source, and every rendered object accepted by the real
 * kube-apiserver in a server-side dry run (with the prometheus-operator CRDs installed for the
 * ServiceMonitor and the PrometheusRule, which are rendered only where their API is served: `helm
 * install --dry-run=server` against the real API server before and after those CRDs exist, and its
 * NOTES). As a subchart of a real umbrella chart. The CRD upgrade step of docs/helm-upgrade.md on the
 * real API server. Least privilege: no API token where the controller has no use for one, RBAC
 * confined to the watched namespaces (shown with the rendered Role, RoleBinding and ServiceAccount
 * applied to the real API server and a token of that ServiceAccount: read in a watched namespace,
 * forbidden in another), the NetworkPolicy, and the IAM policy in the package.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeError, type KubeRest } from '../../controller/kube/rest.js';
import { chartRules, createNamespace, kubeRest } from '../helpers/kube-cluster.js';
import {
  CHART,
  CHART_ALERTS,
  helm,
  helmTemplate,
  helmTemplateText,
  MONITORING_APIS,
  parseRendered,
  prometheusOperatorCrds,
  type Rendered,
} from '../helpers/helm.js';
import { inject } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

/** The mode that turns most things on. */
const FULL = 'kubernetes, 2 replicas with leader election, monitoring, IRSA, sharded, two namespaces, NetworkPolicy';

/** The modes the chart is checked in, as --set values. */
const MODES: Record<string, Record<string, string | number | boolean>> = {
  'kubernetes (defaults)': {},
  [FULL]: {
    replicaCount: 2,
    'serviceMonitor.enabled': true,
    'prometheusRule.enabled': true,
    'serviceAccount.roleArn': 'arn:aws:iam::123456789012:role/iot-jobs',
    'kubernetes.namespaces[0]': 'fleet-a',
    'kubernetes.namespaces[1]': 'fleet-b',
    'kubernetes.labelSelector': 'shard=1',
    'networkPolicy.enabled': true,
    'networkPolicy.metrics.from[0].namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name': 'monitoring',
    'networkPolicy.metrics.from[0].podSelector.matchLabels.app\\.kubernetes\\.io/name': 'prometheus',
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
    [{ 'kubernetes.namespaces[0]': 'fleet-a', 'kubernetes.namespaces[1]': 'fleet-a' }, 'kubernetes.namespaces'],
    [{ 'networkPolicy.metrics.from[0].podSelector.matchLabelz.app': 'prometheus' }, 'matchLabelz'],
    [{ 'networkPolicy.enabled': 'yes' }, 'networkPolicy.enabled'],
    // Go durations: git-sync would not start with a Prometheus-style 1d.
    [{ 'directory.gitSync.staleWorktreeTimeout': '1d' }, 'staleWorktreeTimeout'],
    [{ 'directory.gitSync.period': '1d' }, 'period'],
  ] as [Record<string, string | number>, string][])('refuses %j, naming the value', (set, name) => {
    const r = helm(['template', 'rel', CHART, ...setArgs(set)]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("values don't meet the specifications of the schema");
    expect(r.stderr).toContain(name.split('.').pop()!);
  });

  it('refuses directory mode without a repository, saying what is missing', () => {
    const r = helm(['template', 'rel', CHART, '--set', 'mode=directory']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('directory.gitSync.repository is required when git-sync is enabled');
  });
});

describe('helm template', () => {
  it('ships the CRDs as real files, byte for byte crds/, and Helm says nothing about them (regression: a symlink made Helm warn on every command)', () => {
    expect(readdirSync(join(CHART, 'crds')).sort()).toEqual(readdirSync(join(ROOT, 'crds')).sort());
    const { stdout, stderr } = helmTemplateText();
    expect(stderr).toBe('');
    for (const file of ['iotjob.yaml', 'iotjobtemplate.yaml']) {
      const shipped = join(CHART, 'crds', file);
      expect(lstatSync(shipped).isSymbolicLink()).toBe(false);
      expect(readFileSync(shipped, 'utf8'), `the chart's CRD differs: cp crds/${file} charts/iot-jobs-controller/crds/${file}`).toBe(
        readFileSync(join(ROOT, 'crds', file), 'utf8'),
      );
      const crd = parse(readFileSync(join(ROOT, 'crds', file), 'utf8')) as Rendered;
      expect(find(parseRendered(stdout), 'CustomResourceDefinition', crd.metadata.name)).toEqual(crd);
    }
    const lint = helm(['lint', '--strict', CHART]);
    expect(lint.stderr).toBe('');
    expect(lint.stdout).not.toMatch(/symbolic link|symlink|crds\//i);
    expect(lint.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  it('renders the ServiceMonitor and PrometheusRule only where the cluster serves their API (helm template --api-versions), and does not fail without it', () => {
    const set = { 'serviceMonitor.enabled': true, 'prometheusRule.enabled': true };
    const kinds = (apis: string[]): (string | undefined)[] =>
      ['ServiceMonitor', 'PrometheusRule'].map((k) => find(helmTemplate(set, 'iot-system', apis), k)?.kind);
    expect(kinds(MONITORING_APIS)).toEqual(['ServiceMonitor', 'PrometheusRule']);
    expect(kinds([])).toEqual([undefined, undefined]);
    expect(kinds(['monitoring.coreos.com/v1/ServiceMonitor'])).toEqual(['ServiceMonitor', undefined]);
    // The API present but the objects not enabled: none.
    expect(['ServiceMonitor', 'PrometheusRule'].map((k) => find(helmTemplate({}, 'iot-system', MONITORING_APIS), k))).toEqual([undefined, undefined]);
  });

  it('with more than one replica: a PodDisruptionBudget and a preferred anti-affinity over nodes (an affinity given wins); none for one replica', () => {
    const two = helmTemplate({ replicaCount: 2 });
    expect(find(two, 'PodDisruptionBudget')!.spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'iot-jobs-controller', 'app.kubernetes.io/instance': 'rel' } },
    });
    const spread = deployment(two).affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0];
    expect(spread).toMatchObject({ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname' } });
    expect(spread.podAffinityTerm.labelSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'iot-jobs-controller', 'app.kubernetes.io/instance': 'rel' });
    const one = helmTemplate();
    expect(find(one, 'PodDisruptionBudget')).toBeUndefined();
    expect(deployment(one).affinity).toBeUndefined();
    const mine = { 'affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key': 'pool' };
    expect(Object.keys(deployment(helmTemplate({ replicaCount: 2, ...mine })).affinity)).toEqual(['nodeAffinity']);
    expect(find(helmTemplate({ replicaCount: 2, 'podDisruptionBudget.enabled': false }), 'PodDisruptionBudget')).toBeUndefined();
  });

  it('can be a subchart: its schema takes `global`, and an umbrella chart that depends on it (file://, helm dependency update) lints and renders', () => {
    // Without `global` in the schema, additionalProperties: false refused every umbrella chart's globals.
    expect(helmTemplate({ 'global.foo': 'bar' }).map((o) => o.kind)).toContain('Deployment');
    const umbrella = mkdtempSync(join(tmpdir(), 'iotjobs-umbrella-'));
    try {
      writeFileSync(
        join(umbrella, 'Chart.yaml'),
        [
          'apiVersion: v2',
          'name: fleet-platform',
          'version: 1.0.0',
          'dependencies:',
          '  - name: iot-jobs-controller',
          '    version: ">=0.1.0"',
          `    repository: file://${CHART}`,
          '    condition: iot-jobs-controller.enabled',
          '',
        ].join('\n'),
      );
      writeFileSync(
        join(umbrella, 'values.yaml'),
        ['global:', '  environment: prod', '  foo: bar', 'iot-jobs-controller:', '  enabled: true', '  replicaCount: 2', ''].join('\n'),
      );
      const dep = helm(['dependency', 'update', umbrella, '--skip-refresh']);
      expect(dep.stderr).toBe('');
      expect(dep.code).toBe(0);
      expect(existsSync(join(umbrella, 'charts', 'iot-jobs-controller-0.1.0.tgz'))).toBe(true);
      const lint = helm(['lint', '--strict', umbrella]);
      expect(lint.stderr).toBe('');
      expect(lint.code).toBe(0);
      const r = helm(['template', 'platform', umbrella, '--namespace', 'fleet', '--include-crds']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const objs = parseRendered(r.stdout);
      const d = objs.find((o) => o.kind === 'Deployment')!;
      expect(d.metadata.name).toBe('platform-iot-jobs-controller');
      expect(d.metadata.namespace).toBe('fleet');
      expect(d.spec.replicas).toBe(2);
      expect(objs.map((o) => o.kind)).toEqual(expect.arrayContaining(['CustomResourceDefinition', 'PodDisruptionBudget']));
      // The subchart's own schema still applies under the umbrella.
      writeFileSync(join(umbrella, 'values.yaml'), ['iot-jobs-controller:', '  enabled: true', '  replicaCount: two', ''].join('\n'));
      const bad = helm(['template', 'platform', umbrella]);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain('replicaCount');
      // The dependency's condition (the usual `<name>.enabled`, which the schema takes) turns it off.
      writeFileSync(join(umbrella, 'values.yaml'), ['iot-jobs-controller:', '  enabled: false', ''].join('\n'));
      const off = helm(['template', 'platform', umbrella]);
      expect(off.code).toBe(0);
      expect(parseRendered(off.stdout)).toEqual([]);
    } finally {
      rmSync(umbrella, { recursive: true, force: true });
    }
  });

  it('defaults: Kubernetes mode, one replica, no leader election, the RBAC rules from files/, a hardened pod', () => {
    const objs = helmTemplate();
    expect(objs.map((o) => o.kind).sort()).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'ConfigMap',
      'CustomResourceDefinition',
      'CustomResourceDefinition',
      'Deployment',
      'Service',
      'ServiceAccount',
    ]);
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
    const objs = helmTemplate(MODES[FULL]!);
    const c = deployment(objs).containers[0];
    expect(c.args).toEqual(
      expect.arrayContaining(['--leader-elect', '--leader-election-id=rel-iot-jobs-controller', '--namespace=fleet-a,fleet-b', '--label-selector=shard=1']),
    );
    expect(find(objs, 'Role', '-leader-election')!.rules).toEqual(chartRules('leader-election-rules.yaml'));
    expect(find(objs, 'Role', '-leader-election')!.metadata.namespace).toBe('iot-system');
    expect(find(objs, 'ServiceAccount')!.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/iot-jobs' });
    expect(find(objs, 'ServiceMonitor')!.spec.endpoints).toEqual([{ port: 'http-metrics', path: '/metrics', interval: '30s' }]);
    const alerts = find(objs, 'PrometheusRule')!.spec.groups[0].rules.map((r: { alert: string }) => r.alert);
    expect(alerts).toEqual(CHART_ALERTS);
    expect(c.args).toEqual(expect.arrayContaining(['--max-prune-share=0.5', '--max-deletions=5', '--deletion-window-seconds=600']));
  });

  it('directory mode: a git-sync sidecar feeds the controller through an emptyDir, with the auth secret', () => {
    const objs = helmTemplate(MODES['directory with git-sync over HTTPS']!);
    // git-sync keeps the previous checkout a while, so a snapshot being read is not deleted under the controller.
    expect(deployment(objs).containers.find((c: { name: string }) => c.name === 'git-sync').args).toContain('--stale-worktree-timeout=5m');
    const longer = helmTemplate({ ...MODES['directory with git-sync over HTTPS']!, 'directory.gitSync.staleWorktreeTimeout': '1h30m' });
    expect(deployment(longer).containers[1].args).toContain('--stale-worktree-timeout=1h30m');
    expect(find(objs, 'ClusterRole')).toBeUndefined();
    const pod = deployment(objs);
    const [ctl, sync] = pod.containers;
    expect(ctl.args).toContain('--dir=/git/current/jobs/prod');
    expect(ctl.args).not.toContain('--kubernetes');
    expect(ctl.volumeMounts).toContainEqual({ name: 'git', mountPath: '/git', readOnly: true });
    expect(sync.args).toEqual(
      expect.arrayContaining(['--repo=https://github.com/example/fleet-jobs.git', '--ref=release', '--period=30s', '--root=/git', '--link=current']),
    );
    expect(sync.env).toContainEqual({ name: 'GITSYNC_PASSWORD', valueFrom: { secretKeyRef: { name: 'git-creds', key: 'password' } } });
    expect(sync.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(pod.volumes).toContainEqual({ name: 'git', emptyDir: {} });
    // The ledger lives on its own volume, so a restarted container still knows which jobs others deleted.
    expect(ctl.args).toContain('--state-file=/state/ledger.json');
    expect(ctl.volumeMounts).toContainEqual({ name: 'state', mountPath: '/state' });
    expect(pod.volumes).toContainEqual({ name: 'state', emptyDir: {} });
    const ssh = deployment(helmTemplate(MODES['directory with git-sync over SSH, 2 replicas']!));
    expect(ssh.containers[1].args).toContain('--ssh-key-file=/etc/git-secret/ssh');
    expect(ssh.containers[0].args).toContain('--leader-elect');
    expect(ssh.volumes).toContainEqual({ name: 'git-secret', secret: { secretName: 'git-ssh', defaultMode: 0o400 } });
  });

  it('mounts the API token only where the controller uses the API: not in directory mode with one replica', () => {
    const directory = helmTemplate(MODES['directory with git-sync over HTTPS']!);
    expect(deployment(directory).automountServiceAccountToken).toBe(false);
    expect(directory.map((o) => o.kind)).not.toEqual(expect.arrayContaining(['Role']));
    // The ServiceAccount never mounts by itself; the pod asks when it needs the API.
    expect(find(directory, 'ServiceAccount')!.automountServiceAccountToken).toBe(false);
    expect(deployment(helmTemplate(MODES['directory with git-sync over SSH, 2 replicas']!)).automountServiceAccountToken).toBe(true);
    expect(deployment(helmTemplate()).automountServiceAccountToken).toBe(true);
  });

  it('with kubernetes.namespaces: the rules in a Role and RoleBinding in each watched namespace, nothing cluster-wide', () => {
    const objs = helmTemplate(MODES[FULL]!);
    expect(find(objs, 'ClusterRole')).toBeUndefined();
    expect(find(objs, 'ClusterRoleBinding')).toBeUndefined();
    const source = objs.filter((o) => (o.kind === 'Role' || o.kind === 'RoleBinding') && !o.metadata.name.endsWith('-leader-election'));
    expect(source.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`).sort()).toEqual([
      'Role fleet-a/rel-iot-jobs-controller',
      'Role fleet-b/rel-iot-jobs-controller',
      'RoleBinding fleet-a/rel-iot-jobs-controller',
      'RoleBinding fleet-b/rel-iot-jobs-controller',
    ]);
    for (const o of source.filter((x) => x.kind === 'Role')) expect(o.rules).toEqual(chartRules('clusterrole-rules.yaml'));
    for (const o of source.filter((x) => x.kind === 'RoleBinding')) {
      expect(o.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'rel-iot-jobs-controller' });
      expect(o.subjects).toEqual([{ kind: 'ServiceAccount', name: 'rel-iot-jobs-controller', namespace: 'iot-system' }]);
    }
    expect(deployment(objs).containers[0].args).toContain('--namespace=fleet-a,fleet-b');
  });

  it('NetworkPolicy: off by default; on, ingress only to the metrics port from the listed peers, egress left alone', () => {
    expect(find(helmTemplate(), 'NetworkPolicy')).toBeUndefined();
    const np = find(helmTemplate(MODES[FULL]!), 'NetworkPolicy')!;
    expect(np.spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'iot-jobs-controller', 'app.kubernetes.io/instance': 'rel' } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          ports: [{ port: 'http-metrics', protocol: 'TCP' }],
          from: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
              podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
            },
          ],
        },
      ],
    });
    // The port it names is the container's metrics port.
    const pod = deployment(helmTemplate({ 'networkPolicy.enabled': true }));
    expect(pod.containers[0].ports).toContainEqual({ name: 'http-metrics', containerPort: 9464, protocol: 'TCP' });
    expect(find(helmTemplate({ 'networkPolicy.enabled': true }), 'NetworkPolicy')!.spec.ingress).toEqual([]);
  });

  it('the packaged chart carries the IAM policy the README shows', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chart-package-'));
    try {
      const r = helm(['package', CHART, '--destination', dir]);
      expect(r.stderr + r.stdout).toContain('Successfully packaged chart');
      const tgz = join(dir, 'iot-jobs-controller-0.1.0.tgz');
      const shipped = spawnSync('tar', ['-xzOf', tgz, 'iot-jobs-controller/files/iam-policy.json'], { encoding: 'utf8' });
      expect(shipped.status).toBe(0);
      expect(JSON.parse(shipped.stdout)).toEqual(JSON.parse(readFileSync(join(CHART, 'files', 'iam-policy.json'), 'utf8')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ships the Grafana dashboard as a ConfigMap with the grafana_dashboard label', () => {
    const cm = find(helmTemplate(), 'ConfigMap', '-dashboard')!;
    expect(cm.metadata.labels!.grafana_dashboard).toBe('1');
    const dash = JSON.parse(cm.data['iot-jobs-controller.json']);
    expect(dash).toEqual(JSON.parse(readFileSync(join(CHART, 'files', 'dashboard.json'), 'utf8')));
    const titles = dash.panels.map((p: { title: string }) => p.title);
    for (const t of [
      'Executions by status, per job',
      'Rollout progress',
      'Failure ratio',
      'Cancels and aborts',
      'Reconciles by result',
      'AWS throttling',
      'Work queue depth',
      'Source revision',
      'Source errors and problems',
    ])
      expect(titles).toContain(t);
  });
});

/**
 * Polls `check` every 200 ms until it returns true; throws `what` after `ms`. A 429 or 503 counts as
 * not yet: the API server answers so while it sets up the storage of a new or changed CRD.
 */
async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const done = await check().catch((err: unknown) => {
      if (err instanceof KubeError && (err.status === 429 || err.status === 503)) return false;
      throw err;
    });
    if (done) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Whether the API server serves `path` (true), or answers 404 (false); throws on anything else. */
async function served(rest: KubeRest, path: string): Promise<boolean> {
  return rest.request('GET', path, { query: { limit: 1 } }).then(
    () => true,
    (err: unknown) => {
      if (err instanceof KubeError && err.status === 404) return false;
      throw err;
    },
  );
}

const MONITORING = ['/apis/monitoring.coreos.com/v1/servicemonitors', '/apis/monitoring.coreos.com/v1/prometheusrules'];

/** Installs the prometheus-operator's ServiceMonitor and PrometheusRule CRDs (when missing) and waits until both are served. */
async function installMonitoringCrds(rest: KubeRest): Promise<void> {
  for (const crd of prometheusOperatorCrds()) {
    await rest.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: crd }).catch((err: unknown) => {
      if (!(err instanceof KubeError && err.status === 409)) throw err;
    });
  }
  await until('the API server serves monitoring.coreos.com/v1', async () => (await Promise.all(MONITORING.map((p) => served(rest, p)))).every(Boolean));
}

describe('the monitoring objects on a real API server: helm install --dry-run=server reads what the cluster serves', () => {
  let rest: KubeRest;

  beforeAll(() => {
    rest = kubeRest(inject('kube'));
  });

  afterAll(() => rest?.close());

  /** `helm install --dry-run=server` with both monitoring objects enabled: the manifest's kinds and the NOTES. */
  function dryRunInstall(): { kinds: string[]; notes: string } {
    const set = ['--set', 'serviceMonitor.enabled=true', '--set', 'prometheusRule.enabled=true'];
    const r = helm(['install', 'rel', CHART, '--dry-run=server', '--namespace', 'iot-system', ...set], { KUBECONFIG: inject('kube').kubeconfig });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [manifest, notes] = r.stdout.split('\nNOTES:\n');
    expect(notes).toBeDefined();
    return { kinds: parseRendered(manifest!.slice(manifest!.indexOf('MANIFEST:') + 'MANIFEST:'.length)).map((o) => o.kind), notes: notes! };
  }

  it('without the prometheus-operator CRDs: the ServiceMonitor and PrometheusRule are skipped (not an error) and NOTES says why; with them: both rendered, NOTES silent', async () => {
    // Only this file installs these CRDs; a rerun against the same cluster (watch mode) starts without them again.
    const crds = ['servicemonitors', 'prometheusrules'].map((r) => `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${r}.monitoring.coreos.com`);
    for (const path of crds)
      await rest.request('DELETE', path).catch((err: unknown) => {
        if (!(err instanceof KubeError && err.status === 404)) throw err;
      });
    await until('the monitoring CRDs are gone', async () => !(await Promise.all([...crds, ...MONITORING].map((p) => served(rest, p)))).some(Boolean));

    const without = dryRunInstall();
    expect(without.kinds).toEqual(expect.arrayContaining(['Deployment', 'Service']));
    expect(without.kinds).not.toContain('ServiceMonitor');
    expect(without.kinds).not.toContain('PrometheusRule');
    expect(without.notes).toContain(
      "ServiceMonitor skipped: serviceMonitor.enabled is true, but the cluster does not serve monitoring.coreos.com/v1 ServiceMonitor (install the prometheus-operator's CRDs, then upgrade).",
    );
    expect(without.notes).toContain(
      "PrometheusRule skipped: prometheusRule.enabled is true, but the cluster does not serve monitoring.coreos.com/v1 PrometheusRule (install the prometheus-operator's CRDs, then upgrade).",
    );

    await installMonitoringCrds(rest);
    const withApis = dryRunInstall();
    expect(withApis.kinds).toEqual(expect.arrayContaining(['ServiceMonitor', 'PrometheusRule']));
    expect(withApis.notes).not.toContain('skipped');
  });
});

describe('the rendered chart on a real API server (server-side dry run)', () => {
  let rest: KubeRest;

  beforeAll(async () => {
    rest = kubeRest(inject('kube'));
    await installMonitoringCrds(rest);
  });

  afterAll(() => rest?.close());

  it('upgrades the CRD with the step docs/helm-upgrade.md gives (Helm leaves crds/ alone on upgrade): over the CRD helm install created, and again for the next version', async () => {
    // The step as the doc writes it: the CRD applied server-side with --force-conflicts, then helm upgrade.
    const doc = readFileSync(join(ROOT, 'docs', 'helm-upgrade.md'), 'utf8');
    const block = /```sh\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
    const [apply, upgrade] = block.split('\n').filter((l) => l.trim() !== '');
    expect([apply, upgrade]).toEqual([
      'kubectl apply --server-side --force-conflicts -f charts/iot-jobs-controller/crds/',
      'helm upgrade iot-jobs charts/iot-jobs-controller -n iot-system',
    ]);
    const dir = join(ROOT, apply!.split(' -f ')[1]!);
    const file = join(dir, 'iotjob.yaml');
    // A packaged chart's CRDs (the doc's `helm show crds`) are the directory's files.
    const shown = parseAllDocuments(helm(['show', 'crds', CHART]).stdout).map((d) => d.toJS());
    expect(shown).toEqual(
      readdirSync(dir)
        .sort()
        .map((f) => parse(readFileSync(join(dir, f), 'utf8'))),
    );

    // A copy under a group of its own, so the IoTJob CRD other tests use stays as it is.
    const group = 'upgrade-test.gitops.dev';
    const current = parse(readFileSync(file, 'utf8').replaceAll('iot.gitops.dev', group)) as Rendered;
    const columns = (crd: Rendered): string[] => crd.spec.versions[0].additionalPrinterColumns.map((c: { name: string }) => c.name);
    // The version installed before: without the Health column and without the default of spec.state.
    const old = structuredClone(current);
    old.spec.versions[0].additionalPrinterColumns = old.spec.versions[0].additionalPrinterColumns.filter((c: { name: string }) => c.name !== 'Health');
    delete old.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.state.default;
    // The version after: one more printer column.
    const next = structuredClone(current);
    next.spec.versions[0].additionalPrinterColumns.push({ name: 'Next', type: 'string', jsonPath: '.spec.description', priority: 1 });

    const crds = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
    const path = `${crds}/${current.metadata.name}`;
    await rest.request('DELETE', path).catch(() => undefined);
    await until('an earlier run left no CRD behind', async () => !(await served(rest, path)));
    /** kubectl apply --server-side [--force-conflicts] -f: an apply patch by field manager "kubectl". */
    const kubectlApply = (crd: Rendered, forceConflicts: boolean): Promise<Rendered> =>
      rest.request<Rendered>('PATCH', path, {
        body: crd,
        contentType: 'application/apply-patch+yaml',
        query: { fieldManager: 'kubectl', force: forceConflicts ? 'true' : undefined },
      });
    try {
      // helm install creates what crds/ holds (a create by field manager "helm").
      await rest.request('POST', crds, { body: old, query: { fieldManager: 'helm' } });
      const jobs = `/apis/${group}/v1alpha1/namespaces/default/iotjobs`;
      await until('the old CRD is served', () => served(rest, jobs));
      await rest.request('POST', jobs, {
        body: {
          apiVersion: `${group}/v1alpha1`,
          kind: 'IoTJob',
          metadata: { name: 'installed-before' },
          spec: { targets: ['thingGroup:fleet'], document: { operation: 'reboot' }, description: 'from before' },
        },
      });
      expect((await rest.request<Rendered>('GET', `${jobs}/installed-before`)).spec.state).toBeUndefined();

      // Without --force-conflicts the API server refuses: the fields are Helm's.
      const refused = await kubectlApply(current, false).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(refused).toBeInstanceOf(KubeError);
      expect((refused as KubeError).status).toBe(409);
      expect((refused as KubeError).message).toContain('conflict with "helm"');

      // The doc's command.
      const applied = await kubectlApply(current, true);
      expect(columns(applied)).toContain('Health');
      expect(applied.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.state.default).toBe('Active');
      const managers = (applied.metadata as unknown as { managedFields: { manager: string; operation: string }[] }).managedFields;
      expect(managers.map((f) => `${f.manager} ${f.operation}`)).toContain('kubectl Apply');
      // The IoTJob created before the upgrade is kept, and read with the new schema's default.
      await until('the upgraded schema is served', async () => (await rest.request<Rendered>('GET', `${jobs}/installed-before`)).spec.state === 'Active');

      // The next upgrade, with the same command.
      expect(columns(await kubectlApply(next, true))).toContain('Next');
      // The columns kubectl get -o wide shows.
      let table: string[] = [];
      await until('the new printer column is served', async () => {
        const t = await rest.request<{ columnDefinitions: { name: string }[] }>('GET', jobs, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
        table = t.columnDefinitions.map((c) => c.name);
        return table.includes('Next');
      });
      expect(table).toEqual(expect.arrayContaining(['Name', 'Health', 'Next']));
    } finally {
      await rest.request('DELETE', path).catch(() => undefined);
    }
  });

  it.each(Object.entries(MODES))('accepts every object: %s', async (_name, set) => {
    const ns = `chart-${Math.random().toString(16).slice(2, 10)}`;
    await createNamespace(rest, ns);
    const objs = helmTemplate(set, ns).filter((o) => o.kind !== 'CustomResourceDefinition');
    // The watched namespaces the chart puts Roles in.
    for (const other of new Set(objs.map((o) => o.metadata.namespace).filter((n): n is string => !!n && n !== ns))) {
      await createNamespace(rest, other).catch((err: unknown) => {
        if (!(err instanceof KubeError && err.status === 409)) throw err;
      });
    }
    for (const o of objs) {
      const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
      const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
      const kind = o.kind.toLowerCase();
      const plural = kind.endsWith('s') ? `${kind}es` : kind.endsWith('y') ? `${kind.slice(0, -1)}ies` : `${kind}s`;
      const cluster = o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding';
      const path = cluster ? `${base}/${plural}` : `${base}/namespaces/${o.metadata.namespace ?? ns}/${plural}`;
      const done = await rest.request<Rendered>('POST', path, { body: o, query: { dryRun: 'All', fieldValidation: 'Strict' } }).then(
        (r) => r,
        (err: Error) => err,
      );
      expect(done instanceof Error ? `${o.kind} ${o.metadata.name}: ${done.message}` : 'accepted').toBe('accepted');
    }
    expect(objs.map((o) => o.kind)).toEqual(expect.arrayContaining(['ServiceAccount', 'Service', 'ConfigMap', 'Deployment']));
    // With more than one replica, the PodDisruptionBudget and the Deployment's anti-affinity were among what it accepted.
    const several = Number(set.replicaCount ?? 1) > 1;
    expect(objs.some((o) => o.kind === 'PodDisruptionBudget')).toBe(several);
    expect(deployment(objs).affinity?.podAntiAffinity !== undefined).toBe(several);
  });
});

describe("the chart's RBAC on a real API server, as its ServiceAccount", () => {
  let admin: KubeRest;
  const opened: KubeRest[] = [];

  beforeAll(() => {
    admin = kubeRest(inject('kube'));
  });

  afterAll(() => {
    admin?.close();
    for (const r of opened) r.close();
  });

  /** Creates the release's ServiceAccount and RBAC objects for real, and returns a client with that ServiceAccount's token. */
  async function installRbac(set: Record<string, string | number | boolean>, releaseNs: string): Promise<KubeRest> {
    const objs = helmTemplate(set, releaseNs).filter((o) => ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(o.kind));
    for (const o of objs) {
      const rbac = o.kind !== 'ServiceAccount';
      const base = rbac ? '/apis/rbac.authorization.k8s.io/v1' : '/api/v1';
      const plural = `${o.kind.toLowerCase()}s`;
      const path = o.kind.startsWith('Cluster') ? `${base}/${plural}` : `${base}/namespaces/${o.metadata.namespace}/${plural}`;
      await admin.request('POST', path, { body: o });
    }
    const sa = objs.find((o) => o.kind === 'ServiceAccount')!;
    const tr = await admin.request<{ status: { token: string } }>('POST', `/api/v1/namespaces/${releaseNs}/serviceaccounts/${sa.metadata.name}/token`, {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } },
    });
    const rest = kubeRest(inject('kube'), tr.status.token);
    opened.push(rest);
    return rest;
  }

  /** 'ok', or the HTTP status the API server answered. */
  async function attempt(rest: KubeRest, method: string, path: string, body?: unknown): Promise<'ok' | number> {
    return rest.request(method, path, { body, query: method === 'GET' ? undefined : { dryRun: 'All' } }).then(
      () => 'ok' as const,
      (err: unknown) => {
        if (err instanceof KubeError) return err.status;
        throw err;
      },
    );
  }

  async function namespaces(...names: string[]): Promise<void> {
    for (const n of names) {
      await createNamespace(admin, n);
      await admin.request('POST', `/api/v1/namespaces/${n}/configmaps`, {
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'job-doc' }, data: { 'job.json': '{}' } },
      });
    }
  }

  const event = (ns: string): unknown => ({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { generateName: 'x.', namespace: ns },
    involvedObject: { kind: 'IoTJob', name: 'x', namespace: ns },
    reason: 'Test',
    message: 'm',
    type: 'Normal',
  });

  it('with kubernetes.namespaces: reads ConfigMaps and IoTJobs and writes Events in a watched namespace, and is forbidden in any other and cluster-wide', async () => {
    const id = Math.random().toString(16).slice(2, 10);
    const [release, watched, unwatched] = [`rbac-rel-${id}`, `rbac-watched-${id}`, `rbac-other-${id}`];
    await namespaces(release, watched, unwatched);
    const sa = await installRbac({ 'kubernetes.namespaces[0]': watched, fullnameOverride: `ns-${id}` }, release);
    const iotjobs = '/apis/iot.gitops.dev/v1alpha1';
    expect({
      watchedConfigMaps: await attempt(sa, 'GET', `/api/v1/namespaces/${watched}/configmaps`),
      watchedDocument: await attempt(sa, 'GET', `/api/v1/namespaces/${watched}/configmaps/job-doc`),
      watchedIoTJobs: await attempt(sa, 'GET', `${iotjobs}/namespaces/${watched}/iotjobs`),
      watchedEvent: await attempt(sa, 'POST', `/api/v1/namespaces/${watched}/events`, event(watched)),
      otherConfigMaps: await attempt(sa, 'GET', `/api/v1/namespaces/${unwatched}/configmaps`),
      otherDocument: await attempt(sa, 'GET', `/api/v1/namespaces/${unwatched}/configmaps/job-doc`),
      otherIoTJobs: await attempt(sa, 'GET', `${iotjobs}/namespaces/${unwatched}/iotjobs`),
      otherEvent: await attempt(sa, 'POST', `/api/v1/namespaces/${unwatched}/events`, event(unwatched)),
      releaseConfigMaps: await attempt(sa, 'GET', `/api/v1/namespaces/${release}/configmaps`),
      allConfigMaps: await attempt(sa, 'GET', '/api/v1/configmaps'),
      allIoTJobs: await attempt(sa, 'GET', `${iotjobs}/iotjobs`),
      deleteDocument: await attempt(sa, 'DELETE', `/api/v1/namespaces/${watched}/configmaps/job-doc`),
    }).toEqual({
      watchedConfigMaps: 'ok',
      watchedDocument: 'ok',
      watchedIoTJobs: 'ok',
      watchedEvent: 'ok',
      otherConfigMaps: 403,
      otherDocument: 403,
      otherIoTJobs: 403,
      otherEvent: 403,
      releaseConfigMaps: 403,
      allConfigMaps: 403,
      allIoTJobs: 403,
      deleteDocument: 403,
    });
  });

  it('without namespaces (the default): the same ServiceAccount reads ConfigMaps in every namespace, and still only reads them', async () => {
    const id = Math.random().toString(16).slice(2, 10);
    const [release, any] = [`rbac-rel-${id}`, `rbac-any-${id}`];
    await namespaces(release, any);
    const sa = await installRbac({ fullnameOverride: `all-${id}` }, release);
    expect({
      anyDocument: await attempt(sa, 'GET', `/api/v1/namespaces/${any}/configmaps/job-doc`),
      allConfigMaps: await attempt(sa, 'GET', '/api/v1/configmaps'),
      deleteDocument: await attempt(sa, 'DELETE', `/api/v1/namespaces/${any}/configmaps/job-doc`),
    }).toEqual({ anyDocument: 'ok', allConfigMaps: 'ok', deleteDocument: 403 });
  });
});
