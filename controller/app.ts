/**
 * Composition root: Config → logger, metrics, the AWS port, the mode (directory or Kubernetes:
 * its source and hooks), inventory, queue, reconciler, controller and HTTP endpoints. `createApp`
 * builds them; `start` and `stop` run them. The CLI (main.ts) and the integration tests both use it.
 */
import type { Config } from './config.js';
import type { IotJobs } from './aws/iot-jobs.js';
import { createAwsPort, type AwsSettings } from './aws/port.js';
import { Slots } from './lib/slots.js';
import { LeaderElector } from './kube/leader-election.js';
import { KubeRest, loadKubeConfig } from './kube/rest.js';
import type { Clock } from './model/clock.js';
import type { ReconcileReport } from './model/report.js';
import { directoryMode } from './modes/directory.js';
import { kubernetesMode } from './modes/kubernetes.js';
import type { Mode } from './modes/mode.js';
import { createLogger, type Logger } from './observability/logger.js';
import { serveMetrics, type MetricsServer } from './observability/http-server.js';
import { Metrics } from './observability/metrics.js';
import { StatusBoard } from './observability/status-board.js';
import { realClock } from './runtime/clock.js';
import { Controller, type ControllerDeps } from './runtime/controller.js';
import { NO_HOOKS, type ReconcileHooks } from './runtime/hooks.js';
import { Inventory } from './runtime/inventory.js';
import { Ledger, type LedgerStore } from './runtime/ledger.js';
import { PruneGate } from './runtime/prune-gate.js';
import { NO_TEMPLATE_HOOKS, TemplateSync } from './runtime/template-sync.js';
import type { JobTemplatesPort } from './aws/job-templates.js';
import { Reconciler } from './runtime/reconciler.js';
import { StateFile } from './runtime/state-file.js';
import { MAX_WAITING_RECONCILES, SlottedQueue } from './runtime/slotted-queue.js';
import type { WorkQueue } from './runtime/work-queue.js';
import type { DesiredSource } from './sources/source.js';

/** What the app can be given instead of building it itself. */
export interface AppOverrides {
  logger?: Logger;
  clock?: Clock;
  /** Credentials for the IoT client (the default provider chain when absent). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Extra IoT client settings, e.g. maxAttempts. */
  maxAttempts?: number;
  onReport?: (r: ReconcileReport) => void;
  /** Build the controller for a one-off plan: no watching, reports collected, nothing executed. */
  dryRun?: boolean;
  /** With leader election (either mode): called when the lease is lost (the process should exit). */
  onLostLeadership?: () => void;
  /** Kubernetes access without a kubeconfig: where the ServiceAccount files are mounted under (tests; '' in a pod). */
  inClusterRoot?: string;
  /** How AWS requests are sent (a rehearsal's in-process handler); over HTTP when undefined. */
  requestHandler?: AwsSettings['requestHandler'];
  /** Do not serve /metrics and the status page (a rehearsal). */
  noServer?: boolean;
  /** Directory mode: read the manifests once, without watching or rescanning (a rehearsal). */
  readOnce?: boolean;
  /** The resync's jitter source (a rehearsal passes a seeded one, so that it is repeatable); Math.random when undefined. */
  random?: () => number;
  /** Wraps the mode's source (a rehearsal narrows it to some keys and grants approvals). */
  wrapSource?: (source: DesiredSource) => DesiredSource;
}

/** The running parts of the controller. */
export interface App {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  source: DesiredSource;
  jobs: IotJobs;
  inventory: Inventory;
  queue: WorkQueue;
  reconciler: Reconciler;
  controller: Controller;
  pruneGate: PruneGate;
  board: StatusBoard;
  /** The job template sync, when the mode has templates (a plan reads its survey). */
  templates?: TemplateSync;
  server?: MetricsServer;
  /** Kubernetes mode or leader election: the API client, and the elector when leader election is on. */
  kube?: { rest: KubeRest; elector?: LeaderElector };
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The common parts every mode is built on. */
interface Base {
  config: Config;
  o: AppOverrides;
  logger: Logger;
  clock: Clock;
  metrics: Metrics;
}

/** Builds the controller from a Config. */
export function createApp(config: Config, o: AppOverrides = {}): App {
  const b = baseOf(config, o);
  const { logger, clock, metrics } = b;
  // --workers reconciles work at once; one waiting for its turn in an AWS budget lends its slot out.
  const slots = new Slots(config.workers);
  const aws = createAwsPort(awsSettingsOf(config, o), { clock, metrics, slots });
  const inventory = new Inventory(config.controllerId, createLedger(config, clock, logger, o.dryRun));
  const rest = kubeRestOf(config, o);
  const le = config.leaderElection;
  const mode = wrapSource(buildMode(b, rest, aws.jobs, le?.identity ?? config.controllerId), o.wrapSource);
  const elector = rest && le ? new LeaderElector({ rest, ...le, clock, logger: logger.child({ component: 'leader-election' }) }) : undefined;
  // The readiness probe is built before the controller it asks (the status board needs it).
  const built: { controller?: Controller; templates?: ControllerDeps['templates'] } = {};
  const ready = (): boolean => (elector && !elector.isLeader ? true : (built.controller?.ready() ?? false));
  const board = new StatusBoard({ source: mode.source, ready, now: () => clock.now(), templates: () => built.templates?.sync.reports() ?? [] });
  metrics.onForgetJob((jobId) => board.forgetJob(jobId));
  const pruneGate = new PruneGate({ maxShare: config.maxPruneShare, approvedRevision: config.approvePrune });
  const queue = new SlottedQueue(slots, clock, undefined, (n) => metrics.queueDepth.set(n));
  const reconciler = new Reconciler({
    source: mode.source,
    jobs: aws.jobs,
    inventory,
    metrics,
    logger: logger.child({ component: 'reconciler' }),
    clock,
    controllerId: config.controllerId,
    accounts: aws.accounts,
    pruneGate,
    hooks: withBoard(mode.hooks, board, o.onReport),
    failedThings: mode.failedThings,
    dryRun: o.dryRun,
    gateIntervalMs: config.gateIntervalMs,
    degradedRatio: config.degradedFailureRatio,
  });
  const templates = (built.templates = templateSyncOf(b, mode, aws.templates, o.dryRun));
  const controller = (built.controller = new Controller(
    { source: mode.source, jobs: aws.jobs, inventory, queue, reconciler, pruneGate, metrics, logger, clock, random: o.random, templates },
    { workers: config.workers + MAX_WAITING_RECONCILES, resyncMs: config.resyncMs, jitter: 0.1, discoveryPerResync: o.dryRun ? Number.MAX_SAFE_INTEGER : 500 },
  ));
  let running: Promise<void> | undefined;
  const app: App = {
    config,
    logger,
    metrics,
    source: mode.source,
    jobs: aws.jobs,
    inventory,
    queue,
    reconciler,
    controller,
    pruneGate,
    board,
    templates: templates?.sync,
    kube: rest ? { rest, elector } : undefined,
    async start() {
      approveRecreate(inventory.ledger, config.approveRecreate, logger);
      // An unusable kubeconfig is reported before anything starts (a KubeConfigError).
      await rest?.ready();
      if (!o.dryRun && !o.noServer)
        app.server = await serveMetrics(metrics, { ready, live: () => true }, config.metricsAddr, {
          board,
          reconcile: (key) => controller.requestReconcile(key),
        });
      if (app.server) logger.info({ url: app.server.url }, 'serving /metrics, /healthz and /readyz, and the status page at /');
      if (!elector) {
        await controller.start({ workers: !o.dryRun });
        return;
      }
      logger.info({ identity: le!.identity, lease: `${le!.namespace}/${le!.name}` }, 'waiting to become the leader');
      elector.run(
        () => {
          // A standby's ledger is as old as its process: read what the last leader wrote.
          try {
            inventory.ledger.reload();
          } catch (err) {
            logger.error({ err: (err as Error).message }, 'the state file cannot be read; not acting as the leader');
            o.onLostLeadership?.();
            return;
          }
          running = controller.start().catch((err: unknown) => logger.error({ err: (err as Error).message }, 'the controller failed to start'));
        },
        () => {
          // Stop acting at once; the CLI then exits so that the pod restarts as a standby.
          void controller.stop();
          o.onLostLeadership?.();
        },
      );
    },
    async stop() {
      await running;
      await controller.stop();
      inventory.ledger.flush();
      await elector?.stop();
      await app.server?.close();
      rest?.close();
      aws.close();
    },
  };
  return app;
}

/** The common parts: the logger, clock and metrics, given or made. */
function baseOf(config: Config, o: AppOverrides): Base {
  return {
    config,
    o,
    logger: o.logger ?? createLogger(config.logLevel),
    clock: o.clock ?? realClock,
    metrics: new Metrics({ kubernetes: config.kubernetes !== undefined }),
  };
}

/** How to reach AWS IoT, from the Config and the overrides. */
function awsSettingsOf(config: Config, o: AppOverrides): AwsSettings {
  return {
    region: config.region,
    endpoint: config.endpoint,
    account: config.account,
    credentials: o.credentials,
    maxAttempts: o.maxAttempts ?? 3,
    controllerId: config.controllerId,
    tps: config.awsTps,
    requestHandler: o.requestHandler,
  };
}

/** The Kubernetes API client, in Kubernetes mode or with leader election; undefined otherwise. */
function kubeRestOf(config: Config, o: AppOverrides): KubeRest | undefined {
  const access = config.kubeAccess;
  return access ? new KubeRest(() => loadKubeConfig({ ...access, inClusterRoot: o.inClusterRoot })) : undefined;
}

/** The mode the Config asks for. */
function buildMode(b: Base, rest: KubeRest | undefined, jobs: IotJobs, identity: string): Mode {
  const k = b.config.kubernetes;
  if (k && rest) {
    const mode = kubernetesMode(b.config, k, { rest, jobs, clock: b.clock, logger: b.logger, metrics: b.metrics, identity });
    // A plan writes nothing to the cluster: no finalizer, status or Event.
    return b.o.dryRun ? { ...mode, hooks: NO_HOOKS, templates: mode.templates && { ...mode.templates, hooks: NO_TEMPLATE_HOOKS } } : mode;
  }
  return directoryMode(b.config, { clock: b.clock, logger: b.logger, metrics: b.metrics, watch: !b.o.dryRun, once: b.o.readOnce });
}

/** The job template sync of a mode that has templates, with its own prune guard; in a plan it only surveys. */
function templateSyncOf(b: Base, mode: Mode, aws: JobTemplatesPort, dryRun: boolean | undefined): ControllerDeps['templates'] {
  if (!mode.templates) return undefined;
  const { config, metrics, logger } = b;
  const pruneGate = new PruneGate({ maxShare: config.maxPruneShare, approvedRevision: config.approvePrune, noun: 'job templates' });
  const sync = new TemplateSync({
    source: mode.templates.source,
    aws,
    controllerId: config.controllerId,
    pruneGate,
    hooks: mode.templates.hooks,
    metrics,
    logger: logger.child({ component: 'templates' }),
    dryRun,
  });
  return { sync, source: mode.templates.source };
}

/** The mode with its source wrapped, when asked. */
function wrapSource(mode: Mode, wrap: AppOverrides['wrapSource']): Mode {
  return wrap ? { ...mode, source: wrap(mode.source) } : mode;
}

/** The mode's hooks, with every report also recorded on the status board and handed to `onReport` (plan, tests). */
function withBoard(hooks: ReconcileHooks, board: StatusBoard, onReport?: (r: ReconcileReport) => void): ReconcileHooks {
  return {
    beforeMutate: (key) => hooks.beforeMutate(key),
    async afterReconcile(r) {
      board.record(r);
      await hooks.afterReconcile(r);
      onReport?.(r);
    },
  };
}

/**
 * The ledger, kept in --state-file when one is given (read but never written by a plan). Throws a
 * StateFileError when the file cannot be used: starting without it would forget deleted jobs.
 */
function createLedger(config: Config, clock: Clock, logger: Logger, dryRun?: boolean): Ledger {
  const file = config.stateFile ? new StateFile(config.stateFile, config.controllerId) : undefined;
  const store: LedgerStore | undefined =
    file && dryRun ? { where: file.where, load: () => file.load(), save: () => undefined, saveInBackground: async () => undefined } : file;
  if (!store && !dryRun && !config.local && config.kubernetes === undefined) {
    logger.warn(
      'no --state-file: a job deleted outside the controller while it is down, or before a restart, is created again; give a --state-file on a volume that outlives the process',
    );
  }
  const onError = (err: Error): void =>
    logger.error({ err: err.message, stateFile: config.stateFile }, 'the state file could not be written; retrying with the next change');
  return new Ledger({ clock, store, onError });
}

/** Applies --approve-recreate: the jobs of these keys deleted outside the controller may be created again. */
function approveRecreate(ledger: Ledger, keys: readonly string[], logger: Logger): void {
  const forgotten = ledger.approveRecreate(keys);
  if (forgotten.length > 0) logger.warn({ keys, jobIds: forgotten }, 'approved: jobs deleted outside the controller are forgotten and will be created again');
  ledger.flush();
}
