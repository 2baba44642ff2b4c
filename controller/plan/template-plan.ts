/**
 * Pure: what to do about one job template. AWS cannot update a template, only tag it, so a
 * difference in any other field is refused (replacePolicy Refuse) or made by deleting and creating
 * the template again under the same id (Recreate). A template this controller does not own is
 * never touched. A template whose manifest is gone is deleted or orphaned by the policy its tags
 * recorded when it was created.
 */
import type { DesiredTemplate, ObservedTemplate, TemplateDeletionPolicy } from '../model/iot-job-template.js';
import { canonicalDocument, canonicalJson } from './canonical.js';
import { tagsToSet } from './diff.js';
import { descriptorOf, type ComparedField } from './fields.js';
import { comparable } from './normalize.js';
import { DELETION_POLICY, isOwned, MANAGED_BY, ownershipTags, SOURCE_KEY } from './ownership.js';

/** The template fields compared, in the order differences are reported. */
export const TEMPLATE_FIELDS = [
  'description',
  'document',
  'documentSource',
  'presignedUrlConfig',
  'jobExecutionsRolloutConfig',
  'abortConfig',
  'timeoutConfig',
  'jobExecutionsRetryConfig',
  'maintenanceWindows',
  'destinationPackageVersions',
] as const;
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];

/** The fields a template shares with a job, compared as the job's are (AWS defaults filled in, empty members dropped). */
const SHARED = new Set<string>(['presignedUrlConfig', 'jobExecutionsRolloutConfig', 'abortConfig', 'timeoutConfig', 'jobExecutionsRetryConfig']);

/** What to do about a declared template. */
export type TemplateAction =
  | { kind: 'create'; tags: Record<string, string> }
  | { kind: 'recreate'; fields: TemplateField[]; tags: Record<string, string> }
  | { kind: 'refuse'; fields: TemplateField[] }
  | { kind: 'tag'; tags: Record<string, string> }
  | { kind: 'conflict'; owner?: string }
  | { kind: 'none' };

/** What to do about a template whose manifest is gone. */
export type RemovalAction = { kind: 'delete' } | { kind: 'orphan'; keys: string[] } | { kind: 'none' };

/** Every tag a declared template should carry: the manifest's own, and the ownership tags over them. */
export function templateTags(d: DesiredTemplate, controllerId: string): Record<string, string> {
  return { ...(d.spec.tags ?? {}), ...ownershipTags(controllerId, d.key, d.spec.deletionPolicy ?? 'Delete') };
}

/** Decides what to do about a declared template, given what AWS holds under its id (undefined: nothing). */
export function planTemplate(d: DesiredTemplate, observed: ObservedTemplate | undefined, controllerId: string): TemplateAction {
  const tags = templateTags(d, controllerId);
  if (!observed) return { kind: 'create', tags };
  if (!isOwned(observed, controllerId)) return { kind: 'conflict', owner: observed.tags[MANAGED_BY] };
  const fields = templateDiff(d, observed);
  if (fields.length > 0) return d.spec.replacePolicy === 'Recreate' ? { kind: 'recreate', fields, tags } : { kind: 'refuse', fields };
  const set = tagsToSet(tags, observed.tags);
  return Object.keys(set).length > 0 ? { kind: 'tag', tags: set } : { kind: 'none' };
}

/** Decides what to do about a template whose manifest is gone: nothing unless this controller owns it; else its recorded policy. */
export function planRemoval(observed: ObservedTemplate, controllerId: string): RemovalAction {
  if (!isOwned(observed, controllerId)) return { kind: 'none' };
  return recordedPolicy(observed) === 'Orphan' ? { kind: 'orphan', keys: [MANAGED_BY, SOURCE_KEY, DELETION_POLICY] } : { kind: 'delete' };
}

/** The deletionPolicy a template's tags recorded (Delete when none or an unknown one). */
function recordedPolicy(observed: ObservedTemplate): TemplateDeletionPolicy {
  return observed.tags[DELETION_POLICY] === 'Orphan' ? 'Orphan' : 'Delete';
}

/** Why: the words of a plan line, and of the status of a template that cannot be synced. */
export function templateActionReason(d: DesiredTemplate, a: TemplateAction): string {
  switch (a.kind) {
    case 'create':
      return `no job template ${d.jobTemplateId} exists`;
    case 'recreate':
      return `${a.fields.join(', ')} changed; replacePolicy Recreate deletes job template ${d.jobTemplateId} and creates it again`;
    case 'refuse':
      return `${a.fields.join(', ')} changed; AWS cannot update a job template. Set spec.replacePolicy: Recreate to delete and create it again (jobs made from it keep what they took), or revert`;
    case 'tag':
      return `tags ${Object.keys(a.tags).join(', ')} differ from the manifest`;
    case 'conflict':
      return notOwned(d, a.owner);
    case 'none':
      return 'in sync';
  }
}

function notOwned(d: DesiredTemplate, owner: string | undefined): string {
  const who = owner ? `another controller (${owner})` : 'no controller (it was made by hand or by other tooling)';
  return `job template ${d.jobTemplateId} exists in AWS and is managed by ${who}; it is left alone. Choose another spec.jobTemplateId, or delete that template`;
}

/** Why a template whose manifest is gone is removed, in the words of a plan line. */
export function removalReason(r: Exclude<RemovalAction, { kind: 'none' }>): string {
  return r.kind === 'delete'
    ? 'its manifest is gone; deletionPolicy Delete (recorded in its tags)'
    : 'its manifest is gone; deletionPolicy Orphan keeps it in AWS without our tags';
}

/** The fields in which AWS's template differs from the declared one. */
export function templateDiff(d: DesiredTemplate, observed: ObservedTemplate): TemplateField[] {
  const desired = desiredValues(d);
  const theirs = observedValues(observed);
  return TEMPLATE_FIELDS.filter((f) => canonicalJson(desired[f] ?? null) !== canonicalJson(theirs[f] ?? null));
}

type Values = Partial<Record<TemplateField, unknown>>;

function desiredValues(d: DesiredTemplate): Values {
  const s = d.spec;
  return normalized({ ...s, document: d.document, documentSource: d.documentSource });
}

/** AWS's template: its document counts only when it has no documentSource (the text AWS read from S3 is not the manifest's). */
function observedValues(o: ObservedTemplate): Values {
  return normalized({ ...o, document: o.documentSource === undefined ? o.document : undefined });
}

function normalized(v: Record<string, unknown>): Values {
  const out: Values = {};
  for (const f of TEMPLATE_FIELDS) {
    const value = v[f];
    if (f === 'document') out[f] = canonicalDocument(value as string | undefined);
    else if (SHARED.has(f)) out[f] = comparable(descriptorOf(f as ComparedField), value);
    else out[f] = isBlank(value) ? undefined : value;
  }
  return out;
}

function isBlank(v: unknown): boolean {
  return v === undefined || v === null || (Array.isArray(v) && v.length === 0);
}
