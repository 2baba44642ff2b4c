/**
 * The field descriptors (plan/fields.ts): the classes and order that decide updates and replaces,
 * and, for every updatable field, the whole path a field takes (manifest → comparison → UpdateJob
 * member → DescribeJob → comparison) driven by its descriptor alone.
 */
import { describe, expect, it } from 'vitest';
import { fromDescribeJob, toUpdateJob } from '../../../../controller/aws/mappers.js';
import { diffJob } from '../../../../controller/plan/diff.js';
import { COMPARED_FIELDS, descriptorOf, FIELD_TABLE, FIELDS, fieldsOf, type UpdatableField } from '../../../../controller/plan/fields.js';
import { desiredShape, observedShape } from '../../../../controller/plan/normalize.js';
import { loadCrdSchema } from '../../../../controller/sources/crd-schema.js';
import { CONTROLLER, PARTITION } from '../../../helpers/builders.js';
import { fullDescribe, fullDesired } from '../../../helpers/job-fixtures.js';

/** The full job as read back from AWS, with its document and tags. */
function fullObserved() {
  const desired = desiredShape(fullDesired(), PARTITION, CONTROLLER);
  return { ...fromDescribeJob(fullDescribe()), document: fullDesired().document, tags: desired.tags as Record<string, string> };
}

describe('the field table', () => {
  it('keeps the classes and the reporting order it had before the descriptors', () => {
    expect(FIELD_TABLE).toEqual({
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
      jobTemplateArn: 'replace',
      documentParameters: 'replace',
      destinationPackageVersions: 'replace',
      namespaceId: 'replace',
      tags: 'tags',
    });
    expect(COMPARED_FIELDS).toEqual(Object.keys(FIELD_TABLE));
  });

  it('names only fields the CRD declares under spec (the schema is the other half of adding a field)', () => {
    const spec = (loadCrdSchema() as { properties: { spec: { properties: Record<string, unknown> } } }).properties.spec.properties;
    expect(COMPARED_FIELDS.filter((f) => !(f in spec))).toEqual([]);
  });

  it('fills AWS defaults only where AWS has one, and reads every field but the document and tags from DescribeJob', () => {
    const absent = Object.fromEntries(COMPARED_FIELDS.filter((f) => 'absent' in FIELDS[f]).map((f) => [f, (FIELDS[f] as { absent: unknown }).absent]));
    expect(absent).toEqual({ targets: [], targetSelection: 'SNAPSHOT' });
    expect(COMPARED_FIELDS.filter((f) => !('describe' in FIELDS[f]))).toEqual(['document', 'tags']);
  });
});

describe.each(fieldsOf('update'))('the updatable field %s', (field) => {
  it('differs alone when AWS has lost it, and UpdateJob sets exactly its member back', () => {
    const observed = { ...fullObserved(), [field]: undefined };
    expect(diffJob(desiredShape(fullDesired(), PARTITION, CONTROLLER), observedShape(observed)).fields).toEqual([field]);
    const update = { ...toUpdateJob(fullDesired(), 'fw', [field]) } as Record<string, unknown>;
    const member = (descriptorOf(field) as UpdatableField).update;
    expect(Object.keys(update)).toEqual(['jobId', member]);
    expect(update[member]).toEqual(fullDesired().spec[field]);
  });

  it('is read back from its DescribeJob member as the manifest declared it', () => {
    expect(fromDescribeJob(fullDescribe())[field]).toEqual(fullDesired().spec[field]);
  });
});
