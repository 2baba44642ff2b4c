#!/usr/bin/env node
/**
 * iot-jobs-controller: the command line. `run` reconciles continuously; `plan` prints what run
 * would do and exits 0 (in sync), 1 (changes pending) or 2 (error, e.g. an invalid manifest).
 * `--local` starts the built-in IoT Jobs emulator with a simulated fleet and points the controller
 * at it. The only module that touches process.*.
 */
import { mutates } from './model/action.js';
import { formatProblem, type ManifestProblem } from './model/errors.js';
import type { App, AppOverrides } from './app.js';
import { ConfigError, helpText, loadConfig, type Config } from './config.js';
import { KubeConfigError } from './kube/rest.js';
import { StateFileError } from './runtime/state-file.js';
import { printable } from './observability/printable.js';
import { createLogger, type Logger } from './observability/logger.js';
import type { BoardView } from './observability/status-board.js';
import { renderStatus } from './observability/status-text.js';
import { waveLines } from './observability/wave-text.js';
import { printTemplatePlans, type TemplatePlanCount } from './template-plan-lines.js';
import type { ReconcileReport } from './model/report.js';
import type { Emulator } from '../emulator/index.js';

/** The account and credentials the --local emulator uses. */
export const LOCAL_ACCOUNT = '123456789012';
const LOCAL_CREDENTIALS = { accessKeyId: 'AKIDLOCALEMULATOR000', secretAccessKey: 'local' };

/** Starts the emulator for --local: a fleet in group `fleet`, its first tenth also in group `canary` and the next tenth in `ten-percent`. */
async function startLocal(config: Config, log: (msg: string) => void): Promise<Emulator> {
  const { startEmulator } = await import('../emulator/index.js');
  const emulator = await startEmulator({
    account: LOCAL_ACCOUNT,
    region: config.region,
    timeScale: config.localTimeScale,
    fleet: { size: config.localFleet, workMs: 60_000, pollIntervalMs: 5_000 },
  });
  const tenth = Math.max(1, Math.floor(config.localFleet / 10));
  const devices = [...(emulator.fleet?.devices.keys() ?? [])];
  for (const [group, members] of [
    ['canary', devices.slice(0, tenth)],
    ['ten-percent', devices.slice(tenth, 2 * tenth)],
  ] as const) {
    emulator.service.call('CreateThingGroup', { thingGroupName: group });
    for (const name of members) emulator.service.call('AddThingToThingGroup', { thingGroupName: group, thingName: name });
  }
  log(
    `local IoT Jobs emulator on ${emulator.url}: ${config.localFleet} devices in thing group "fleet" (the first ${tenth} also in "canary", the next ${tenth} in "ten-percent"), time ×${config.localTimeScale}`,
  );
  return emulator;
}

/** Runs `plan`: one snapshot, one look at AWS, every key and job template planned, nothing changed. */
async function plan(app: App, reports: ReconcileReport[], out: (s: string) => void): Promise<number> {
  await app.start();
  const status = app.source.status();
  // A directory's problems refuse the whole snapshot; an IoTJob's own problem is its plan (Stalled).
  const refused = app.source.kind === 'kubernetes' ? [] : status.problems;
  if (refused.length > 0 || !app.source.synced()) return refuseInvalid(refused, out);
  // Without AWS's list of jobs a plan cannot see what run would remove, adopt or leave alone.
  if (!app.controller.ready()) {
    out('error  the jobs in AWS could not be listed (the log says why); nothing was planned');
    return 2;
  }
  const keys = app.controller.keys().sort();
  const pending = await printJobPlans(app, keys, reports, out);
  if (pending === undefined) return 2;
  // The start's resync awaited a template pass (a pass a watch began meanwhile runs once more inside it).
  const templates = printTemplatePlans(app.templates?.lastSurvey(), out);
  if (templates === undefined) return 2;
  out(`plan: ${keys.length} manifest${plural(keys.length)}, ${pending} with changes pending${ofTemplates(templates)} (revision ${status.revision})`);
  return pending + templates.pending > 0 ? 1 : 0;
}

/** Plans every key and prints the plans, then the prune guard's hold; the number pending, or undefined after a key that could not be planned. */
async function printJobPlans(app: App, keys: string[], reports: ReconcileReport[], out: (s: string) => void): Promise<number | undefined> {
  const verdict = app.pruneGate.verdict();
  for (const key of keys) await app.reconciler.reconcile(key);
  const pending = printPlans(reports, out);
  if (pending !== undefined && !verdict.allowed && app.source.prunesAbsent) out(`prune guard: ${verdict.reason}`);
  return pending;
}

/** The summary's part on job templates; none when there are none to show. */
function ofTemplates(t: TemplatePlanCount): string {
  return t.shown > 0 ? `; ${t.shown} job template${plural(t.shown)}, ${t.pending} with changes pending` : '';
}

/** `plan` on invalid manifests (or none read): prints the problems and resolves to exit code 2. */
function refuseInvalid(problems: readonly ManifestProblem[], out: (s: string) => void): number {
  for (const p of problems) out(`error  ${formatProblem(p)}`);
  out(`plan: the manifests are invalid (${problems.length} problem${plural(problems.length)}); nothing would be applied`);
  return 2;
}

/** Prints each key's plan, in key order; the number with changes pending, or undefined after the first key that could not be planned. */
function printPlans(reports: ReconcileReport[], out: (s: string) => void): number | undefined {
  let pending = 0;
  for (const r of reports.sort((a, b) => (a.key < b.key ? -1 : 1))) {
    const a = r.action;
    if (!a || r.error) {
      out(`error  ${r.key}: ${r.error ?? 'no plan'}`);
      return undefined;
    }
    const jobId = 'jobId' in a ? (a.jobId ?? '') : '';
    if (mutates(a) || r.result === 'stalled') pending++;
    out(`${a.kind.padEnd(16)} ${r.key}${jobId ? ` (job ${jobId})` : ''}: ${a.reason}`);
    printWaves(r, out);
  }
  return pending;
}

/** A staged rollout's waves under its plan line: which runs, which starts next and on what. */
function printWaves(r: ReconcileReport, out: (s: string) => void): void {
  const spec = r.desired?.spec.waves;
  if (r.waves && spec) for (const line of waveLines(r.waves, spec)) out(`${''.padEnd(16)}   wave ${line}`);
}

/** '' for one, 's' for any other count. */
function plural(n: number): string {
  return n === 1 ? '' : 's';
}

/** What `run` and `plan` start: the configuration (pointed at the emulator with --local), the app's overrides, and the emulator (undefined without --local). */
interface Launch {
  config: Config;
  overrides: AppOverrides;
  emulator?: Emulator;
}

/** The CLI; resolves to the exit code for `plan`, or after `run` stops. */
export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (argv[0] === 'rehearse') return rehearseCommand(argv.slice(1));
  const config = readConfig(argv, env);
  if (!config) return 2;
  if (config.command === 'help') {
    process.stdout.write(helpText());
    return 0;
  }
  if (config.command === 'status') return status(config.statusUrl!, { watch: config.watch ?? false, attention: config.attention ?? false });
  const emulator = config.local ? await startLocal(config, (m) => process.stderr.write(`${m}\n`)) : undefined;
  const launch: Launch = emulator
    ? { config: { ...config, endpoint: emulator.url, account: LOCAL_ACCOUNT }, overrides: { credentials: LOCAL_CREDENTIALS }, emulator }
    : { config, overrides: {} };
  return config.command === 'plan' ? planCommand(launch) : runCommand(launch);
}

/** `rehearse`, loaded only when asked for (it brings the emulator); resolves to its exit code. */
async function rehearseCommand(argv: string[]): Promise<number> {
  const { rehearseCommand: command } = await import('./rehearse/cli.js');
  return command(argv, { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) });
}

/** The configuration; undefined (after saying why on stderr) when it is invalid. */
function readConfig(argv: string[], env: NodeJS.ProcessEnv): Config | undefined {
  try {
    return loadConfig(argv, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`iot-jobs-controller: ${err.message}\nRun with --help for usage.\n`);
    return undefined;
  }
}

/** `plan` with its own dry-run app; resolves to its exit code (2 when it fails), after stopping the app and the emulator. */
async function planCommand(l: Launch): Promise<number> {
  const reports: ReconcileReport[] = [];
  let app: App | undefined;
  try {
    const { createApp } = await import('./app.js');
    app = createApp(l.config, { ...l.overrides, dryRun: true, onReport: (r) => reports.push(r), logger: createQuietLogger(l.config) });
    return await plan(app, reports, (s) => process.stdout.write(`${printable(s)}\n`));
  } catch (err) {
    process.stderr.write(`plan failed: ${(err as Error).message}\n`);
    return 2;
  } finally {
    await app?.stop();
    await l.emulator?.close();
  }
}

/** `run` until it stops; 2 when the kubeconfig or the state file is unusable (other errors are thrown). */
async function runCommand(l: Launch): Promise<number> {
  let lost: (() => void) | undefined;
  let app: App | undefined;
  try {
    const { createApp } = await import('./app.js');
    app = createApp(l.config, { ...l.overrides, onLostLeadership: () => lost?.() });
    return await run(app, l.emulator, (stop) => (lost = stop));
  } catch (err) {
    if (!(err instanceof KubeConfigError) && !(err instanceof StateFileError)) throw err;
    process.stderr.write(`iot-jobs-controller: ${err.message}\n`);
    await app?.stop().catch(() => undefined);
    await l.emulator?.close();
    return 2;
  }
}

/** Runs `status`: the running controller's status board, drawn once (or every 2 s with --watch), all jobs or those needing attention. */
async function status(url: string, opts: { watch: boolean; attention: boolean }): Promise<number> {
  const { watch } = opts;
  const tty = process.stdout.isTTY === true;
  for (;;) {
    let view: BoardView;
    try {
      const res = await fetch(`${url}/status.json${opts.attention ? '?show=attention' : ''}`, { signal: AbortSignal.timeout(5_000) });
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      view = (await res.json()) as BoardView;
    } catch (err) {
      process.stderr.write(
        `iot-jobs-controller: cannot read ${url}/status.json: ${(err as Error).message}; is the controller running there (--url, --metrics-addr)?\n`,
      );
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

// Exit once stdout has flushed: a large report (rehearse --json) on a pipe is written asynchronously on some platforms (macOS).
main(process.argv.slice(2), process.env).then(
  (code) => process.stdout.write('', () => process.exit(code)),
  (err: unknown) => {
    process.stderr.write(`iot-jobs-controller: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(2);
  },
);
