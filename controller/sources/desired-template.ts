/**
 * An IoTJobTemplate manifest's spec to the DesiredTemplate both sources hand on: its
 * jobTemplateId (spec.jobTemplateId, else derived from the name as a job's id is), then its
 * document resolved as an IoTJob's is (desired-job.ts). Pure: reading a documentFile is injected.
 */
import type { Origin } from '../model/iot-job.js';
import type { DesiredTemplate, IoTJobTemplateSpec } from '../model/iot-job-template.js';
import { jobIdOf, resolveDocument, type DocumentReaders, type FieldProblem } from './desired-job.js';

/** What names a template manifest: its key in the source, its metadata.name, its spec and where it was found. */
export interface TemplateIdentity {
  key: string;
  name: string;
  spec: IoTJobTemplateSpec;
  origin: Origin;
  generation?: number;
}

/** The template a manifest describes, document and all; the field at fault otherwise. */
export function desiredTemplateOf(m: TemplateIdentity, read: DocumentReaders): DesiredTemplate | FieldProblem {
  const id = jobIdOf({ jobId: m.spec.jobTemplateId }, m.name);
  if (typeof id !== 'string')
    return { field: 'metadata.name', message: id.message.replace('spec.jobId', 'spec.jobTemplateId').replace('jobId', 'job template id') };
  const doc = resolveDocument(m.spec, read);
  if ('message' in doc) return { field: `spec.${doc.field}`, message: doc.message };
  const t: DesiredTemplate = { key: m.key, jobTemplateId: id, spec: m.spec, origin: m.origin, ...doc };
  if (m.generation !== undefined) t.generation = m.generation;
  return t;
}

/** Problems for templates that claim a jobTemplateId another manifest of the snapshot claims first. */
export function refusedTemplateClaims(templates: readonly DesiredTemplate[]): { file: string; line: number; field: string; message: string }[] {
  const first = new Map<string, DesiredTemplate>();
  const out: { file: string; line: number; field: string; message: string }[] = [];
  for (const t of templates) {
    const holder = first.get(t.jobTemplateId);
    if (!holder) first.set(t.jobTemplateId, t);
    else
      out.push({
        file: t.origin.file,
        line: t.origin.line,
        field: 'spec.jobTemplateId',
        message: `job template id "${t.jobTemplateId}" is already declared by ${holder.key} (${holder.origin.file}:${holder.origin.line})`,
      });
  }
  return out;
}
