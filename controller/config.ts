/**
 * The only reader of argv and the environment: everything the controller is told, validated once
 * into a frozen Config. Every flag has an environment variable for containers; flags win.
 */
import { parseArgs } from 'node:util';

export type Command = 'run' | 'plan' | 'status' | 'help';

/** The controller's configuration. */
export interface Config {
  command: Command;
  dir?: string;
  endpoint?: string;
  region: string;
  account?: string;
  controllerId: string;
  metricsAddr: { host: string; port: number };
  local: boolean;
  localFleet: number;
  localTimeScale: number;
  workers: number;
  resyncMs: number;
  /** How often a staged rollout's gate is judged. */
  gateIntervalMs: number;
  awsTps: number;
  maxPruneShare: number;
  /** The failed share of a job's executions above which its rollout is Degraded. */
  degradedFailureRatio: number;
  approvePrune?: string;
  /** The ledger file that keeps, across restarts, which jobs were created and which someone else deleted. */
  stateFile?: string;
  /** Manifest keys whose jobs deleted outside the controller may be created again (one-off approval). */
  approveRecreate: string[];
  /** Kubernetes mode: the deletion guard lets at most this many deletions without approval through per window. */
  maxDeletions: number;
  deletionWindowMs: number;
  logLevel: string;
  debounceMs: number;
  rescanMs: number;
  maxFiles: number;
  kubernetes?: KubernetesConfig;
  /** `plan --dir --kubernetes-manifests`: the directory holds Kubernetes manifests (a GitOps repository); keys are namespace/name, `namespace` for those without one. */
  kubernetesManifests?: { namespace: string };
  /** Set in Kubernetes mode and whenever leader election is on. */
  kubeAccess?: KubeAccess;
  leaderElection?: LeaderElectionConfig;
  /** `status`: the controller's base URL, and whether to keep refreshing. */
  statusUrl?: string;
  watch?: boolean;
  /** `status`: only the jobs that need attention (not Ready, or not Healthy). */
  attention?: boolean;
}

/** Kubernetes mode: where IoTJobs come from. */
export interface KubernetesConfig {
  /** Namespaces to watch; empty means all. */
  namespaces: string[];
  labelSelector?: string;
  relistMs: number;
}

/** How to reach the Kubernetes API (Kubernetes mode, or leader election in either mode). */
export interface KubeAccess {
  /** A kubeconfig file; undefined means the in-cluster ServiceAccount. */
  kubeconfig?: string;
  context?: string;
}

/** Leader election on a Lease. */
export interface LeaderElectionConfig {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

/** A configuration error, shown to the user with exit code 2. */
export class ConfigError extends Error {}

interface Flag {
  env: string;
  type: 'string' | 'boolean';
  help: string;
  default?: string;
}

/** Every flag, its environment variable and its help line. */
export const FLAGS: Record<string, Flag> = {
  dir: { env: 'IOT_JOBS_DIR', type: 'string', help: 'directory of IoTJob manifests (a git-sync link is fine)' },
  endpoint: { env: 'IOT_JOBS_ENDPOINT', type: 'string', help: "AWS IoT endpoint URL (default: the SDK's for the region)" },
  region: { env: 'AWS_REGION', type: 'string', help: 'AWS region (also AWS_DEFAULT_REGION)', default: 'us-east-1' },
  account: { env: 'IOT_JOBS_ACCOUNT', type: 'string', help: 'AWS account id for thing:/thingGroup: targets (discovered when omitted)' },
  'controller-id': { env: 'IOT_JOBS_CONTROLLER_ID', type: 'string', help: "this instance's id, written in the managed-by tag", default: 'iot-jobs-controller' },
  'metrics-addr': { env: 'IOT_JOBS_METRICS_ADDR', type: 'string', help: 'HOST:PORT for /metrics, /healthz and /readyz', default: '127.0.0.1:9464' },
  local: { env: 'IOT_JOBS_LOCAL', type: 'boolean', help: 'start the built-in IoT Jobs emulator with a simulated fleet and use it' },
  'local-fleet': { env: 'IOT_JOBS_LOCAL_FLEET', type: 'string', help: 'devices in the --local fleet', default: '50' },
  'local-time-scale': { env: 'IOT_JOBS_LOCAL_TIME_SCALE', type: 'string', help: 'simulated seconds per real second in --local', default: '30' },
  workers: { env: 'IOT_JOBS_WORKERS', type: 'string', help: 'concurrent reconciles', default: '4' },
  'resync-seconds': { env: 'IOT_JOBS_RESYNC_SECONDS', type: 'string', help: 'full resync interval (±10% jitter)', default: '60' },
  'gate-interval-seconds': {
    env: 'IOT_JOBS_GATE_INTERVAL_SECONDS',
    type: 'string',
    help: "how often a staged rollout's running wave is described and its gate judged (its counts are never older)",
    default: '30',
  },
  'aws-tps': { env: 'IOT_JOBS_AWS_TPS', type: 'string', help: 'client-side limit of requests per second per IoT operation', default: '10' },
  'max-prune-share': {
    env: 'IOT_JOBS_MAX_PRUNE_SHARE',
    type: 'string',
    help: 'largest share of managed jobs one snapshot may remove (Kubernetes mode: that may be deleted together)',
    default: '0.5',
  },
  'degraded-failure-ratio': {
    env: 'IOT_JOBS_DEGRADED_FAILURE_RATIO',
    type: 'string',
    help: "share of a job's executions that may fail, time out or be rejected before its rollout is Degraded (Healthy=False)",
    default: '0.1',
  },
  'max-deletions': {
    env: 'IOT_JOBS_MAX_DELETIONS',
    type: 'string',
    help: 'Kubernetes mode: most IoTJob deletions that proceed without approval per --deletion-window-seconds',
    default: '5',
  },
  'deletion-window-seconds': {
    env: 'IOT_JOBS_DELETION_WINDOW_SECONDS',
    type: 'string',
    help: 'Kubernetes mode: the sliding window of --max-deletions',
    default: '600',
  },
  'approve-prune': { env: 'IOT_JOBS_APPROVE_PRUNE', type: 'string', help: 'a source revision whose removals pass the prune guard' },
  'state-file': {
    env: 'IOT_JOBS_STATE_FILE',
    type: 'string',
    help: 'file that keeps, across restarts, the jobs created and those deleted by others (so those are not created again)',
  },
  'approve-recreate': {
    env: 'IOT_JOBS_APPROVE_RECREATE',
    type: 'string',
    help: 'comma-separated manifest keys whose jobs, deleted outside the controller, may be created again',
  },
  'log-level': { env: 'IOT_JOBS_LOG_LEVEL', type: 'string', help: 'trace, debug, info, warn or error', default: 'info' },
  'debounce-ms': { env: 'IOT_JOBS_DEBOUNCE_MS', type: 'string', help: 'quiet time after a file event before rescanning', default: '100' },
  'rescan-seconds': { env: 'IOT_JOBS_RESCAN_SECONDS', type: 'string', help: 'directory rescan interval', default: '30' },
  kubernetes: { env: 'IOT_JOBS_KUBERNETES', type: 'boolean', help: 'read IoTJob custom resources from the Kubernetes API instead of --dir' },
  namespace: { env: 'IOT_JOBS_NAMESPACES', type: 'string', help: 'Kubernetes mode: comma-separated namespaces to watch (default: all)' },
  kubeconfig: { env: 'KUBECONFIG', type: 'string', help: 'Kubernetes mode and leader election: kubeconfig file (default: the in-cluster ServiceAccount)' },
  'kube-context': { env: 'IOT_JOBS_KUBE_CONTEXT', type: 'string', help: 'Kubernetes mode: kubeconfig context (default: its current one)' },
  'label-selector': { env: 'IOT_JOBS_LABEL_SELECTOR', type: 'string', help: 'Kubernetes mode: only IoTJobs with these labels (for sharding)' },
  'relist-seconds': { env: 'IOT_JOBS_RELIST_SECONDS', type: 'string', help: 'Kubernetes mode: list IoTJobs and ConfigMaps again this often', default: '600' },
  'kubernetes-manifests': {
    env: 'IOT_JOBS_KUBERNETES_MANIFESTS',
    type: 'boolean',
    help: 'plan --dir: the directory holds Kubernetes manifests (IoTJobs among other kinds, ConfigMaps for documentConfigMap); --namespace names the default namespace',
  },
  'leader-elect': { env: 'IOT_JOBS_LEADER_ELECT', type: 'boolean', help: 'elect a leader with a Kubernetes Lease (either mode); only the leader acts' },
  'leader-election-namespace': { env: 'POD_NAMESPACE', type: 'string', help: 'namespace of the leader Lease', default: 'default' },
  'leader-election-id': { env: 'IOT_JOBS_LEADER_ELECTION_ID', type: 'string', help: 'name of the leader Lease', default: 'iot-jobs-controller' },
  'leader-identity': { env: 'POD_NAME', type: 'string', help: "this replica's name in the Lease (default: host name and process id)" },
  'lease-duration-seconds': { env: 'IOT_JOBS_LEASE_DURATION_SECONDS', type: 'string', help: "how long a leader's lease lasts unrenewed", default: '15' },
  'renew-deadline-seconds': {
    env: 'IOT_JOBS_RENEW_DEADLINE_SECONDS',
    type: 'string',
    help: 'a leader that cannot renew for this long steps down',
    default: '10',
  },
  'retry-period-seconds': { env: 'IOT_JOBS_RETRY_PERIOD_SECONDS', type: 'string', help: 'how often to try to take or renew the lease', default: '2' },
  url: { env: 'IOT_JOBS_STATUS_URL', type: 'string', help: "status: the controller's metrics address (default: http:// and --metrics-addr)" },
  watch: { env: 'IOT_JOBS_STATUS_WATCH', type: 'boolean', help: 'status: redraw every 2 seconds until interrupted' },
  attention: { env: 'IOT_JOBS_STATUS_ATTENTION', type: 'boolean', help: 'status: list only the jobs that need attention (not Ready, or not Healthy)' },
  'max-files': { env: 'IOT_JOBS_MAX_FILES', type: 'string', help: 'most manifest files a snapshot may hold before it is refused', default: '20000' },
};

/** The --help text. */
export function helpText(): string {
  const lines = Object.entries(FLAGS).map(
    ([name, f]) =>
      `  --${(name + (f.type === 'string' ? ' VALUE' : '')).padEnd(26)} ${f.help}${f.default !== undefined ? ` (default ${f.default})` : ''} [${f.env}]`,
  );
  return `Usage:
  iot-jobs-controller run  --dir PATH [options]   reconcile continuously
  iot-jobs-controller run  --kubernetes [--namespace NS] [--kubeconfig PATH] [options]
                                                  reconcile IoTJob custom resources
  iot-jobs-controller plan --dir PATH [options]   print what run would do; exit 0 in sync, 1 changes pending, 2 error
  iot-jobs-controller plan --kubernetes [--namespace NS] [--kubeconfig PATH]
                                                  the same for the cluster's IoTJobs (reads only)
  iot-jobs-controller plan --dir PATH --kubernetes-manifests [--namespace NS]
                                                  the same for a pull request's Kubernetes manifests
  iot-jobs-controller status [--url URL] [--watch] [--attention]
                                                  show a running controller's jobs: health and progress bars
  iot-jobs-controller rehearse --dir PATH --fleet FILE [options]
                                                  run the rollout against a modelled fleet in virtual time
                                                  (rehearse --help for its options)

Options (environment variable in brackets):
${lines.join('\n')}
  --help                     this text
`;
}

/** A numeric flag's allowed values: from `min` to `max`, and whole numbers only when `integer`. */
interface Range {
  min: number;
  max: number;
  integer: boolean;
}

function number(name: string, raw: string, range: Range): number {
  const { min, max, integer } = range;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new ConfigError(`--${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

type Env = Readonly<Record<string, string | undefined>>;
type Values = Record<string, string | boolean | undefined>;
/** A flag's value: the flag, its environment variable, (for region) AWS_DEFAULT_REGION, its default; undefined when none is set. */
type Get = (name: string) => string | undefined;

/** A whole-number flag from `min` to `max`; a ConfigError when it is not. */
function integerFlag(get: Get, name: string, min: number, max: number): number {
  return number(name, get(name)!, { min, max, integer: true });
}

/** A number flag from `min` to `max` (fractions allowed); a ConfigError when it is not. */
function numberFlag(get: Get, name: string, min: number, max: number): number {
  return number(name, get(name)!, { min, max, integer: false });
}

/** Parses argv (without node and the script) and env into a Config; a ConfigError for the first invalid setting found. */
export function loadConfig(argv: readonly string[], env: Env): Readonly<Config> {
  const { values: v, positionals } = parseArgv(argv);
  const cmd = commandOf(v, positionals);
  if (cmd === 'help') return Object.freeze({ ...defaults(), command: 'help' as const });
  const get = reader(v, env);
  if (cmd === 'status') return Object.freeze(statusConfig({ v, env, get }));
  return Object.freeze(runConfig(cmd, { v, env, get }));
}

/** argv (without node and the script) as flag values and positionals; a ConfigError for an unknown or malformed flag. */
function parseArgv(argv: readonly string[]): { values: Values; positionals: string[] } {
  const options = Object.fromEntries(Object.entries(FLAGS).map(([k, f]) => [k, { type: f.type }])) as Record<string, { type: 'string' | 'boolean' }>;
  try {
    const parsed = parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    return { values: parsed.values as Values, positionals: parsed.positionals };
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

/** The command the positionals name ('help' for none, or with --help); a ConfigError for an unknown one or an extra argument. */
function commandOf(v: Values, positionals: string[]): Command {
  const [cmd, ...rest] = positionals;
  if (v.help || cmd === undefined || cmd === 'help') return 'help';
  if (cmd !== 'run' && cmd !== 'plan' && cmd !== 'status') throw new ConfigError(`unknown command "${cmd}"; use run, plan, status or rehearse`);
  if (rest.length > 0) throw new ConfigError(`unexpected argument "${rest[0]}"`);
  return cmd;
}

/** Reads flags: a flag given wins over its environment variable, which wins over the default. */
function reader(v: Values, env: Env): Get {
  return (name) => {
    const f = FLAGS[name]!;
    const val = v[name] ?? env[f.env] ?? (name === 'region' ? env.AWS_DEFAULT_REGION : undefined) ?? f.default;
    return typeof val === 'boolean' ? String(val) : val;
  };
}

/** What `run` and `plan` read their configuration from. */
interface Inputs {
  v: Values;
  env: Env;
  get: Get;
}

/** The configuration of `status`: the defaults, the controller's URL and whether to keep refreshing; a ConfigError for a URL that is not http(s). */
function statusConfig(i: Inputs): Config {
  return {
    ...defaults(),
    command: 'status',
    statusUrl: statusUrl(i.get('url'), i.get('metrics-addr')!),
    watch: flagOn(i.v.watch, i.env.IOT_JOBS_STATUS_WATCH),
    attention: flagOn(i.v.attention, i.env.IOT_JOBS_STATUS_ATTENTION),
  };
}

/** The configuration of `run` or `plan`; a ConfigError for the first invalid or conflicting setting. */
function runConfig(cmd: 'run' | 'plan', i: Inputs): Config {
  const { dir, kubernetes } = sourceOf(i);
  const [host, portText] = splitAddr(i.get('metrics-addr')!);
  const leaderElect = flagOn(i.v['leader-elect'], i.env.IOT_JOBS_LEADER_ELECT);
  if (leaderElect && cmd === 'plan') throw new ConfigError('plan changes nothing and needs no leader election');
  return {
    command: cmd,
    dir: kubernetes ? undefined : dir,
    kubernetes: kubernetes ? kubernetesConfig(i.get) : undefined,
    kubernetesManifests: kubernetesManifestsConfig(cmd, kubernetes, i),
    kubeAccess: kubernetes || leaderElect ? { kubeconfig: i.get('kubeconfig'), context: i.get('kube-context') } : undefined,
    leaderElection: leaderElect ? leaderElectionConfig(i.get, i.env) : undefined,
    endpoint: i.get('endpoint'),
    region: i.get('region')!,
    account: checkAccount(i.get('account')),
    controllerId: checkControllerId(i.get('controller-id')!),
    metricsAddr: { host, port: number('metrics-addr', portText, { min: 0, max: 65535, integer: true }) },
    local: flagOn(i.v.local, i.env.IOT_JOBS_LOCAL),
    ...tuning(i.get),
  };
}

/** Where IoTJobs come from: the directory, or Kubernetes (`kubernetes` true, `dir` then ignored); a ConfigError when neither or both are set. */
function sourceOf(i: Inputs): { dir?: string; kubernetes: boolean } {
  const dir = i.get('dir');
  const kubernetes = flagOn(i.v.kubernetes, i.env.IOT_JOBS_KUBERNETES);
  if (kubernetes && i.v.dir !== undefined) throw new ConfigError('--dir and --kubernetes exclude each other');
  if (!dir && !kubernetes) throw new ConfigError('--dir (or --kubernetes) is required');
  return { dir, kubernetes };
}

/** The settings from --local-fleet to --max-files, each checked (a ConfigError for the first invalid one). */
function tuning(get: Get): Omit<Config, 'command' | 'region' | 'controllerId' | 'metricsAddr' | 'local'> {
  return {
    localFleet: integerFlag(get, 'local-fleet', 0, 100_000),
    localTimeScale: numberFlag(get, 'local-time-scale', 0.001, 100_000),
    workers: integerFlag(get, 'workers', 1, 256),
    resyncMs: numberFlag(get, 'resync-seconds', 1, 86_400) * 1000,
    gateIntervalMs: numberFlag(get, 'gate-interval-seconds', 0.1, 3_600) * 1000,
    awsTps: numberFlag(get, 'aws-tps', 0.1, 10_000),
    maxPruneShare: numberFlag(get, 'max-prune-share', 0, 1),
    degradedFailureRatio: numberFlag(get, 'degraded-failure-ratio', 0, 1),
    approvePrune: get('approve-prune'),
    stateFile: get('state-file'),
    approveRecreate: (get('approve-recreate') ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter((k) => k !== ''),
    maxDeletions: integerFlag(get, 'max-deletions', 0, 1_000_000),
    deletionWindowMs: numberFlag(get, 'deletion-window-seconds', 1, 7 * 86_400) * 1000,
    logLevel: checkLevel(get('log-level')!),
    debounceMs: integerFlag(get, 'debounce-ms', 0, 60_000),
    rescanMs: numberFlag(get, 'rescan-seconds', 1, 86_400) * 1000,
    maxFiles: integerFlag(get, 'max-files', 1, 1_000_000),
  };
}

function statusUrl(url: string | undefined, metricsAddr: string): string {
  const raw = url ?? `http://${metricsAddr.startsWith('0.0.0.0:') ? metricsAddr.replace('0.0.0.0', '127.0.0.1') : metricsAddr}`;
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http');
    return u.toString().replace(/\/$/, '');
  } catch {
    throw new ConfigError(`--url must be an http(s) URL, got "${raw}"`);
  }
}

function flagOn(flag: string | boolean | undefined, envValue: string | undefined): boolean {
  return flag === true || envValue === 'true' || envValue === '1';
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function kubernetesConfig(get: Get): KubernetesConfig {
  const namespaces = (get('namespace') ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  for (const ns of namespaces) if (!DNS_LABEL.test(ns) || ns.length > 63) throw new ConfigError(`--namespace: "${ns}" is not a valid namespace name`);
  return { namespaces, labelSelector: get('label-selector'), relistMs: numberFlag(get, 'relist-seconds', 10, 86_400) * 1000 };
}

/** `--kubernetes-manifests`: only for `plan --dir`; its default namespace is --namespace (one) or "default". Undefined when not asked for. */
function kubernetesManifestsConfig(cmd: 'run' | 'plan', kubernetes: boolean, i: Inputs): Config['kubernetesManifests'] {
  if (!flagOn(i.v['kubernetes-manifests'], i.env.IOT_JOBS_KUBERNETES_MANIFESTS)) return undefined;
  if (cmd !== 'plan' || kubernetes)
    throw new ConfigError('--kubernetes-manifests is for plan --dir (a pull request of Kubernetes manifests); run reads IoTJobs with --kubernetes');
  const namespace = (i.get('namespace') ?? 'default').trim();
  if (!DNS_LABEL.test(namespace) || namespace.length > 63)
    throw new ConfigError(`--namespace: "${namespace}" is not one valid namespace name (with --kubernetes-manifests it is the default namespace)`);
  return { namespace };
}

function leaderElectionConfig(get: Get, env: Env): LeaderElectionConfig {
  const secs = (name: string, min: number, max: number): number => numberFlag(get, name, min, max) * 1000;
  const le = {
    namespace: get('leader-election-namespace')!,
    name: get('leader-election-id')!,
    identity: get('leader-identity') ?? `${env.HOSTNAME ?? 'iot-jobs-controller'}-${process.pid}`,
    leaseDurationMs: secs('lease-duration-seconds', 1, 3600),
    renewDeadlineMs: secs('renew-deadline-seconds', 0.5, 3600),
    retryPeriodMs: secs('retry-period-seconds', 0.1, 600),
  };
  if (!(le.retryPeriodMs < le.renewDeadlineMs && le.renewDeadlineMs < le.leaseDurationMs))
    throw new ConfigError('leader election needs retry-period < renew-deadline < lease-duration');
  if (!DNS_LABEL.test(le.namespace)) throw new ConfigError(`--leader-election-namespace: "${le.namespace}" is not a valid namespace name`);
  return le;
}

function defaults(): Config {
  return {
    command: 'help',
    region: 'us-east-1',
    controllerId: 'iot-jobs-controller',
    metricsAddr: { host: '127.0.0.1', port: 9464 },
    local: false,
    localFleet: 50,
    localTimeScale: 30,
    workers: 4,
    resyncMs: 60_000,
    gateIntervalMs: 30_000,
    awsTps: 10,
    maxPruneShare: 0.5,
    degradedFailureRatio: 0.1,
    approveRecreate: [],
    maxDeletions: 5,
    deletionWindowMs: 600_000,
    logLevel: 'info',
    debounceMs: 100,
    rescanMs: 30_000,
    maxFiles: 20_000,
  };
}

function splitAddr(addr: string): [string, string] {
  const i = addr.lastIndexOf(':');
  if (i <= 0) throw new ConfigError(`--metrics-addr must be HOST:PORT, got "${addr}"`);
  return [addr.slice(0, i).replace(/^\[(.*)\]$/, '$1'), addr.slice(i + 1)];
}

function checkAccount(a: string | undefined): string | undefined {
  if (a !== undefined && !/^\d{12}$/.test(a)) throw new ConfigError(`--account must be a 12-digit AWS account id, got "${a}"`);
  return a;
}

function checkControllerId(id: string): string {
  if (!/^[\p{L}\p{N}_.:/=+\-@ ]{1,256}$/u.test(id)) throw new ConfigError(`--controller-id must be a valid tag value (at most 256 characters), got "${id}"`);
  return id;
}

function checkLevel(level: string): string {
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(level))
    throw new ConfigError(`--log-level must be trace, debug, info, warn or error, got "${level}"`);
  return level;
}
