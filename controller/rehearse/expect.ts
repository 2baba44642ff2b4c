/**
 * `--expect` assertions on a rehearsal, for CI: `[KEY:]METRIC OP VALUE[@RATE]`, e.g.
 * `exposed<=500@0.3` (at a 30% failure rate, at most 500 devices get the release before the
 * rollout stops) or `fw:outcome==held@0.5`. Without a key every job must meet it; without a rate it
 * is judged on the base rehearsal (the fleet model's own rates). Pure.
 */
import type { JobTimeline, RehearsalResult } from './result.js';

/** The numeric metrics, read from one job's timeline. */
const NUMERIC: Record<string, (j: JobTimeline) => number> = {
  /** Devices that started an execution before the rollout stopped. */
  exposed: (j) => j.exposed,
  succeeded: (j) => j.waves.reduce((n, w) => n + w.succeeded, 0),
  /** Attempts that ended FAILED or REJECTED. */
  failed: (j) => j.waves.reduce((n, w) => n + w.failed, 0),
  /** Hours from the start until the rollout stopped (Infinity when it did not). */
  hours: (j) => (j.stoppedAt === undefined ? Infinity : j.stoppedAt / 3_600_000),
};

type Op = '<=' | '>=' | '==' | '!=' | '<' | '>';

/** One parsed assertion. */
export interface Expectation {
  text: string;
  key?: string;
  metric: string;
  op: Op;
  value: string;
  /** The failure rate whose rehearsal it is judged on; undefined: the base rehearsal. */
  rate?: number;
}

/** An assertion that does not parse. */
export class ExpectationError extends Error {
  constructor(text: string, why: string) {
    super(`--expect '${text}': ${why}`);
    this.name = 'ExpectationError';
  }
}

const SHAPE = /^(?:([^:\s]+):)?([a-z]+)\s*(<=|>=|==|!=|<|>)\s*([^@\s]+)(?:@([0-9.]+))?$/;

/** Parses one `--expect`; an ExpectationError naming what is wrong. */
export function parseExpectation(text: string): Expectation {
  const m = SHAPE.exec(text.trim());
  if (!m) throw new ExpectationError(text, 'must look like [KEY:]METRIC OP VALUE[@RATE], e.g. exposed<=500@0.3');
  const [, key, metric, op, value, rateText] = m as unknown as [string, string | undefined, string, Op, string, string | undefined];
  const why = comparisonProblem(metric, op, value) ?? rateProblem(rateText);
  if (why) throw new ExpectationError(text, why);
  return { text, key, metric, op, value, rate: rateText === undefined ? undefined : Number(rateText) };
}

/** What is wrong with a metric, operator and value; undefined when they fit together. */
function comparisonProblem(metric: string, op: Op, value: string): string | undefined {
  if (metric === 'outcome') return op === '==' || op === '!=' ? undefined : 'outcome compares with == or != only';
  if (!(metric in NUMERIC)) return `unknown metric "${metric}"; use ${[...Object.keys(NUMERIC), 'outcome'].join(', ')}`;
  return Number.isFinite(Number(value)) ? undefined : `"${value}" is not a number`;
}

function rateProblem(rateText: string | undefined): string | undefined {
  if (rateText === undefined) return undefined;
  const rate = Number(rateText);
  return rate >= 0 && rate <= 1 ? undefined : `the failure rate after @ must be from 0 to 1, got ${rateText}`;
}

/** One failed assertion, in words. */
export interface Unmet {
  expectation: Expectation;
  why: string;
}

/** Every assertion that the results do not meet. */
export function unmet(expectations: readonly Expectation[], results: readonly RehearsalResult[]): Unmet[] {
  return expectations.flatMap((e) => judge(e, results));
}

function judge(e: Expectation, results: readonly RehearsalResult[]): Unmet[] {
  const result = results.find((r) => r.failureRate === e.rate);
  if (!result) return [{ expectation: e, why: `no rehearsal at failure rate ${e.rate}` }];
  const jobs = e.key === undefined ? result.jobs : result.jobs.filter((j) => j.key === e.key);
  if (jobs.length === 0) return [{ expectation: e, why: `no job with key ${e.key}` }];
  return jobs.flatMap((j) => {
    const actual = e.metric === 'outcome' ? j.outcome : NUMERIC[e.metric]!(j);
    return holds(actual, e.op, e.value) ? [] : [{ expectation: e, why: `${j.key}: ${e.metric} is ${String(actual)}` }];
  });
}

function holds(actual: number | string, op: Op, value: string): boolean {
  if (typeof actual === 'string') return op === '==' ? actual === value : actual !== value;
  const v = Number(value);
  const compare: Record<Op, boolean> = { '<=': actual <= v, '>=': actual >= v, '==': actual === v, '!=': actual !== v, '<': actual < v, '>': actual > v };
  return compare[op];
}
