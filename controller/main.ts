#!/usr/bin/env node
/**
 * iot-jobs-controller: the command line. `run` reconciles continuously; `plan` prints what run
 * would do and exits 0 (in sync), 1 (changes pending) or 2 (error, e.g. an invalid manifest).
 * `--local` starts the built-in IoT Jobs emulator with a simulated fleet and points the controller
 * at it. The only module that touches process.*.
 */
import { mutates } from './model/action.js';
import { formatProblem } from './model/errors.js';
import { createApp, type App, type AppOverrides } from './app.js';
import { ConfigError, helpText, loadConfig, type Config } from './config.js';
import { KubeConfigError } from './kube/rest.js';
import { StateFileError } from './runtime/state-file.js';
import { printable } from './observability/printable.js';
import { createLogger, type Logger } from './observability/logger.js';
import type { BoardView } from './observability/status-board.js';
import { renderStatus } from './observability/status-text.js';
import type { ReconcileReport } from './model/report.js';
import type { Emulator } from '../emulator/index.js';

/** The account and credentials the --local emulator uses. */
export const LOCAL_ACCOUNT = '123456789012';
const LOCAL_CREDENTIALS = { accessKeyId: 'AKIDLOCALEMULATOR000', secretAccessKey: 'local' };

/** Starts the emulator for --local: a fleet in group `fleet`, its first tenth also in group `canary`. */
async function startLocal(config: Config, log: (msg: string) => void): Promise<Emulator> {
  const { startEmulator } = await import('../emulator/index.js');
  const emulator = await startEmulator({
    account: LOCAL_ACCOUNT,
    region: config.region,
    timeScale: config.localTimeScale,
    fleet: { size: config.localFleet, workMs: 60_000, pollIntervalMs: 5_000 },
  });
  emulator.service.call('CreateThingGroup', { thingGroupName: 'canary' });
  const canary = Math.max(1, Math.floor(config.localFleet / 10));
  for (const name of [...(emulator.fleet?.devices.keys() ?? [])].slice(0, canary)) emulator.service.call('AddThingToThingGroup', { thingGroupName: 'canary', thingName: name });
  log(`local IoT Jobs emulator on ${emulator.url}: ${config.localFleet} devices in thing group "fleet" (the first ${canary} also in "canary"), time ×${config.localTimeScale}`);
  return emulator;
}

/** Runs `plan`: one snapshot, one look at AWS, every key planned, nothing changed. */
async function plan(app: App, reports: ReconcileReport[], out: (s: string) => void): Promise<number> {
  await app.start();
  const status = app.source.status();
  if (status.problems.length > 0 || !app.source.synced()) {
    for (const p of status.problems) out(`error  ${formatProblem(p)}`);
    out(`plan: the manifests are invalid (${status.problems.length} problem${status.problems.length === 1 ? '' : 's'}); nothing would be applied`);
    return 2;
  }
  const verdict = app.pruneGate.verdict();
  const keys = app.controller.keys().sort();
  for (const key of keys) await app.reconciler.reconcile(key);
  let pending = 0;
  for (const r of reports.sort((a, b) => (a.key < b.key ? -1 : 1))) {
    const a = r.action;
    if (!a || r.error) {
      out(`error  ${r.key}: ${r.error ?? 'no plan'}`);
      return 2;
    }
    const jobId = 'jobId' in a ? (a.jobId ?? '') : '';
    if (mutates(a) || r.result === 'stalled') pending++;
    out(`${a.kind.padEnd(16)} ${r.key}${jobId ? ` (job ${jobId})` : ''}: ${a.reason}`);
  }
  if (!verdict.allowed) out(`prune guard: ${verdict.reason}`);
  out(`plan: ${keys.length} manifest${keys.length === 1 ? '' : 's'}, ${pending} with changes pending (revision ${status.revision})`);
  return pending > 0 ? 1 : 0;
}

/** The CLI; resolves to the exit code for `plan`, or after `run` stops. */
export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let config: Config;
  try {
    config = loadConfig(argv, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`iot-jobs-controller: ${err.message}\nRun with --help for usage.\n`);
    return 2;
  }
  if (config.command === 'help') {
    process.stdout.write(helpText());
    return 0;
  }
  if (config.command === 'status') return status(config.statusUrl!, config.watch ?? false);
  const emulator = config.local ? await startLocal(config, (m) => process.stderr.write(`${m}\n`)) : undefined;
  const effective: Config = emulator ? { ...config, endpoint: emulator.url, account: LOCAL_ACCOUNT } : config;
  const overrides: AppOverrides = emulator ? { credentials: LOCAL_CREDENTIALS } : {};
  if (config.command === 'plan') {
    const reports: ReconcileReport[] = [];
    let app: App | undefined;
    try {
      app = createApp(effective, { ...overrides, dryRun: true, onReport: (r) => reports.push(r), logger: createQuietLogger(config) });
      return await plan(app, reports, (s) => process.stdout.write(`${printable(s)}\n`));
    } catch (err) {
      process.stderr.write(`plan failed: ${(err as Error).message}\n`);
      return 2;
    } finally {
      await app?.stop();
      await emulator?.close();
    }
  }
  let lost: (() => void) | undefined;
  let app: App | undefined;
  try {
    app = createApp(effective, { ...overrides, onLostLeadership: () => lost?.() });
    return await run(app, emulator, (stop) => (lost = stop));
  } catch (err) {
    if (!(err instanceof KubeConfigError) && !(err instanceof StateFileError)) throw err;
    process.stderr.write(`iot-jobs-controller: ${err.message}\n`);
    await app?.stop().catch(() => undefined);
    await emulator?.close();
    return 2;
  }
}

/** Runs `status`: the running controller's status board, drawn once (or every 2 s with --watch). */
async function status(url: string, watch: boolean): Promise<number> {
  const tty = process.stdout.isTTY === true;
  for (;;) {
    let view: BoardView;
    try {
      const res = await fetch(`${url}/status.json`, { signal: AbortSignal.timeout(5_000) });
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      view = (await res.json()) as BoardView;
    } catch (err) {
      process.stderr.write(`iot-jobs-controller: cannot read ${url}/status.json: ${(err as Error).message}; is the controller running there (--url, --metrics-addr)?\n`);
      return 2;
    }
    const text = renderStatus(view, { width: Math.max(10, Math.min(60, (process.stdout.columns ?? 80) - 12)), colour: tty });
    process.stdout.write(watch && tty ? `\x1b[2J\x1b[H${text}` : text);
    if (!watch) return 0;
    await new Promise((r) => setTimeout(r, 2_000));
  }
}

/** plan prints its report on stdout; its logs go to stderr, warnings and up unless asked for more. */
function createQuietLogger(config: Config): Logger {
  return createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, process.stderr);
}

/**
 * Runs until SIGTERM or SIGINT, then finishes the calls in flight and stops (exit 0). A replica
 * that loses the leader lease stops the same way and exits 1, so its pod restarts as a standby.
 */
async function run(app: App, emulator: Emulator | undefined, onLost: (stop: () => void) => void): Promise<number> {
  await app.start();
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: string, code = 0): void => {
      if (stopping) return;
      stopping = true;
      app.logger.info({ signal }, 'stopping: finishing the reconciles in flight');
      app
        .stop()
        .then(() => emulator?.close())
        .then(
          () => resolve(code),
          (err: unknown) => {
            app.logger.error({ err: (err as Error).message }, 'shutdown failed');
            resolve(1);
          },
        );
    };
    onLost(() => stop('lost-leadership', 1));
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

main(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`iot-jobs-controller: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(2);
  },
);
