/**
 * Fault injection for the HTTP server: per-operation throttling (a token bucket at N requests per
 * second), random ServiceUnavailableException and 500 errors, added latency, dropped
 * connections and responses lost after the request was carried out. All off by default; settable at start and at runtime through the admin endpoint.
 * Random choices come from a seeded generator, so a run can be repeated.
 */
import { invalidRequest } from '../core/errors.js';
import { mulberry32 } from '../fleet/random.js';

/** The fault settings. Rates are probabilities from 0 to 1. */
export interface FaultConfig {
  /** Requests per second allowed per operation before ThrottlingException; 0 or absent is off. AWS's quota is 10. */
  throttleTps?: number;
  /** Per-operation overrides of throttleTps. */
  throttleTpsByOperation?: Record<string, number>;
  /** Share of requests answered with ServiceUnavailableException (503). */
  unavailableRate?: number;
  /** Share of requests answered with InternalFailureException (500). */
  serverErrorRate?: number;
  /** Added latency in milliseconds, plus up to latencyJitterMs more. */
  latencyMs?: number;
  latencyJitterMs?: number;
  /** Share of requests whose connection is closed without a response, before the request is carried out. */
  dropRate?: number;
  /** Share of requests that are carried out but whose response is lost (the connection closes after the change). */
  lostResponseRate?: number;
  /** When set, the random faults (not throttling) hit only these operations. */
  operations?: string[];
  /** Seed of the random generator. */
  seed?: number;
}

/** What the injector decided for one request. */
export type FaultDecision =
  | { kind: 'pass'; delayMs: number }
  | { kind: 'drop'; delayMs: number }
  | { kind: 'lose-response'; delayMs: number }
  | { kind: 'error'; code: 'ThrottlingException' | 'ServiceUnavailableException' | 'InternalFailureException'; delayMs: number };

const KNOWN_KEYS = new Set([
  'throttleTps',
  'throttleTpsByOperation',
  'unavailableRate',
  'serverErrorRate',
  'latencyMs',
  'latencyJitterMs',
  'dropRate',
  'lostResponseRate',
  'operations',
  'seed',
]);
const RATE_KEYS = ['unavailableRate', 'serverErrorRate', 'dropRate', 'lostResponseRate'] as const;
const NON_NEGATIVE_KEYS = ['throttleTps', 'latencyMs', 'latencyJitterMs'] as const;

/** Whether `value` is a number of at least 0 (and at most `max`). */
function isNumberFrom0(value: unknown, max = Infinity): boolean {
  return typeof value === 'number' && value >= 0 && value <= max;
}

/** Fails unless each of `keys` that is set in `c` is a number from 0 to `max`; the message says the value must be `what`. */
function checkNumbersFrom0(c: Record<string, unknown>, keys: readonly string[], max: number, what: string): void {
  for (const k of keys) if (c[k] !== undefined && !isNumberFrom0(c[k], max)) throw invalidRequest(`${k} must be ${what}`);
}

/** Validates a fault config from the CLI or the admin endpoint. */
export function checkFaultConfig(value: unknown): FaultConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidRequest('fault config must be an object');
  const c = value as FaultConfig & Record<string, unknown>;
  for (const k of Object.keys(c)) if (!KNOWN_KEYS.has(k)) throw invalidRequest(`unknown fault setting ${k}`);
  checkNumbersFrom0(c, RATE_KEYS, 1, 'a number from 0 to 1');
  checkNumbersFrom0(c, NON_NEGATIVE_KEYS, Infinity, 'a non-negative number');
  checkTpsByOperation(c.throttleTpsByOperation);
  return c;
}

/** Fails unless every per-operation TPS, when there are any, is a non-negative number. */
function checkTpsByOperation(byOperation: Record<string, unknown> | undefined): void {
  for (const [op, tps] of Object.entries(byOperation ?? {})) {
    if (!isNumberFrom0(tps)) throw invalidRequest(`throttleTpsByOperation.${op} must be a non-negative number`);
  }
}

/** The random faults, in the order they are drawn for a request, each with the rate setting that makes it. */
const RANDOM_FAULTS = [
  { rate: 'dropRate', fault: { kind: 'drop' } },
  { rate: 'lostResponseRate', fault: { kind: 'lose-response' } },
  { rate: 'unavailableRate', fault: { kind: 'error', code: 'ServiceUnavailableException' } },
  { rate: 'serverErrorRate', fault: { kind: 'error', code: 'InternalFailureException' } },
] as const;

interface Bucket {
  tokens: number;
  at: number;
}

/** Decides the fault, if any, for each request. */
export class FaultInjector {
  private config: FaultConfig = {};
  private random: () => number = mulberry32(1);
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    config: FaultConfig = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.set(config);
  }

  /** Replaces the settings (and reseeds the generator). */
  set(config: FaultConfig): void {
    this.config = checkFaultConfig(config);
    this.random = mulberry32(config.seed ?? 1);
    this.buckets.clear();
  }

  /** Merges settings into the current ones. */
  merge(patch: FaultConfig): void {
    this.set({ ...this.config, ...checkFaultConfig(patch) });
  }

  /** The current settings. */
  get(): FaultConfig {
    return { ...this.config };
  }

  /**
   * Decides what happens to one request of the named operation: throttling first, then (for
   * targeted operations) the random faults. The generator is drawn from in a fixed order (jitter,
   * then each fault whose rate is set, until one hits), so a seed gives the same run.
   */
  decide(operation: string): FaultDecision {
    const targeted = !this.config.operations || this.config.operations.includes(operation);
    const delayMs = targeted ? this.delay() : 0;
    if (!this.take(operation)) return { kind: 'error', code: 'ThrottlingException', delayMs };
    const fault = targeted ? this.randomFault() : undefined;
    return fault ? { ...fault, delayMs } : { kind: 'pass', delayMs };
  }

  /** The added latency of a targeted request: latencyMs plus a random share of latencyJitterMs. */
  private delay(): number {
    const c = this.config;
    return (c.latencyMs ?? 0) + (c.latencyJitterMs ? this.random() * c.latencyJitterMs : 0);
  }

  /** The first random fault that hits, drawing once for each fault whose rate is set; undefined when none does. */
  private randomFault(): (typeof RANDOM_FAULTS)[number]['fault'] | undefined {
    for (const { rate, fault } of RANDOM_FAULTS) {
      const r = this.config[rate];
      if (r && this.random() < r) return fault;
    }
    return undefined;
  }

  /** Takes a token from the operation's bucket; true when the request is within its TPS. */
  private take(operation: string): boolean {
    const tps = this.config.throttleTpsByOperation?.[operation] ?? this.config.throttleTps;
    if (!tps) return true;
    const now = this.now();
    const b = this.buckets.get(operation) ?? { tokens: tps, at: now };
    b.tokens = Math.min(tps, b.tokens + ((now - b.at) / 1000) * tps);
    b.at = now;
    this.buckets.set(operation, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
