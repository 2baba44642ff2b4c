/**
 * How a simulated device behaves, as pure functions of the seed and the thing: whether it answers
 * at all, what each attempt ends in, and how long it works. No I/O, no clock: the same seed, thing
 * and execution always give the same answers, so a run is repeatable.
 */
import { hashUnit } from './random.js';

/** How devices behave. Times are simulated milliseconds; failureRate + rejectRate + silentRate is at most 1. */
export interface DeviceBehavior {
  seed: number;
  /** Simulated time one execution takes, from start to its final report (the shortest, with workSpreadMs). */
  workMs: number;
  /** Up to this much more simulated time per attempt, uniform and drawn from the seed (0: every attempt takes workMs). */
  workSpreadMs: number;
  /** Simulated time between hearing of pending work (a notification or a poll) and starting it (the shortest, with acceptSpreadMs). */
  acceptMs: number;
  /** Up to this much more simulated time before starting, uniform and drawn from the seed. */
  acceptSpreadMs: number;
  /** Progress reports between start and the final report. */
  progressSteps: number;
  /** Share of the devices' attempts that end FAILED. */
  failureRate: number;
  /** Share of the devices' attempts the device REJECTs at once. */
  rejectRate: number;
  /** Share of devices that never answer: they never start an execution. */
  silentRate: number;
  /** Share of devices online; an offline device behaves as a silent one. */
  onlineShare: number;
  /** Real time between polls when the device has nothing to do and hears no notification. */
  pollIntervalMs: number;
  /** Simulated milliseconds per real millisecond. */
  timeScale: number;
}

/** Defaults: a 20-second update per device in simulated time, 5% failures, 2% rejections, every device online and answering. */
export const DEFAULT_BEHAVIOR: DeviceBehavior = {
  seed: 42,
  workMs: 20_000,
  workSpreadMs: 0,
  acceptMs: 0,
  acceptSpreadMs: 0,
  progressSteps: 3,
  failureRate: 0.05,
  rejectRate: 0.02,
  silentRate: 0,
  onlineShare: 1,
  pollIntervalMs: 5_000,
  timeScale: 1,
};

/** What a device decides for one attempt. */
export type Outcome = 'SUCCEEDED' | 'FAILED' | 'REJECTED';

/** Whether a device answers: `silent` (one of silentRate), `offline` (outside onlineShare) or `answering`. */
export type Presence = 'answering' | 'silent' | 'offline';

/** The execution fields an attempt's draws depend on. */
export interface Attempt {
  jobId?: string;
  executionNumber?: number;
  versionNumber?: number;
}

/** A device's presence: a pure function of the seed and the thing (two independent draws). */
export function presenceOf(b: Pick<DeviceBehavior, 'seed' | 'silentRate' | 'onlineShare'>, thingName: string): Presence {
  if (hashUnit(b.seed, `silent/${thingName}`) < b.silentRate) return 'silent';
  if (hashUnit(b.seed, `online/${thingName}`) >= b.onlineShare) return 'offline';
  return 'answering';
}

/**
 * The outcome of an attempt by an answering device: a pure function of the seed, thing, job,
 * execution number and the version the attempt started at (which differs between retries of one
 * execution). The rates are shares of all the devices, so among the answering ones (1 - silentRate)
 * they are scaled up; with silentRate 0 the draw is the one it always was.
 */
export function outcomeOf(b: Pick<DeviceBehavior, 'seed' | 'failureRate' | 'rejectRate'> & { silentRate?: number }, thingName: string, exec: Attempt): Outcome {
  const u = hashUnit(b.seed, attemptKey(thingName, exec));
  const answering = 1 - (b.silentRate ?? 0);
  if (answering <= 0) return 'SUCCEEDED';
  if (u < b.rejectRate / answering) return 'REJECTED';
  if (u < (b.rejectRate + b.failureRate) / answering) return 'FAILED';
  return 'SUCCEEDED';
}

/** The simulated time an attempt takes: workMs plus up to workSpreadMs, drawn apart from the outcome. */
export function workMsOf(b: Pick<DeviceBehavior, 'seed' | 'workMs' | 'workSpreadMs'>, thingName: string, exec: Attempt): number {
  if (b.workSpreadMs <= 0) return b.workMs;
  return b.workMs + b.workSpreadMs * hashUnit(b.seed, `work/${attemptKey(thingName, exec)}`);
}

/** The simulated time a device takes to start pending work it heard of, the `n`-th time it does: acceptMs plus up to acceptSpreadMs. */
export function acceptMsOf(b: Pick<DeviceBehavior, 'seed' | 'acceptMs' | 'acceptSpreadMs'>, thingName: string, n: number): number {
  if (b.acceptSpreadMs <= 0) return b.acceptMs;
  return b.acceptMs + b.acceptSpreadMs * hashUnit(b.seed, `accept/${thingName}/${n}`);
}

function attemptKey(thingName: string, exec: Attempt): string {
  return `${thingName}/${exec.jobId}/${exec.executionNumber}/${exec.versionNumber}`;
}
