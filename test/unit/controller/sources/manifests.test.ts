import { describe, expect, it } from 'vitest';
import { compileManifestValidator } from '../../../../controller/sources/crd-schema.js';
import { parseManifests, type ParseContext } from '../../../../controller/sources/manifests.js';

const validate = compileManifestValidator();
const ctx: ParseContext = { validate, readDocumentFile: (_m, f) => (f === 'doc.json' ? { text: '{"op":"file"}' } : { error: `${f} does not exist` }) };

/** A manifest of this kind as YAML text. */
const manifestOf =
  (kind: string) =>
  (name: string, spec: string): string => `apiVersion: iot.gitops.dev/v1alpha1
kind: ${kind}
metadata:
  name: ${name}
spec:
${spec}`;
const job = manifestOf('IoTJob');
const template = manifestOf('IoTJobTemplate');

const parse = (text: string, path = 'jobs/a.yaml') => parseManifests([{ path, text }], ctx);

describe('parseManifests', () => {
  it('reads several documents from one file, defaulting jobId to metadata.name and serialising object documents', () => {
    const text = [
      job('fw-one', '  targets: [thingGroup:fleet]\n  document: {op: ota, url: "${aws:iot:s3-presigned-url:https://s3.amazonaws.com/b/k}"}'),
      job('fw-two', '  jobId: FwTwo_v2\n  targets: ["arn:aws:iot:us-east-1:123456789012:thing/t1"]\n  document: \'{"op":"x"}\''),
      '',
    ].join('\n---\n');
    const { jobs, problems } = parse(text);
    expect(problems).toEqual([]);
    expect(jobs.map((j) => [j.key, j.jobId, j.document])).toEqual([
      ['fw-one', 'fw-one', '{"op":"ota","url":"${aws:iot:s3-presigned-url:https://s3.amazonaws.com/b/k}"}'],
      ['fw-two', 'FwTwo_v2', '{"op":"x"}'],
    ]);
    expect(jobs[1]!.origin).toEqual({ file: 'jobs/a.yaml', doc: 1, line: 9 });
  });

  it('names the file and line of a YAML syntax error', () => {
    const { jobs, problems } = parse(job('bad', '  targets: [thing:t1\n  document: {}'));
    expect(jobs).toEqual([]);
    expect(problems[0]).toMatchObject({ file: 'jobs/a.yaml', line: expect.any(Number) });
    expect(problems[0]!.message).toMatch(/YAML syntax error/);
  });

  it('refuses an unknown field, naming it and its line', () => {
    const { problems } = parse(job('x', '  targets: [thing:t1]\n  document: {}\n  rolloutConfig: {}'));
    expect(problems).toEqual([{ file: 'jobs/a.yaml', line: 8, field: 'spec.rolloutConfig', message: 'is not a known field' }]);
  });

  it('refuses an unknown nested field and a typo in metadata', () => {
    const text = job(
      'x',
      '  targets: [thing:t1]\n  document: {}\n  abortConfig:\n    criteriaList:\n      - failureType: FAILED\n        action: CANCEL\n        thresholdPercentage: 10\n        minNumberOfExecutedThings: 5\n        treshold: 3',
    ).replace('  name: x', '  name: x\n  lables: {a: b}');
    const fields = parse(text)
      .problems.map((p) => p.field)
      .sort();
    expect(fields).toEqual(['metadata.lables', 'spec.abortConfig.criteriaList[0].treshold']);
  });

  it('reports schema violations with the field and allowed values', () => {
    const { problems } = parse(
      job('x', '  targets: [thing:t1]\n  document: {}\n  targetSelection: SOMETIMES\n  timeoutConfig: {inProgressTimeoutInMinutes: 99999}'),
    );
    expect(problems).toEqual([
      { file: 'jobs/a.yaml', line: 8, field: 'spec.targetSelection', message: 'must be one of SNAPSHOT, CONTINUOUS' },
      { file: 'jobs/a.yaml', line: 9, field: 'spec.timeoutConfig.inProgressTimeoutInMinutes', message: 'must be <= 10080' },
    ]);
  });

  it('needs exactly one of document, documentSource and documentFile', () => {
    expect(parse(job('x', '  targets: [thing:t1]')).problems).toEqual([
      {
        file: 'jobs/a.yaml',
        line: 5,
        field: 'spec',
        message: 'needs exactly one of document, documentSource, documentFile, documentConfigMap and jobTemplateArn',
      },
    ]);
    expect(parse(job('x', '  targets: [thing:t1]\n  document: {}\n  documentSource: https://s3.amazonaws.com/b/k')).problems.map((p) => p.message)).toEqual([
      'needs exactly one of document, documentSource, documentFile, documentConfigMap and jobTemplateArn',
    ]);
  });

  it('refuses a wrong apiVersion or kind, a missing name and bad targets', () => {
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {}\nspec:\n  targets: [device7]\n  document: {}\n`;
    const fields = parse(text).problems.map((p) => p.field);
    expect(fields).toEqual(expect.arrayContaining(['apiVersion', 'kind', 'metadata.name', 'spec.targets[0]']));
  });

  it('refuses a document that is a list, not JSON, or over 32 KB', () => {
    expect(parse(job('x', '  targets: [thing:t1]\n  document: [1, 2]')).problems[0]).toMatchObject({
      field: 'spec.document',
      message: 'must be an object or a string',
    });
    expect(parse(job('x', '  targets: [thing:t1]\n  document: "not json"')).problems[0]).toMatchObject({
      field: 'spec.document',
      message: 'the job document is not valid JSON',
    });
    const big = job('x', `  targets: [thing:t1]\n  document: {pad: "${'x'.repeat(33_000)}"}`);
    expect(parse(big).problems[0]).toMatchObject({ field: 'spec.document', message: expect.stringMatching(/AWS accepts at most 32768/) });
  });

  it('reads documentFile through the source and reports what it says is wrong', () => {
    expect(parse(job('x', '  targets: [thing:t1]\n  documentFile: doc.json')).jobs[0]!.document).toBe('{"op":"file"}');
    expect(parse(job('x', '  targets: [thing:t1]\n  documentFile: ../../etc/passwd')).problems[0]).toMatchObject({
      field: 'spec.documentFile',
      message: '../../etc/passwd does not exist',
      line: 7,
    });
  });

  it('refuses a name that is not a Kubernetes name; a dot in a name becomes an underscore in its default jobId, and claims it', () => {
    expect(parse(job('fw v2', '  targets: [thing:t1]\n  document: {}')).problems[0]).toMatchObject({ field: 'metadata.name', line: 4 });
    expect(parse(job('fw.v2', '  targets: [thing:t1]\n  document: {}')).jobs[0]).toMatchObject({ key: 'fw.v2', jobId: 'fw_v2' });
    const a = { path: 'a.yaml', text: job('fw.v2', '  targets: [thing:t1]\n  document: {}') };
    const b = { path: 'b.yaml', text: job('other', '  jobId: fw_v2\n  targets: [thing:t1]\n  document: {}') };
    expect(parseManifests([a, b], ctx).problems[0]).toMatchObject({ message: 'jobId "fw_v2" is also claimed by a.yaml:1' });
  });

  it("refuses a description with a newline, as AWS's model and the CRD do", () => {
    const problems = parse(job('fw', '  targets: [thing:t1]\n  document: {}\n  description: "line one\\nline two"')).problems;
    expect(problems[0]).toMatchObject({ field: 'spec.description', line: 8 });
    expect(parse(job('fw', '  targets: [thing:t1]\n  document: {}\n  description: "Mise à jour 🚀"')).problems).toEqual([]);
  });

  it('fails the whole snapshot when two manifests claim one jobId, naming both places', () => {
    const a = { path: 'a.yaml', text: job('one', '  jobId: same\n  targets: [thing:t1]\n  document: {}') };
    const b = { path: 'b.yaml', text: job('two', '  jobId: same\n  targets: [thing:t1]\n  document: {}') };
    const r = parseManifests([a, b], ctx);
    expect(r.jobs).toEqual([]);
    expect(r.problems).toEqual([{ file: 'b.yaml', line: 1, field: 'spec.jobId', message: 'jobId "same" is also claimed by a.yaml:1' }]);
  });

  it("accepts manifests whose jobIds only look like each other's replacements: ids are skipped when taken, and tags tell the jobs apart", () => {
    const files = ['pp', 'pp-r2', 'pp-r2-r3'].map((n) => ({ path: `${n}.yaml`, text: job(n, '  targets: [thing:t1]\n  document: {}') }));
    const r = parseManifests(files, ctx);
    expect(r.problems).toEqual([]);
    expect(r.jobs.map((j) => j.jobId)).toEqual(['pp', 'pp-r2', 'pp-r2-r3']);
  });

  it('a single bad document fails the snapshot, so no job of it is returned', () => {
    const r = parseManifests(
      [
        { path: 'good.yaml', text: job('good', '  targets: [thing:t1]\n  document: {}') },
        { path: 'bad.yaml', text: job('bad', '  targets: []\n  document: {}') },
      ],
      ctx,
    );
    expect(r.jobs).toEqual([]);
    expect(r.problems).toEqual([{ file: 'bad.yaml', line: 6, field: 'spec.targets', message: 'must NOT have fewer than 1 items' }]);
  });

  it('skips empty documents beside a job and refuses duplicate keys', () => {
    expect(parse(`---\n${job('x', '  targets: [thing:t1]\n  document: {}')}\n---\n`).jobs.map((j) => j.key)).toEqual(['x']);
    expect(parse(job('x', '  targets: [thing:t1]\n  document: {}\n  document: {}')).problems[0]!.message).toMatch(/YAML syntax error/);
  });
});

// Issue 9: bad input must be a located problem, never an exception, a silent drop or a removal.
describe('bad input in one file', () => {
  const good = '  targets: [thing:t1]\n  document: {}';

  it('reports one YAML syntax mistake once, at its own line (regression: listed twice, at line 1)', () => {
    expect(parse('a: b\n c: d\n').problems).toEqual([
      { file: 'jobs/a.yaml', line: 1, message: 'YAML syntax error: Nested mappings are not allowed in compact mappings' },
    ]);
    expect(parse(job('x', '  targets: [thing:t1]\n   document: {}')).problems).toEqual([
      { file: 'jobs/a.yaml', line: 7, message: 'YAML syntax error: All mapping items must start at the same column' },
    ]);
  });

  it('refuses a YAML warning such as an unknown tag, as a warning at its line (regression: dropped, the value sent as if untagged)', () => {
    expect(parse(job('x', '  targets: [thing:t1]\n  document: !foo {}')).problems).toEqual([
      { file: 'jobs/a.yaml', line: 7, severity: 'warning', message: 'YAML warning: Unresolved tag: !foo' },
    ]);
  });

  it('makes an alias bomb a problem at its document (regression: toJS threw out of the parser)', () => {
    const names = 'abcdefghij'.split('');
    const lines = names.map((n, i) =>
      i === 0
        ? `  ${n}: &${n} [x, x, x, x, x, x, x, x, x]`
        : `  ${n}: &${n} [${Array(9)
            .fill(`*${names[i - 1]}`)
            .join(', ')}]`,
    );
    const r = parse(job('x', `${good}\n  description: bomb\n  x-bomb:\n${lines.map((l) => `  ${l}`).join('\n')}`));
    expect(r.problems).toEqual([{ file: 'jobs/a.yaml', line: 1, message: expect.stringMatching(/^the document cannot be read: .*alias/) }]);
  });

  it('makes an alias with no anchor a problem, not an exception', () => {
    expect(parse(job('x', `${good}\n  description: *nowhere`)).problems).toEqual([
      { file: 'jobs/a.yaml', line: 1, message: expect.stringMatching(/^the document cannot be read: Unresolved alias/) },
    ]);
  });

  it('refuses nesting deeper than 64 levels at the line where it goes too deep, and accepts 64', () => {
    const nested = (levels: number): string => job('x', `  targets: [thing:t1]\n  document:\n    a: ${'['.repeat(levels - 3)}${']'.repeat(levels - 3)}`);
    expect(parse(nested(64)).problems).toEqual([]);
    expect(parse(nested(65)).problems).toEqual([{ file: 'jobs/a.yaml', line: 8, message: 'the manifest nests deeper than 64 levels' }]);
    expect(parse(nested(5000)).problems).toHaveLength(1);
  });

  it.each([
    ['empty', ''],
    ['whitespace', '  \n\n'],
    ['comments', '# nothing here\n'],
    ['a document marker', '---\n'],
    ['empty documents', '---\n...\n---\n'],
  ])('refuses a file that holds no IoTJob (%s) instead of removing its jobs (regression: an emptied file canceled its rollout)', (_what, text) => {
    expect(parse(text).problems).toEqual([{ file: 'jobs/a.yaml', message: 'the file holds no IoTJob or IoTJobTemplate; delete the file to remove its jobs' }]);
  });
});

/*
 * IoTJobTemplate manifests in directory mode (issue 14): read beside IoTJobs, validated against
 * crds/iotjobtemplate.yaml (structure and CEL rules), their problems named by file, line and field
 * like an IoTJob's, and a template id declared twice refuses the snapshot. An IoTJob may name a
 * template instead of a document, and documentParameters only with a managed one.
 */
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
