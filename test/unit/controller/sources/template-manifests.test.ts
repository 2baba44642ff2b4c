/**
 * IoTJobTemplate manifests in directory mode: read beside IoTJobs, validated against
 * crds/iotjobtemplate.yaml (structure and CEL rules), their problems named by file, line and field
 * like an IoTJob's, and a template id declared twice refuses the snapshot. An IoTJob may name a
 * template instead of a document, and documentParameters only with a managed one.
 */
import { describe, expect, it } from 'vitest';
import { compileManifestValidator } from '../../../../controller/sources/crd-schema.js';
import { parseManifests, type ParseContext } from '../../../../controller/sources/manifests.js';

const ctx: ParseContext = {
  validate: compileManifestValidator(),
  readDocumentFile: (_m, f) => (f === 'doc.json' ? { text: '{"op":"file"}' } : { error: `${f} does not exist` }),
};
const parse = (text: string, path = 'jobs/a.yaml') => parseManifests([{ path, text }], ctx);

const template = (name: string, spec: string): string => `apiVersion: iot.gitops.dev/v1alpha1
kind: IoTJobTemplate
metadata:
  name: ${name}
spec:
${spec}`;
const job = (name: string, spec: string): string => `apiVersion: iot.gitops.dev/v1alpha1
kind: IoTJob
metadata:
  name: ${name}
spec:
${spec}`;

describe('IoTJobTemplate manifests', () => {
  it('are read beside IoTJobs: the id defaults from the name, the document is resolved (documentFile too)', () => {
    const text = [
      template('ota.base', '  description: OTA base\n  document: {op: ota}\n  maintenanceWindows: [{startTime: "cron(0 2 ? * SUN *)", durationInMinutes: 60}]'),
      template('from-file', '  jobTemplateId: FromFile\n  description: from a file\n  documentFile: doc.json\n  deletionPolicy: Orphan'),
      job('fw', '  targets: [thingGroup:fleet]\n  jobTemplateArn: template:ota_base'),
    ].join('\n---\n');
    const { jobs, templates, problems } = parse(text);
    expect(problems).toEqual([]);
    expect(templates.map((t) => [t.key, t.jobTemplateId, t.document, t.spec.deletionPolicy])).toEqual([
      ['ota.base', 'ota_base', '{"op":"ota"}', undefined],
      ['from-file', 'FromFile', '{"op":"file"}', 'Orphan'],
    ]);
    expect(jobs.map((j) => [j.key, j.spec.jobTemplateArn, j.document])).toEqual([['fw', 'template:ota_base', undefined]]);
  });

  it('name the file, line and field of a problem, as an IoTJob does', () => {
    const { templates, problems } = parse(template('t', '  document: {op: ota}\n  replacePolicy: Sometimes'));
    expect(templates).toEqual([]);
    expect(problems).toEqual(
      expect.arrayContaining([
        { file: 'jobs/a.yaml', line: 5, field: 'spec.description', message: 'is required' },
        { file: 'jobs/a.yaml', line: 7, field: 'spec.replacePolicy', message: 'must be one of Refuse, Recreate' },
      ]),
    );
  });

  it('need exactly one document and a description without control characters', () => {
    expect(parse(template('t', '  description: d')).problems[0]).toMatchObject({ field: 'spec' });
    const both = parse(template('t', '  description: d\n  document: {}\n  documentSource: https://b.s3.amazonaws.com/k')).problems;
    expect(both[0]).toMatchObject({ field: 'spec' });
    expect(parse(template('t', '  description: "two\\nlines"\n  document: {}')).problems[0]).toMatchObject({ field: 'spec.description' });
  });

  it('refuse a template id declared twice, naming both places', () => {
    const text = [
      template('a', '  jobTemplateId: same\n  description: a\n  document: {}'),
      template('b', '  jobTemplateId: same\n  description: b\n  document: {}'),
    ].join('\n---\n');
    const { templates, problems } = parse(text);
    expect(templates).toEqual([]);
    expect(problems).toEqual([
      { file: 'jobs/a.yaml', line: 10, field: 'spec.jobTemplateId', message: 'job template id "same" is already declared by a (jobs/a.yaml:1)' },
    ]);
  });
});

describe('an IoTJob made from a template', () => {
  it('takes a template instead of a document: both is refused, as is neither', () => {
    const both = parse(job('fw', '  targets: [thing:t1]\n  document: {}\n  jobTemplateArn: template:x')).problems;
    expect(both).toEqual([
      {
        file: 'jobs/a.yaml',
        line: 5,
        field: 'spec',
        message: 'needs exactly one of document, documentSource, documentFile, documentConfigMap and jobTemplateArn',
      },
    ]);
  });

  it('takes documentParameters only with an AWS managed template, and a managed template only with its version', () => {
    const own = parse(job('fw', '  targets: [thing:t1]\n  jobTemplateArn: template:x\n  documentParameters: {downloadUrl: "https://x"}')).problems;
    expect(own).toEqual([
      {
        file: 'jobs/a.yaml',
        line: 8,
        field: 'spec.documentParameters',
        message:
          'documentParameters go only with an AWS managed template: set jobTemplateArn to managed:NAME:VERSION or arn:aws:iot:REGION::jobtemplate/NAME:VERSION',
      },
    ]);
    const managed = parse(
      job('fw', '  targets: [thing:t1]\n  jobTemplateArn: managed:AWS-Download-File:1.0\n  documentParameters: {downloadUrl: "https://x"}'),
    );
    expect(managed.problems).toEqual([]);
    const arn = parse(job('fw', '  targets: [thing:t1]\n  jobTemplateArn: "arn:aws:iot:us-east-1::jobtemplate/AWS-Reboot:1.0"\n  documentParameters: {a: b}'));
    expect(arn.problems).toEqual([]);
    const unversioned = parse(job('fw', '  targets: [thing:t1]\n  jobTemplateArn: managed:AWS-Download-File')).problems;
    expect(unversioned[0]).toMatchObject({ field: 'spec.jobTemplateArn', line: 7 });
  });

  it('checks package version ARNs and the namespace by the model', () => {
    const bad = parse(job('fw', '  targets: [thing:t1]\n  document: {}\n  destinationPackageVersions: [not-an-arn]\n  namespaceId: "a b"')).problems;
    expect(bad.map((p) => p.field)).toEqual(['spec.destinationPackageVersions[0]', 'spec.namespaceId']);
  });
});
