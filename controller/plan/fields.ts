/**
 * The one table of what UpdateJob can change (ARCHITECTURE.md principle 3). Every spec field
 * that reaches AWS is listed: `update` goes through UpdateJob, `replace` needs a new job,
 * `tags` goes through TagResource and UntagResource.
 */

export type FieldClass = 'update' | 'replace' | 'tags';

/** Each compared field and how a difference in it is resolved. */
export const FIELD_TABLE = {
  description: 'update',
  presignedUrlConfig: 'update',
  jobExecutionsRolloutConfig: 'update',
  abortConfig: 'update',
  timeoutConfig: 'update',
  jobExecutionsRetryConfig: 'update',
  document: 'replace',
  documentSource: 'replace',
  targets: 'replace',
  targetSelection: 'replace',
  schedulingConfig: 'replace',
  tags: 'tags',
} as const satisfies Record<string, FieldClass>;

export type ComparedField = keyof typeof FIELD_TABLE;

/** The compared fields, in table order. */
export const COMPARED_FIELDS = Object.keys(FIELD_TABLE) as ComparedField[];

/** The fields of one class. */
export function fieldsOf(cls: FieldClass): ComparedField[] {
  return COMPARED_FIELDS.filter((f) => FIELD_TABLE[f] === cls);
}
