/**
 * A real Kubernetes control plane for the tests: kube-apiserver and etcd, built from the Go module
 * proxy by the wrapper module in test/kube/kubebin (KUBE-APISERVER.md) into the git-ignored
 * .cache/kube-bin/<version>-<go.sum digest>/, and reused while that directory holds them. A
 * cluster runs on free loopback ports with token authentication (an admin in system:masters) and
 * RBAC; there is no controller-manager, so namespaces are never deleted and ServiceAccounts get no
 * default tokens (tests use the TokenRequest API).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { KubeError, KubeRest } from '../../controller/kube/rest.js';
import { freePort } from './python-tools.js';

/** The Kubernetes release the wrapper module pins. */
export const KUBE_VERSION = '1.37.2';

const ROOT = join(import.meta.dirname, '..', '..');
const MODULE_DIR = join(ROOT, 'test', 'kube', 'kubebin');

/** Where the binaries of this go.mod/go.sum live. */
export function kubeBinDir(): string {
  const digest = createHash('sha256')
    .update(readFileSync(join(MODULE_DIR, 'go.mod')))
    .update(readFileSync(join(MODULE_DIR, 'go.sum')))
    .digest('hex')
    .slice(0, 12);
  return join(ROOT, '.cache', 'kube-bin', `v${KUBE_VERSION}-${digest}`);
}

function goBuild(out: string, pkg: string, ldflags: string, log: (s: string) => void): void {
  const started = Date.now();
  log(`building ${pkg} from the Go module proxy (the first build takes several minutes)`);
  const tmp = `${out}.tmp-${process.pid}`;
  const r = spawnSync('go', ['build', '-trimpath', `-ldflags=${ldflags}`, '-o', tmp, pkg], {
    cwd: MODULE_DIR,
    env: { ...process.env, CGO_ENABLED: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw new Error(`go build ${pkg} could not run (is Go installed?): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`go build ${pkg} failed (${r.status}):\n${r.stderr.slice(-4000)}`);
  renameSync(tmp, out);
  log(`built ${out} in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** The paths of kube-apiserver and etcd, building whichever is missing. */
export function ensureKubeBinaries(log: (s: string) => void = (s) => process.stderr.write(`[kube] ${s}\n`)): { apiserver: string; etcd: string } {
  const dir = kubeBinDir();
  mkdirSync(dir, { recursive: true });
  const apiserver = join(dir, 'kube-apiserver');
  const etcd = join(dir, 'etcd');
  const [major, minor] = KUBE_VERSION.split('.');
  const version = `-X k8s.io/component-base/version.gitVersion=v${KUBE_VERSION} -X k8s.io/component-base/version.gitMajor=${major} -X k8s.io/component-base/version.gitMinor=${minor}`;
  if (!existsSync(apiserver)) goBuild(apiserver, 'k8s.io/kubernetes/cmd/kube-apiserver', `-s -w ${version}`, log);
  if (!existsSync(etcd)) goBuild(etcd, 'go.etcd.io/etcd/server/v3', '-s -w', log);
  return { apiserver, etcd };
}

/** A running control plane. */
export interface KubeCluster {
  /** https://127.0.0.1:PORT */
  url: string;
  /** A bearer token of user `admin` in group system:masters. */
  adminToken: string;
  /** The PEM of the CA that signed the API server's serving certificate. */
  caPem: string;
  /** A kubeconfig file for the admin. */
  kubeconfig: string;
  /** The cluster's working directory (certificates, etcd data, logs). */
  dir: string;
  /** etcd's client URL. */
  etcdUrl: string;
  /** Stops the API server and starts it again on the same port (etcd keeps running); `whileDown` runs in between. */
  restartApiserver(opts?: { downMs?: number; whileDown?: () => Promise<void> }): Promise<void>;
  stop(): Promise<void>;
}

/** Writes a kubeconfig for a user authenticated by a bearer token. */
export function writeKubeconfig(path: string, url: string, caPem: string, token: string, user = 'admin'): string {
  const ca = Buffer.from(caPem).toString('base64');
  writeFileSync(
    path,
    `apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: ${url}
    certificate-authority-data: ${ca}
users:
- name: ${user}
  user:
    token: ${token}
contexts:
- name: test
  context: {cluster: test, user: ${user}}
current-context: test
`,
    { mode: 0o600 },
  );
  return path;
}

interface Proc {
  child: ChildProcess;
  output: () => string;
}

function startProc(bin: string, args: string[], logFile: string): Proc {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer): void => {
    out = (out + d.toString()).slice(-200_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.once('exit', () => writeFileSync(logFile, out));
  return { child, output: () => out };
}

async function stopProc(p: Proc | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** GET over TLS with the admin token; the status code, or undefined when nothing answers. */
function probe(url: string, token: string, ca: string | undefined): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request(url, { headers: { authorization: `Bearer ${token}` }, ca, rejectUnauthorized: ca !== undefined, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

async function waitUntil(what: string, proc: Proc, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`${what}: the process exited with ${proc.child.exitCode}:\n${proc.output().slice(-4000)}`);
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready within ${timeoutMs / 1000} s:\n${proc.output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Starts etcd and kube-apiserver on free loopback ports and waits until the API server is ready. */
export async function startKubeCluster(opts: { dir?: string } = {}): Promise<KubeCluster> {
  const bins = ensureKubeBinaries();
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'iotjobs-kube-'));
  mkdirSync(join(dir, 'pki'), { recursive: true });
  const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
  const adminToken = randomBytes(24).toString('hex');
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  writeFileSync(join(dir, 'sa.key'), privateKey, { mode: 0o600 });
  writeFileSync(join(dir, 'tokens.csv'), `${adminToken},admin,admin-uid,"system:masters"\n`, { mode: 0o600 });
  const etcdUrl = `http://127.0.0.1:${etcdClient}`;
  const peerUrl = `http://127.0.0.1:${etcdPeer}`;
  const etcd = startProc(
    bins.etcd,
    [
      '--name=default',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=default=${peerUrl}`,
      '--unsafe-no-fsync',
      '--log-level=error',
    ],
    join(dir, 'etcd.log'),
  );
  await waitUntil(
    'etcd',
    etcd,
    async () =>
      (await fetch(`${etcdUrl}/health`).then(
        (r) => r.status,
        () => 0,
      )) === 200,
    30_000,
  );
  const url = `https://127.0.0.1:${apiPort}`;
  const args = [
    `--etcd-servers=${etcdUrl}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${apiPort}`,
    '--advertise-address=127.0.0.1',
    '--endpoint-reconciler-type=none',
    `--cert-dir=${join(dir, 'pki')}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    `--service-account-issuer=${url}`,
    `--service-account-key-file=${join(dir, 'sa.key')}`,
    `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
    '--authorization-mode=RBAC',
    `--token-auth-file=${join(dir, 'tokens.csv')}`,
    '--disable-admission-plugins=ServiceAccount',
    '--allow-privileged=true',
  ];
  let apiserver: Proc | undefined;
  let caPem = '';
  const startApiserver = async (): Promise<void> => {
    apiserver = startProc(bins.apiserver, args, join(dir, 'kube-apiserver.log'));
    const certFile = join(dir, 'pki', 'apiserver.crt');
    await waitUntil(
      'kube-apiserver',
      apiserver,
      async () => existsSync(certFile) && (await probe(`${url}/readyz`, adminToken, readFileSync(certFile, 'utf8'))) === 200,
      90_000,
    );
    caPem = readFileSync(certFile, 'utf8');
  };
  try {
    await startApiserver();
  } catch (err) {
    await stopProc(apiserver);
    await stopProc(etcd);
    throw err;
  }
  const kubeconfig = writeKubeconfig(join(dir, 'admin.kubeconfig'), url, caPem, adminToken);
  return {
    url,
    adminToken,
    get caPem() {
      return caPem;
    },
    kubeconfig,
    dir,
    etcdUrl,
    async restartApiserver({ downMs = 0, whileDown } = {}) {
      await stopProc(apiserver);
      await whileDown?.();
      await new Promise((r) => setTimeout(r, downMs));
      await startApiserver();
    },
    async stop() {
      await stopProc(apiserver);
      await stopProc(etcd);
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A KubeRest for a user of the cluster (the admin when no token is given). */
export function kubeRest(cluster: Pick<KubeCluster, 'url' | 'caPem' | 'adminToken'>, token = cluster.adminToken): KubeRest {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'test', server: cluster.url, caData: Buffer.from(cluster.caPem).toString('base64') }],
    users: [{ name: 'user', token }],
    contexts: [{ name: 'test', cluster: 'test', user: 'user' }],
    currentContext: 'test',
  });
  return new KubeRest(kc);
}

type CrdState = { status: { conditions?: { type: string; status: string; message?: string }[] } };

/** Applies crds/iotjob.yaml and crds/iotjobtemplate.yaml (create, or replace when present) and waits until both are Established; the IoTJob CRD's state. */
export async function applyCrd(rest: KubeRest, timeoutMs = 30_000): Promise<CrdState> {
  await applyCrdFile(rest, 'iotjobtemplate.yaml', 'iotjobtemplates', timeoutMs);
  return applyCrdFile(rest, 'iotjob.yaml', 'iotjobs', timeoutMs);
}

/** Applies one CRD file and waits until it is Established and its resource is served. */
async function applyCrdFile(rest: KubeRest, file: string, plural: string, timeoutMs: number): Promise<CrdState> {
  const crd = parse(readFileSync(join(ROOT, 'crds', file), 'utf8')) as { metadata: { name: string; resourceVersion?: string } };
  const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions`;
  for (let attempt = 1; ; attempt++) {
    try {
      await rest.request('POST', path, { body: crd });
      break;
    } catch (err) {
      if (!(err instanceof KubeError) || err.status !== 409) throw err;
    }
    try {
      const current = await rest.request<{ metadata: { resourceVersion: string } }>('GET', `${path}/${crd.metadata.name}`);
      await rest.request('PUT', `${path}/${crd.metadata.name}`, {
        body: { ...crd, metadata: { ...crd.metadata, resourceVersion: current.metadata.resourceVersion } },
      });
      break;
    } catch (err) {
      // Another test file replaced it at the same moment: read it again and retry.
      if (!(err instanceof KubeError) || err.status !== 409 || attempt >= 5) throw err;
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await rest.request<{ status: { conditions?: { type: string; status: string; message?: string }[] } }>('GET', `${path}/${crd.metadata.name}`);
    if (got.status.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) {
      // The API server serves the new resource shortly after it is Established; wait for discovery too.
      for (;;) {
        try {
          await rest.request('GET', `/apis/iot.gitops.dev/v1alpha1/${plural}`, { query: { limit: 1 } });
          return got;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    }
    if (Date.now() > deadline) throw new Error(`the CRD did not become Established: ${JSON.stringify(got.status.conditions)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Creates a namespace (tests use a fresh one each; without a controller-manager they are never deleted). */
export async function createNamespace(rest: KubeRest, name: string): Promise<void> {
  await rest.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } });
}

/** The chart's RBAC rules (charts/iot-jobs-controller/files), the same files its templates include. */
export function chartRules(file: 'clusterrole-rules.yaml' | 'leader-election-rules.yaml'): unknown[] {
  return parse(readFileSync(join(ROOT, 'charts', 'iot-jobs-controller', 'files', file), 'utf8')) as unknown[];
}

/**
 * Creates ServiceAccount `name` in `ns`, binds it to a ClusterRole with the chart's rules and to a
 * Role (leases) in `ns`, and returns a token for it from the TokenRequest API.
 */
export async function serviceAccountWithChartRole(rest: KubeRest, ns: string, name: string): Promise<string> {
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  const subject = [{ kind: 'ServiceAccount', name, namespace: ns }];
  const clusterRole = `${ns}-${name}`;
  await rest.request('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } } });
  await rest.request('POST', `${rbac}/clusterroles`, {
    body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: clusterRole }, rules: chartRules('clusterrole-rules.yaml') },
  });
  await rest.request('POST', `${rbac}/clusterrolebindings`, {
    body: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: clusterRole },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
      subjects: subject,
    },
  });
  await rest.request('POST', `${rbac}/namespaces/${ns}/roles`, {
    body: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: `${name}-leader-election` },
      rules: chartRules('leader-election-rules.yaml'),
    },
  });
  await rest.request('POST', `${rbac}/namespaces/${ns}/rolebindings`, {
    body: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: `${name}-leader-election` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${name}-leader-election` },
      subjects: subject,
    },
  });
  const tr = await rest.request<{ status: { token: string } }>('POST', `/api/v1/namespaces/${ns}/serviceaccounts/${name}/token`, {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
  });
  return tr.status.token;
}
