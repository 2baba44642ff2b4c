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

const RATE_KEYS = ['unavailableRate', 'serverErrorRate', 'dropRate', 'lostResponseRate'] as const;

/** Validates a fault config from the CLI or the admin endpoint. */
export function checkFaultConfig(value: unknown): FaultConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidRequest('fault config must be an object');
  const c = value as FaultConfig & Record<string, unknown>;
  const known = new Set(['throttleTps', 'throttleTpsByOperation', 'unavailableRate', 'serverErrorRate', 'latencyMs', 'latencyJitterMs', 'dropRate', 'lostResponseRate', 'operations', 'seed']);
  for (const k of Object.keys(c)) if (!known.has(k)) throw invalidRequest(`unknown fault setting ${k}`);
  for (const k of RATE_KEYS) if (c[k] !== undefined && !(typeof c[k] === 'number' && c[k]! >= 0 && c[k]! <= 1)) throw invalidRequest(`${k} must be a number from 0 to 1`);
  for (const k of ['throttleTps', 'latencyMs', 'latencyJitterMs'] as const) {
    if (c[k] !== undefined && !(typeof c[k] === 'number' && c[k]! >= 0)) throw invalidRequest(`${k} must be a non-negative number`);
  }
  for (const [op, tps] of Object.entries(c.throttleTpsByOperation ?? {})) {
    if (!(typeof tps === 'number' && tps >= 0)) throw invalidRequest(`throttleTpsByOperation.${op} must be a non-negative number`);
  }
  return c;
}

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

  /** Decides what happens to one request of the named operation. */
  decide(operation: string): FaultDecision {
    const c = this.config;
    const targeted = !c.operations || c.operations.includes(operation);
    const delayMs = targeted ? (c.latencyMs ?? 0) + (c.latencyJitterMs ? this.random() * c.latencyJitterMs : 0) : 0;
    if (!this.take(operation)) return { kind: 'error', code: 'ThrottlingException', delayMs };
    if (!targeted) return { kind: 'pass', delayMs };
    if (c.dropRate && this.random() < c.dropRate) return { kind: 'drop', delayMs };
    if (c.lostResponseRate && this.random() < c.lostResponseRate) return { kind: 'lose-response', delayMs };
    if (c.unavailableRate && this.random() < c.unavailableRate) return { kind: 'error', code: 'ServiceUnavailableException', delayMs };
    if (c.serverErrorRate && this.random() < c.serverErrorRate) return { kind: 'error', code: 'InternalFailureException', delayMs };
    return { kind: 'pass', delayMs };
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
