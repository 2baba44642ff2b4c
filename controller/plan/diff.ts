/**
 * Pure: the fields in which two job shapes differ, as a list of field names, queried by intent
 * (ACK's delta: differentAt / differentExcept).
 */
import { canonicalJson } from './canonical.js';
import { COMPARED_FIELDS, FIELD_TABLE, type ComparedField, type FieldClass } from './fields.js';
import type { JobShape } from './normalize.js';

/** The fields that differ between desired and observed shapes. */
export interface Delta {
  fields: ComparedField[];
}

/**
 * Compares two shapes field by field. A field that was not read (`unread`) never differs. A field
 * of class `tags` compares only on the keys the desired side declares: tags set by others are left
 * alone. A job made from a template takes from it every field the manifest leaves out (its
 * document, and any configuration), so on such a job those fields are not compared.
 */
export function diffJob(desired: JobShape, observed: JobShape, unread: ReadonlySet<ComparedField> = new Set()): Delta {
  const fields = COMPARED_FIELDS.filter((f) => {
    if (unread.has(f) || inherited(desired, f)) return false;
    const theirs = FIELD_TABLE[f] === 'tags' ? projectTags(desired[f], observed[f]) : observed[f];
    return canonicalJson(desired[f] ?? null) !== canonicalJson(theirs ?? null);
  });
  return { fields };
}

/** Whether the field is one a template job takes from its template: the manifest leaves it out. */
function inherited(desired: JobShape, f: ComparedField): boolean {
  return desired.jobTemplateArn !== undefined && desired[f] === undefined && FIELD_TABLE[f] !== 'tags';
}

function projectTags(desired: unknown, observed: unknown): Record<string, string> | undefined {
  const want = (desired ?? {}) as Record<string, string>;
  const have = (observed ?? {}) as Record<string, string>;
  const out: Record<string, string> = {};
  for (const k of Object.keys(want)) if (k in have) out[k] = have[k]!;
  return Object.keys(out).length ? out : undefined;
}

/** The differing fields of one class. */
export function differentIn(delta: Delta, cls: FieldClass): ComparedField[] {
  return delta.fields.filter((f) => FIELD_TABLE[f] === cls);
}

/** The tags to add or change so that every desired tag is on the job. Other tags are kept. */
export function tagsToSet(desired: Record<string, string>, observed: Record<string, string>): Record<string, string> {
  const set: Record<string, string> = {};
  for (const [k, v] of Object.entries(desired)) if (observed[k] !== v) set[k] = v;
  return set;
}
