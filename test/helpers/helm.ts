/**
 * Helm for the chart tests: built with `go install` from the Go module proxy (helm.sh/helm/v3 has
 * no replace directives, so no wrapper module is needed) into the git-ignored .cache/helm-bin and
 * reused when present. The ldflags are Helm's own Makefile's: without them `helm template` would
 * assume Kubernetes 1.20. Also the prometheus-operator CRDs (ServiceMonitor, PrometheusRule), read
 * from that module's source in the Go module cache, so the rendered chart can be dry-run on a real
 * API server.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const HELM_VERSION = '3.22.0';
/** The Kubernetes minor Helm 3.22 is built against (its client-go is v0.37). */
const K8S_MINOR = '37';
/** A prometheus-operator release the Go module proxy serves. */
export const PROMETHEUS_OPERATOR_VERSION = 'v0.92.1';

const ROOT = join(import.meta.dirname, '..', '..');
export const CHART = join(ROOT, 'charts', 'iot-jobs-controller');

/** The alerts the chart's PrometheusRule defines, in order. */
export const CHART_ALERTS = [
  'IoTJobFailureRatioHigh',
  'IoTJobsReconcileErrors',
  'IoTJobsAWSThrottled',
  'IoTJobsControllerDown',
  'IoTJobsSourceFailing',
  'IoTJobsPruneBlocked',
  'IoTJobsDeletionsHeld',
  'IoTJobGone',
  'IoTJobRolloutHeld',
  'IoTJobTemplateNotReady',
  'IoTJobAborted',
];

function go(args: string[], env: Record<string, string> = {}): string {
  const r = spawnSync('go', args, { cwd: ROOT, env: { ...process.env, CGO_ENABLED: '0', ...env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`go ${args[0]} could not run (is Go installed?): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`go ${args.join(' ')} failed (${r.status}):\n${r.stderr.slice(-4000)}`);
  return r.stdout;
}

/** The helm binary, built when missing. */
export function ensureHelm(log: (s: string) => void = (s) => process.stderr.write(`[helm] ${s}\n`)): string {
  const dir = join(ROOT, '.cache', 'helm-bin', `v${HELM_VERSION}-k8s1.${K8S_MINOR}`);
  const bin = join(dir, 'helm');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `tmp-${process.pid}`);
  const started = Date.now();
  log(`building helm v${HELM_VERSION} from the Go module proxy`);
  const ldflags = [
    '-s -w',
    `-X helm.sh/helm/v3/internal/version.version=v${HELM_VERSION}`,
    `-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=${K8S_MINOR}`,
    `-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${K8S_MINOR}`,
  ].join(' ');
  go(['install', '-trimpath', `-ldflags=${ldflags}`, `helm.sh/helm/v3/cmd/helm@v${HELM_VERSION}`], { GOBIN: tmp });
  renameSync(join(tmp, 'helm'), bin);
  log(`built ${bin} in ${Math.round((Date.now() - started) / 1000)} s`);
  return bin;
}

/**
 * Helm's own state (repositories.yaml, the repository and discovery caches) in the git-ignored
 * .cache/helm-home rather than the user's home, so a developer's configured repositories neither
 * change what the tests see nor get refreshed by them.
 */
const HELM_HOME = join(ROOT, '.cache', 'helm-home');
const HELM_ENV = {
  HELM_CACHE_HOME: join(HELM_HOME, 'cache'),
  HELM_CONFIG_HOME: join(HELM_HOME, 'config'),
  HELM_DATA_HOME: join(HELM_HOME, 'data'),
  KUBECACHEDIR: join(HELM_HOME, 'kube-cache'),
};

/** Runs helm in the repository, with `env` added (e.g. KUBECONFIG); the exit code and output. */
export function helm(args: string[], env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(ensureHelm(), args, {
    cwd: ROOT,
    env: { ...process.env, ...HELM_ENV, ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A rendered object. */
export interface Rendered {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: any;
}

/** The prometheus-operator APIs a cluster with it serves (helm template's --api-versions). */
export const MONITORING_APIS = ['monitoring.coreos.com/v1/ServiceMonitor', 'monitoring.coreos.com/v1/PrometheusRule'];

/**
 * `helm template` of the chart with `--set` values (and the CRDs), as a cluster serving `apis` besides
 * the built-in ones would get it (by default, one with the prometheus-operator); throws with helm's
 * message on failure.
 */
export function helmTemplate(set: Record<string, string | number | boolean> = {}, namespace = 'iot-system', apis = MONITORING_APIS): Rendered[] {
  return parseRendered(helmTemplateText(set, namespace, apis).stdout);
}

/** `helm template`'s own output (stdout with the objects, stderr with any warning); throws when it fails. */
export function helmTemplateText(
  set: Record<string, string | number | boolean> = {},
  namespace = 'iot-system',
  apis = MONITORING_APIS,
): { stdout: string; stderr: string } {
  const args = ['template', 'rel', CHART, '--namespace', namespace, '--include-crds', ...apis.flatMap((a) => ['--api-versions', a])];
  for (const [k, v] of Object.entries(set)) args.push('--set', `${k}=${v}`);
  const r = helm(args);
  if (r.code !== 0) throw new Error(`helm template failed (${r.code}): ${r.stderr}`);
  return r;
}

/** The objects of a rendered YAML stream. */
export function parseRendered(text: string): Rendered[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as Rendered | null)
    .filter((o): o is Rendered => o !== null && typeof o === 'object');
}

/** The ServiceMonitor and PrometheusRule CRDs of prometheus-operator, from the Go module cache. */
export function prometheusOperatorCrds(): unknown[] {
  const info = JSON.parse(go(['mod', 'download', '-json', `github.com/prometheus-operator/prometheus-operator@${PROMETHEUS_OPERATOR_VERSION}`])) as {
    Dir: string;
  };
  return ['servicemonitors', 'prometheusrules'].map((r) =>
    parseAllDocuments(readFileSync(join(info.Dir, 'example', 'prometheus-operator-crd', `monitoring.coreos.com_${r}.yaml`), 'utf8'))[0]!.toJS(),
  );
}
