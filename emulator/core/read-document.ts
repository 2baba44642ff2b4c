/** The job document a CreateJob or CreateJobTemplate request gives: inline, or read from the S3 object its documentSource names. */
import { invalidRequest } from './errors.js';
import { s3ObjectKey } from './s3-url.js';
import type { ServiceState } from './state.js';
import { checkDocument, checkString } from './validate.js';

type Input = Record<string, unknown>;

/** Reads the document: inline, or the S3 object a documentSource names, as it is at creation. */
export function readDocument(state: ServiceState, input: Input): { document: string; documentSource?: string } {
  const hasDoc = input.document !== undefined && input.document !== null;
  const hasSource = input.documentSource !== undefined && input.documentSource !== null;
  if (hasDoc === hasSource) throw invalidRequest('exactly one of document and documentSource is required');
  if (hasDoc) return { document: checkDocument(input.document) };
  const source = checkString('documentSource', input.documentSource, { min: 1, max: 1350 });
  const object = state.s3Objects.get(s3ObjectKey(source) ?? source);
  if (object === undefined) {
    throw invalidRequest(
      `documentSource ${source} cannot be read: the emulator has no such S3 object (put it with aws s3 cp --endpoint-url, or PUT /_emulator/s3-objects)`,
    );
  }
  return { document: checkDocument(object), documentSource: source };
}
