/**
 * One rehearsal: the controller itself (createApp, directory mode, its real AWS SDK client) runs the
 * manifests against the emulated IoT Jobs service and a virtual fleet built from a fleet model, all
 * on one VirtualTime. Nothing sleeps: time jumps from event to event (a device's start or report, a
 * rollout batch or timeout of the service, a controller timer), so days of rollout take seconds.
 * Approvals are assumed given unless told otherwise; every other choice is the controller's own.
 */
import { IotJobsService } from '../../emulator/core/service.js';
import { DEFAULT_BEHAVIOR } from '../../emulator/fleet/behavior.js';
import type { FleetModel } from '../../emulator/fleet/model.js';
import { mulberry32 } from '../../emulator/fleet/random.js';
import { VirtualFleet } from '../../emulator/fleet/virtual-fleet.js';
import { inProcessHandler } from '../../emulator/wire/in-process.js';
import { createApp } from '../app.js';
import { loadConfig, type Config } from '../config.js';
import { formatProblem } from '../model/errors.js';
import { createLogger } from '../observability/logger.js';
import type { DesiredSource } from '../sources/source.js';
import { missingTargets } from './fleet-targets.js';
import { rehearsalSource, selected } from './rehearsal-source.js';
import { Recorder } from './recorder.js';
import type { RehearsalResult } from './result.js';
import { VirtualTime } from './virtual-time.js';
import { warningsOf } from './warnings.js';

/** The account and region of the rehearsal's emulated service. */
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'AKIDREHEARSAL0000000', secretAccessKey: 'rehearsal' };
const DAY_MS = 86_400_000;

/** What to rehearse, and how. */
export interface RehearsalOptions {
  dir: string;
  only?: readonly string[];
  /** The manifests of these files (relative to `dir`). */
  onlyFiles?: readonly string[];
  model: FleetModel;
  /** Every group's failure rate (a sweep); undefined: the model's own. */
  failureRate?: number;
  /** Manual approvals are given at once (default), or never. */
  approveAll?: boolean;
  /** The longest virtual time to run. */
  horizonMs?: number;
  /** Warn about a rollout that needs more than this many days. */
  warnDays?: number;
  /** The controller's flags that shape a rollout. */
  gateIntervalSeconds?: number;
  resyncSeconds?: number;
  awsTps?: number;
}

/** A rehearsal that could not run: the manifests are invalid (each problem named). */
export class RehearsalInputError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'RehearsalInputError';
  }
}

/** Runs one rehearsal to its end (every rollout stopped, or the horizon). */
export async function rehearse(o: RehearsalOptions): Promise<RehearsalResult> {
  const wallStart = performance.now();
  const start = Math.floor(Date.now() / 60_000) * 60_000;
  const time = new VirtualTime(start);
  const service = new IotJobsService({ account: ACCOUNT, region: REGION, clock: time });
  const approveAll = o.approveAll ?? true;
  const source: { current?: DesiredSource } = {};
  const recorder: Recorder = new Recorder({
    service,
    partition: { account: ACCOUNT, region: REGION },
    start,
    answers: (t): boolean => fleet.answers(t),
    desired: (k) => source.current?.get(k),
    keys: () => source.current?.keys() ?? [],
    approveAll,
    patienceMs: patienceOf(configFor(o)),
  });
  const fleet = new VirtualFleet(service, time, o.failureRate === undefined ? o.model : withFailureRate(o.model, o.failureRate), recorder);
  fleet.provision();
  const app = createApp(configFor(o), {
    clock: time,
    logger: createLogger('silent'),
    credentials: CREDENTIALS,
    maxAttempts: 1,
    requestHandler: inProcessHandler(service, (operation, input) => {
      time.touch();
      recorder.called(operation, input, time.now());
    }),
    random: mulberry32(o.model.seed ?? 42),
    noServer: true,
    readOnce: true,
    wrapSource: (inner) => (source.current = rehearsalSource(inner, { only: o.only, onlyFiles: o.onlyFiles, approveAll })),
    onReport: (r) => recorder.report(r, time.now()),
  });
  try {
    await app.start();
    for (const key of checkedKeys(app.source, o, service)) recorder.track(key);
    const horizon = start + (o.horizonMs ?? 30 * DAY_MS);
    const serviceTimers = { nextAt: () => service.state.timers.peekTime(), reached: () => void service.tick() };
    while (!recorder.allStopped() && (await time.advance(horizon, serviceTimers))) recorder.step(time.now());
    recorder.finish(time.now());
    const jobs = recorder.timelines();
    const rehearsed = jobs.map((timeline) => ({ timeline, desired: app.source.get(timeline.key)! }));
    return {
      failureRate: o.failureRate,
      startedAt: start,
      durationMs: Math.round(time.now() - start),
      horizonReached: time.now() >= horizon,
      wallMs: performance.now() - wallStart,
      things: fleet.layout.things.length,
      jobs,
      warnings: warningsOf(rehearsed, { warnDays: o.warnDays ?? 7 }),
    };
  } finally {
    fleet.stop();
    await app.stop();
  }
}

/** The keys to rehearse; a RehearsalInputError when the manifests are invalid, `--only` or `--only-file` names nothing, or a manifest targets what the fleet model lacks. */
function checkedKeys(source: DesiredSource, o: Pick<RehearsalOptions, 'only' | 'onlyFiles'>, service: IotJobsService): string[] {
  const problems = source.status().problems;
  if (problems.length > 0 || !source.synced()) throw new RehearsalInputError(problems.map(formatProblem));
  const keys = source.keys();
  const missing = [
    ...(o.only ?? []).filter((k) => !keys.includes(k)).map((k) => `--only ${k}: no manifest has this key`),
    ...(o.onlyFiles ?? []).filter((f) => selected(source, { onlyFiles: [f] }).length === 0).map((f) => `--only-file ${f}: holds no manifest in --dir`),
  ];
  if (missing.length > 0) throw new RehearsalInputError(missing);
  const registry = service.state.registry;
  const lacking = missingTargets(
    keys.map((k) => source.get(k)!),
    { hasGroup: (n) => registry.groups.has(n), hasThing: (n) => registry.things.has(n) },
  );
  if (lacking.length > 0) throw new RehearsalInputError(lacking);
  return keys;
}

/** Two gate or resync intervals, whichever is longer: how long the controller may take to act on what it sees. */
function patienceOf(config: Config): number {
  return 2 * Math.max(config.gateIntervalMs, config.resyncMs);
}

/** The controller's Config for a rehearsal: directory mode, the in-process service's account. */
function configFor(o: RehearsalOptions): Config {
  const flags = ['run', '--dir', o.dir, '--endpoint', 'http://rehearsal.invalid', '--account', ACCOUNT, '--region', REGION];
  if (o.gateIntervalSeconds !== undefined) flags.push('--gate-interval-seconds', String(o.gateIntervalSeconds));
  if (o.resyncSeconds !== undefined) flags.push('--resync-seconds', String(o.resyncSeconds));
  if (o.awsTps !== undefined) flags.push('--aws-tps', String(o.awsTps));
  return loadConfig(flags, {});
}

/**
 * The model with every group failing at `rate`; where the group's rejection and silence rates
 * would then add up to more than 1, the rejection rate gives way.
 */
export function withFailureRate(model: FleetModel, rate: number): FleetModel {
  const fit = <T extends { failureRate?: number; rejectRate?: number; silentRate?: number }>(g: T, d: typeof model.defaults): T => {
    const silent = g.silentRate ?? d?.silentRate ?? 0;
    const reject = g.rejectRate ?? d?.rejectRate ?? DEFAULT_BEHAVIOR.rejectRate;
    return { ...g, failureRate: rate, rejectRate: Math.max(0, Math.min(reject, Number((1 - rate - silent).toFixed(9)))) };
  };
  return { ...model, defaults: fit(model.defaults ?? {}, {}), groups: model.groups.map((g) => fit(g, model.defaults)) };
}
