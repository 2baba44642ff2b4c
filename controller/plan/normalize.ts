/**
 * Pure: desired and observed jobs brought to one comparable shape, so that a difference means a
 * real difference. Targets become sorted ARNs; JSON documents compare by content, not by spacing
 * or key order; AWS defaults are filled in on both sides; empty objects count as absent.
 */
import type { DesiredJob } from '../model/iot-job.js';
import type { ObservedJob } from '../model/observed-job.js';
import type { ComparedField } from './fields.js';
import { desiredTags } from './ownership.js';

/** The account and region that `thing:` and `thingGroup:` targets resolve in. */
export interface Partition {
  account: string;
  region: string;
}

/** A job's compared fields; absent fields are undefined. */
export type JobShape = Partial<Record<ComparedField, unknown>>;

/** Resolves a target written as an ARN, `thing:NAME` or `thingGroup:NAME` to an ARN. */
export function targetArn(target: string, p: Partition): string {
  if (target.startsWith('thing:')) return `arn:aws:iot:${p.region}:${p.account}:thing/${target.slice(6)}`;
  if (target.startsWith('thingGroup:')) return `arn:aws:iot:${p.region}:${p.account}:thinggroup/${target.slice(11)}`;
  return target;
}

/** The targets as ARNs, each once, in the manifest's order. */
export function targetArns(targets: readonly string[], p: Partition): string[] {
  return [...new Set(targets.map((t) => targetArn(t, p)))];
}

/** JSON with object keys sorted at every level; the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A document's comparable text: canonical JSON when it parses, the text itself otherwise. */
export function canonicalDocument(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    return canonicalJson(JSON.parse(text));
  } catch {
    return text;
  }
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);
}

/** Drops undefined and empty-object members, recursively, and sorts keys. */
function clean(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(clean);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const c = clean(x);
      if (!isEmpty(c)) out[k] = c;
    }
    return out;
  }
  return v;
}

/** Fills in AWS's defaults, so an omitted default and an explicit one compare equal. */
function withDefaults(shape: JobShape): JobShape {
  const presigned = shape.presignedUrlConfig as { expiresInSec?: number } | undefined;
  if (presigned && presigned.expiresInSec === undefined) shape.presignedUrlConfig = { ...presigned, expiresInSec: 3600 };
  const rollout = shape.jobExecutionsRolloutConfig as { maximumPerMinute?: number; exponentialRate?: unknown } | undefined;
  if (rollout && rollout.maximumPerMinute === 1000 && rollout.exponentialRate === undefined) shape.jobExecutionsRolloutConfig = undefined;
  if (shape.targetSelection === undefined) shape.targetSelection = 'SNAPSHOT';
  for (const k of Object.keys(shape) as ComparedField[]) {
    const c = clean(shape[k]);
    shape[k] = isEmpty(c) ? undefined : c;
  }
  return shape;
}

/** The desired job's compared fields, with the controller's ownership tags added. */
export function desiredShape(d: DesiredJob, p: Partition, controllerId: string): JobShape {
  const s = d.spec;
  return withDefaults({
    description: s.description,
    presignedUrlConfig: s.presignedUrlConfig,
    jobExecutionsRolloutConfig: s.jobExecutionsRolloutConfig,
    abortConfig: s.abortConfig,
    timeoutConfig: s.timeoutConfig,
    jobExecutionsRetryConfig: s.jobExecutionsRetryConfig,
    document: canonicalDocument(d.document),
    documentSource: d.documentSource,
    targets: targetArns(s.targets, p).sort(),
    targetSelection: s.targetSelection,
    schedulingConfig: s.schedulingConfig,
    tags: desiredTags(d, controllerId),
  });
}

/** The observed job's compared fields. The document is left out when it was not read. */
export function observedShape(o: ObservedJob): JobShape {
  return withDefaults({
    description: o.description,
    presignedUrlConfig: o.presignedUrlConfig,
    jobExecutionsRolloutConfig: o.jobExecutionsRolloutConfig,
    abortConfig: o.abortConfig,
    timeoutConfig: o.timeoutConfig,
    jobExecutionsRetryConfig: o.jobExecutionsRetryConfig,
    document: o.documentSource !== undefined ? undefined : canonicalDocument(o.document),
    documentSource: o.documentSource,
    targets: [...new Set(o.targets)].sort(),
    targetSelection: o.targetSelection,
    schedulingConfig: o.schedulingConfig,
    tags: o.tags,
  });
}
