/**
 * A manifest's spec to the DesiredJob both sources hand on: its jobId (spec.jobId, else derived
 * from the manifest's name), then its document resolved to the text that will be sent. Pure: the reading
 * of a documentFile or a ConfigMap is injected. A spec that cannot become a job yields the field
 * at fault and why, which each source words its own way (a located problem, a status message).
 */
import { hash } from 'node:crypto';
import type { DesiredJob, IoTJobSpec, Origin } from '../model/iot-job.js';
import { rolloutSpecProblem } from './rollout-spec.js';

/** The largest job document AWS accepts, in bytes. */
export const MAX_DOCUMENT_BYTES = 32_768;
const JOB_ID = /^[a-zA-Z0-9_-]{1,64}$/;

/** A manifest field that keeps the spec from becoming a job: its dotted path (`spec.documentFile`) and why. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** Reads the text a spec refers to: a documentFile (directory mode) or a ConfigMap key (Kubernetes mode). */
export interface DocumentReaders {
  documentFile?: (documentFile: string) => { text: string } | { error: string };
  configMap?: (ref: { name: string; key: string }) => { text: string } | { error: string };
}

/** A spec's document: the text that will be sent or the S3 URL; or the field at fault (below spec) and why. */
export type ResolvedDocument = { document: string } | { documentSource: string } | FieldProblem;

/** What names a manifest: its key in the source, its metadata.name, its spec and where it was found. */
export interface ManifestIdentity {
  key: string;
  name: string;
  spec: IoTJobSpec;
  origin: Origin;
  /** The Kubernetes generation; undefined in directory mode. */
  generation?: number;
  /** A jobId the source remembers for this manifest (Kubernetes: the status's jobId); undefined when none. */
  recordedJobId?: string;
}

/** The longest name kept whole in a default jobId; a longer one keeps this many characters, then `-` and 8 hex digits of its SHA-256. */
const KEPT = 55;

/**
 * The default jobId of a manifest without spec.jobId, from its name: each `.` becomes `_` (a
 * Kubernetes name has no `_`, so two names never map to one id), and a result longer than 64
 * characters keeps its first 55, then `-` and the first 8 hex digits of the SHA-256 of the whole
 * name. So every valid Kubernetes name (lower-case letters, digits, `-` and `.`, up to 253) has
 * a valid default: `sensor-firmware-2.4.1` runs as job `sensor-firmware-2_4_1`.
 */
export function defaultJobId(name: string): string {
  const id = name.replaceAll('.', '_');
  return id.length <= 64 ? id : `${id.slice(0, KEPT)}-${hash('sha256', name, 'hex').slice(0, 8)}`;
}

/** A manifest's jobId: spec.jobId, else the default from its name; a problem message when that is not a valid AWS IoT jobId. */
export function jobIdOf(spec: IoTJobSpec, name: string): string | { message: string } {
  const jobId = spec.jobId ?? defaultJobId(name);
  if (JOB_ID.test(jobId)) return jobId;
  const why = spec.jobId === undefined ? `the name ${JSON.stringify(name)} gives no valid default jobId` : `"${jobId}" is not a valid AWS IoT jobId`;
  return { message: `${why} (letters, digits, - and _, at most 64); set spec.jobId` };
}

/** The job a manifest names, its document not yet resolved; a problem on metadata.name when its jobId is invalid. */
export function identityOf(m: ManifestIdentity): DesiredJob | FieldProblem {
  const jobId = jobIdOf(m.spec, m.name);
  if (typeof jobId !== 'string') return { field: 'metadata.name', message: jobId.message };
  const job: DesiredJob = { key: m.key, jobId, spec: m.spec, origin: m.origin };
  if (m.generation !== undefined) job.generation = m.generation;
  if (m.recordedJobId !== undefined) job.recordedJobId = m.recordedJobId;
  return job;
}

/** The job with its document resolved (`document` or `documentSource` set); the spec field at fault otherwise. A job made from a template has no document of its own. */
export function withDocument(job: DesiredJob, read: DocumentReaders): DesiredJob | FieldProblem {
  if (job.spec.jobTemplateArn !== undefined) return job;
  const doc = resolveDocument(job.spec, read);
  return 'message' in doc ? { field: `spec.${doc.field}`, message: doc.message } : { ...job, ...doc };
}

/** The job a manifest describes, document and all: identityOf, then withDocument. */
export function desiredJobOf(m: ManifestIdentity, read: DocumentReaders): DesiredJob | FieldProblem {
  const job = identityOf(m);
  if ('message' in job) return job;
  return rolloutSpecProblem(m.spec) ?? withDocument(job, read);
}

function sizeOf(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The spec fields a document comes from (an IoTJob's or an IoTJobTemplate's). */
export type DocumentFields = Pick<IoTJobSpec, 'document' | 'documentSource' | 'documentFile' | 'documentConfigMap'>;

/** The text of the spec's document, read or serialised, and the field it came from (below spec); the field at fault otherwise. */
function documentText(spec: DocumentFields, read: DocumentReaders): { field: string; text: string } | FieldProblem {
  const from = (field: string, r: { text: string } | { error: string }): { field: string; text: string } | FieldProblem =>
    'error' in r ? { field, message: r.error } : { field, text: r.text };
  if (spec.documentFile !== undefined) {
    if (!read.documentFile) return { field: 'documentFile', message: 'documentFile works in directory mode only; in Kubernetes mode use documentConfigMap' };
    return from('documentFile', read.documentFile(spec.documentFile));
  }
  if (spec.documentConfigMap !== undefined) {
    if (!read.configMap) return { field: 'documentConfigMap', message: 'documentConfigMap works in Kubernetes mode only; in directory mode use documentFile' };
    return from('documentConfigMap', read.configMap(spec.documentConfigMap));
  }
  if (typeof spec.document === 'string') return { field: 'document', text: spec.document };
  if (spec.document !== null && typeof spec.document === 'object' && !Array.isArray(spec.document))
    return { field: 'document', text: JSON.stringify(spec.document) };
  return { field: 'document', message: 'must be an object or a string' };
}

/** Resolves the spec's document to the text that will be sent; a problem when it is unusable. */
export function resolveDocument(spec: DocumentFields, read: DocumentReaders): ResolvedDocument {
  if (spec.documentSource !== undefined) return { documentSource: spec.documentSource };
  const r = documentText(spec, read);
  if ('message' in r) return r;
  const { field, text } = r;
  if (sizeOf(text) > MAX_DOCUMENT_BYTES) return { field, message: `the job document is ${sizeOf(text)} bytes; AWS accepts at most ${MAX_DOCUMENT_BYTES}` };
  try {
    JSON.parse(text);
  } catch {
    return { field, message: 'the job document is not valid JSON' };
  }
  return { document: text };
}
