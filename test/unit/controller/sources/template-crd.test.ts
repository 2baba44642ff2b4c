/**
 * crds/iotjobtemplate.yaml shares its job fields with crds/iotjob.yaml: each shared field's schema
 * (descriptions aside) is the IoTJob's, so a rule added to one is not missed in the other.
 */
import { describe, expect, it } from 'vitest';
import { crdPath, loadCrdSchema, TEMPLATE_CRD } from '../../../../controller/sources/crd-schema.js';

type Schema = Record<string, unknown>;

/** A schema without its descriptions, at every level. */
function withoutDescriptions(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutDescriptions);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v as Schema)
      .filter(([k]) => k !== 'description')
      .map(([k, x]) => [k, withoutDescriptions(x)]),
  );
}

const specOf = (s: Schema): Record<string, Schema> => (s.properties as Record<string, Schema>).spec!.properties as Record<string, Schema>;

describe('the IoTJobTemplate CRD', () => {
  const job = specOf(loadCrdSchema());
  const template = specOf(loadCrdSchema(crdPath(TEMPLATE_CRD)));

  it.each([
    'document',
    'documentSource',
    'documentFile',
    'presignedUrlConfig',
    'jobExecutionsRolloutConfig',
    'abortConfig',
    'timeoutConfig',
    'jobExecutionsRetryConfig',
    'destinationPackageVersions',
    'tags',
  ])('declares %s as the IoTJob CRD does', (field) => {
    expect(withoutDescriptions(template[field])).toEqual(withoutDescriptions(job[field]));
  });

  it("declares maintenanceWindows as the IoTJob's schedulingConfig.maintenanceWindows", () => {
    const windows = (job.schedulingConfig!.properties as Record<string, Schema>).maintenanceWindows;
    expect(withoutDescriptions(template.maintenanceWindows)).toEqual(withoutDescriptions(windows));
  });
});
