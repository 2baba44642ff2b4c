/**
 * Pure: what the controller records on a staged rollout's job so that a restart neither restarts
 * nor skips a wave's bake, and how that record is read back. It lives in one tag on the job
 * itself, so both modes and any replica read the same record, and it is never guessed: a record
 * that is missing or unreadable is written afresh (plan/rollout.ts), which can only delay a wave.
 */
import type { ExecutionStatus } from '../model/observed-job.js';
import type { WaveCounts } from '../model/wave-status.js';
import { canonicalJson } from './canonical.js';

/** The tag holding a staged rollout's record. */
export const ROLLOUT_TAG = 'iot-jobs-controller/rollout';

/** What is recorded about the wave that runs now. */
export interface RolloutRecord {
  /** The index of the wave the record is about (the wave that runs, or the one being started). */
  wave: number;
  /** The job's counts when the wave started; the wave's own counts are the job's minus these. */
  baseline: WaveCounts;
  /** Epoch seconds when the wave started. */
  startedAt: number;
  /** Epoch seconds when the wave's gate first held; undefined while it has not. */
  heldSince?: number;
  /** The digest of the wave's gate when it failed; the failure stands until the gate changes. */
  failedGate?: string;
  /** Epoch seconds when each earlier wave passed, in wave order. */
  passedAt: number[];
}

/** The counts of a job's executions that a gate looks at, from its per-status counts. */
export function countsOf(c: Record<ExecutionStatus, number>): WaveCounts {
  const total = Object.values(c).reduce((a, b) => a + b, 0);
  return { total, succeeded: c.SUCCEEDED, failed: c.FAILED, rejected: c.REJECTED, timedOut: c.TIMED_OUT };
}

/** The counts since a baseline (never below zero: an execution deleted since the baseline is not a negative one). */
export function countsSince(now: WaveCounts, baseline: WaveCounts): WaveCounts {
  const since = (k: keyof WaveCounts): number => Math.max(0, now[k] - baseline[k]);
  return { total: since('total'), succeeded: since('succeeded'), failed: since('failed'), rejected: since('rejected'), timedOut: since('timedOut') };
}

export const ZERO_COUNTS: WaveCounts = { total: 0, succeeded: 0, failed: 0, rejected: 0, timedOut: 0 };

/**
 * The record as a tag value: space-separated `name=value` fields, numbers joined by `/` (AWS tag
 * values allow letters, digits, spaces and `_.:/=+-@`). At most 10 waves keep it under 256 characters.
 */
export function formatRecord(r: RolloutRecord): string {
  const b = r.baseline;
  const fields = [`w=${r.wave}`, `b=${[b.total, b.succeeded, b.failed, b.rejected, b.timedOut].join('/')}`, `s=${r.startedAt}`];
  if (r.heldSince !== undefined) fields.push(`h=${r.heldSince}`);
  if (r.failedGate !== undefined) fields.push(`x=${r.failedGate}`);
  if (r.passedAt.length > 0) fields.push(`p=${r.passedAt.join('/')}`);
  return fields.join(' ');
}

/** The record a tag value holds; undefined when it is absent or not one this code wrote. */
export function parseRecord(value: string | undefined): RolloutRecord | undefined {
  if (value === undefined) return undefined;
  const f = new Map(value.split(' ').map((kv) => kv.split('=', 2) as [string, string | undefined]));
  const wave = natural(f.get('w'));
  const b = numbers(f.get('b'));
  const startedAt = natural(f.get('s'));
  const passedAt = f.has('p') ? numbers(f.get('p')) : [];
  const heldSince = f.has('h') ? natural(f.get('h')) : null;
  if (wave === undefined || b?.length !== 5 || startedAt === undefined || passedAt === undefined || heldSince === undefined) return undefined;
  const [total, succeeded, failed, rejected, timedOut] = b as [number, number, number, number, number];
  return withOptional({ wave, baseline: { total, succeeded, failed, rejected, timedOut }, startedAt, passedAt }, heldSince, f.get('x'));
}

/** The record with its optional fields set when they are present (null and '' are absent). */
function withOptional(record: RolloutRecord, heldSince: number | null, failedGate: string | undefined): RolloutRecord {
  if (heldSince !== null) record.heldSince = heldSince;
  if (failedGate) record.failedGate = failedGate;
  return record;
}

function natural(s: string | undefined): number | undefined {
  return s !== undefined && /^\d{1,15}$/.test(s) ? Number(s) : undefined;
}

function numbers(s: string | undefined): number[] | undefined {
  const parts = s?.split('/').map(natural);
  return parts && parts.every((n) => n !== undefined) ? (parts as number[]) : undefined;
}

/** A short, stable digest of a gate's settings (FNV-1a over its canonical JSON), so a failure is tied to the gate that failed. */
export function gateDigest(gate: unknown): string {
  let h = 0x811c9dc5;
  for (const ch of canonicalJson(gate ?? null)) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
