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
  /** When above 0, the work time is long-tailed instead: log-normal with median workMs and this 95th percentile (workSpreadMs unused). */
  workP95Ms: number;
  /** Simulated time between hearing of pending work (a notification or a poll) and starting it (the shortest, with acceptSpreadMs). */
  acceptMs: number;
  /** Up to this much more simulated time before starting, uniform and drawn from the seed. */
  acceptSpreadMs: number;
  /** When above 0, the accept delay is log-normal with median acceptMs and this 95th percentile. */
  acceptP95Ms: number;
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
  workP95Ms: 0,
  acceptMs: 0,
  acceptSpreadMs: 0,
  acceptP95Ms: 0,
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

/** The simulated time an attempt takes, drawn apart from the outcome: workMs plus up to workSpreadMs, or long-tailed. */
export function workMsOf(b: Pick<DeviceBehavior, 'seed' | 'workMs' | 'workSpreadMs'> & { workP95Ms?: number }, thingName: string, exec: Attempt): number {
  return spanDraw({ base: b.workMs, spread: b.workSpreadMs, p95: b.workP95Ms ?? 0 }, hashUnit(b.seed, `work/${attemptKey(thingName, exec)}`));
}

/** The share of a standard normal distribution below 1.645 is 95%. */
const Z95 = 1.6448536269514722;
/** The longest draw: a week. */
const MAX_DRAW_MS = 7 * 86_400_000;

/** A time drawn from `u` in [0, 1): the base alone, the base plus a uniform spread, or log-normal with the base as median and the p95 given. */
function spanDraw(s: { base: number; spread: number; p95: number }, u: number): number {
  if (s.p95 > s.base && s.base > 0) return Math.min(MAX_DRAW_MS, s.base * Math.exp((Math.log(s.p95 / s.base) / Z95) * normalQuantile(u)));
  return s.spread > 0 ? s.base + s.spread * u : s.base;
}

/**
 * The standard normal quantile of `p` (Acklam's rational approximation, relative error below
 * 1.2e-9), with p kept inside (0, 1).
 */
export function normalQuantile(p: number): number {
  const q = Math.min(Math.max(p, 1e-12), 1 - 1e-12);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (r: number): number =>
    (((((c[0]! * r + c[1]!) * r + c[2]!) * r + c[3]!) * r + c[4]!) * r + c[5]!) / ((((d[0]! * r + d[1]!) * r + d[2]!) * r + d[3]!) * r + 1);
  if (q < 0.02425) return tail(Math.sqrt(-2 * Math.log(q)));
  if (q > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - q)));
  const r = (q - 0.5) * (q - 0.5);
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * (q - 0.5)) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/** The simulated time a device takes to start pending work it heard of, the `n`-th time it does: acceptMs plus up to acceptSpreadMs. */
export function acceptMsOf(b: Pick<DeviceBehavior, 'seed' | 'acceptMs' | 'acceptSpreadMs' | 'acceptP95Ms'>, thingName: string, n: number): number {
  return spanDraw({ base: b.acceptMs, spread: b.acceptSpreadMs, p95: b.acceptP95Ms }, hashUnit(b.seed, `accept/${thingName}/${n}`));
}

function attemptKey(thingName: string, exec: Attempt): string {
  return `${thingName}/${exec.jobId}/${exec.executionNumber}/${exec.versionNumber}`;
}
