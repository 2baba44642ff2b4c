/**
 * Pure: desired and observed jobs brought to one comparable shape, so that a difference means a
 * real difference. Each field is read and made comparable as its descriptor in fields.ts says
 * (targets as sorted ARNs, documents by content, AWS defaults filled in on both sides); empty
 * objects count as absent.
 */
import type { DesiredJob } from '../model/iot-job.js';
import type { ObservedJob } from '../model/observed-job.js';
import type { Partition } from './canonical.js';
import { COMPARED_FIELDS, descriptorOf, type ComparedField, type FieldDescriptor } from './fields.js';

export { canonicalJson, targetArns, type Partition } from './canonical.js';

/** A job's compared fields; absent fields are undefined. */
export type JobShape = Partial<Record<ComparedField, unknown>>;

/** The desired job's compared fields, with the controller's ownership tags added. */
export function desiredShape(d: DesiredJob, p: Partition, controllerId: string): JobShape {
  const at = { partition: p, controllerId };
  return shapeOf((f) => f.desired(d, at));
}

/** The observed job's compared fields. The document is left out when it was not read. */
export function observedShape(o: ObservedJob): JobShape {
  return shapeOf((f) => f.observed(o));
}

function shapeOf(read: (f: FieldDescriptor) => unknown): JobShape {
  const shape: JobShape = {};
  for (const name of COMPARED_FIELDS) {
    const f = descriptorOf(name);
    shape[name] = comparable(f, read(f));
  }
  return shape;
}

/** A value in the form both sides compare in: AWS's default filled in, the field's own normaliser, empty members dropped (job templates compare their shared fields so too). */
export function comparable(f: FieldDescriptor, value: unknown): unknown {
  const v = value ?? f.absent;
  const c = clean(v !== undefined && f.comparable ? f.comparable(v) : v);
  return isEmpty(c) ? undefined : c;
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);
}

/** Drops undefined and empty-object members, recursively. */
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
