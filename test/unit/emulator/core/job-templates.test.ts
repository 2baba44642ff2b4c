/**
 * The emulator's job templates (issue 14): a team's own (create, describe, list, delete, tags,
 * from a job's ARN), AWS's managed ones, CreateJob from either (the template's configuration under
 * the request's, parameters substituted in what devices and GetJobDocument get), and the refusals:
 * an id in use, an unknown template, parameters with a custom template or without a template, a
 * parameter the template does not declare or that breaks its regex, a required one missing.
 */
import { describe, expect, it } from 'vitest';
import { MANAGED_TEMPLATES } from '../../../../emulator/core/managed-templates.js';
import { errorCode, groupArn, Harness, thingArn } from '../../../helpers/service.js';

const OWN = 'arn:aws:iot:us-east-1:123456789012:jobtemplate/ota-base';
const DOWNLOAD = 'arn:aws:iot:us-east-1::jobtemplate/AWS-Download-File:1.0';

function withTemplate(): Harness {
  const h = new Harness();
  h.fleet('g', 2);
  h.call('CreateJobTemplate', {
    jobTemplateId: 'ota-base',
    description: 'OTA base',
    document: '{"op":"ota","v":1}',
    timeoutConfig: { inProgressTimeoutInMinutes: 30 },
    abortConfig: { criteriaList: [{ failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: 50, minNumberOfExecutedThings: 1 }] },
    tags: [{ Key: 'team', Value: 'ota' }],
  });
  return h;
}

describe("a team's own job templates", () => {
  it('are created, described, listed, tagged and deleted; an id in use is ConflictException', () => {
    const h = withTemplate();
    expect(h.call('DescribeJobTemplate', { jobTemplateId: 'ota-base' })).toMatchObject({
      jobTemplateArn: OWN,
      jobTemplateId: 'ota-base',
      description: 'OTA base',
      document: '{"op":"ota","v":1}',
      timeoutConfig: { inProgressTimeoutInMinutes: 30 },
      createdAt: expect.any(Number),
    });
    expect(h.call('ListJobTemplates')).toMatchObject({ jobTemplates: [{ jobTemplateArn: OWN, jobTemplateId: 'ota-base', description: 'OTA base' }] });
    expect(h.call('ListTagsForResource', { resourceArn: OWN })).toEqual({ tags: [{ Key: 'team', Value: 'ota' }] });
    expect(errorCode(() => h.call('CreateJobTemplate', { jobTemplateId: 'ota-base', description: 'again', document: '{}' }))).toBe('ConflictException');
    h.call('DeleteJobTemplate', { jobTemplateId: 'ota-base' });
    expect(errorCode(() => h.call('DescribeJobTemplate', { jobTemplateId: 'ota-base' }))).toBe('ResourceNotFoundException');
  });

  it('need a description and exactly one document, unless made from a job', () => {
    const h = withTemplate();
    expect(errorCode(() => h.call('CreateJobTemplate', { jobTemplateId: 't2', document: '{}' }))).toBe('InvalidRequestException');
    expect(errorCode(() => h.call('CreateJobTemplate', { jobTemplateId: 't2', description: 'd' }))).toBe('InvalidRequestException');
    h.createJob('j1', [groupArn('g')], { timeoutConfig: { inProgressTimeoutInMinutes: 5 } });
    h.call('CreateJobTemplate', { jobTemplateId: 'from-job', description: 'from j1', jobArn: 'arn:aws:iot:us-east-1:123456789012:job/j1' });
    expect(h.call('DescribeJobTemplate', { jobTemplateId: 'from-job' })).toMatchObject({
      document: '{"op":"update"}',
      timeoutConfig: { inProgressTimeoutInMinutes: 5 },
    });
  });

  it('give a job their document and configuration; what the request gives wins', () => {
    const h = withTemplate();
    h.createJob('j1', [groupArn('g')], { document: undefined, jobTemplateArn: OWN, timeoutConfig: { inProgressTimeoutInMinutes: 10 } });
    const job = h.job('j1');
    expect(job).toMatchObject({
      jobTemplateArn: OWN,
      timeoutConfig: { inProgressTimeoutInMinutes: 10 },
      abortConfig: { criteriaList: [{ thresholdPercentage: 50 }] },
    });
    expect(h.call('GetJobDocument', { jobId: 'j1' })).toEqual({ document: '{"op":"ota","v":1}' });
    expect(h.startNext('t-1')?.jobDocument).toBe('{"op":"ota","v":1}');
    // A later change to the template changes no job made from it.
    h.call('DeleteJobTemplate', { jobTemplateId: 'ota-base' });
    expect(h.call('GetJobDocument', { jobId: 'j1' })).toEqual({ document: '{"op":"ota","v":1}' });
  });

  it('refuse documentParameters, and an unknown template is ResourceNotFoundException', () => {
    const h = withTemplate();
    const params = { documentParameters: { a: 'b' } };
    expect(errorCode(() => h.createJob('j1', [thingArn('t-1')], { document: undefined, jobTemplateArn: OWN, ...params }))).toBe('InvalidRequestException');
    expect(errorCode(() => h.createJob('j2', [thingArn('t-1')], params))).toBe('InvalidRequestException');
    const missing = 'arn:aws:iot:us-east-1:123456789012:jobtemplate/nope';
    expect(errorCode(() => h.createJob('j3', [thingArn('t-1')], { document: undefined, jobTemplateArn: missing }))).toBe('ResourceNotFoundException');
  });
});

describe("AWS's managed job templates", () => {
  it('are listed and described with their documents and parameters', () => {
    const h = new Harness();
    const list = h.call('ListManagedJobTemplates') as { managedJobTemplates: { templateName: string; templateArn: string }[] };
    expect(list.managedJobTemplates.map((t) => t.templateName)).toEqual(expect.arrayContaining(['AWS-Download-File', 'AWS-Reboot', 'AWS-Install-Application']));
    expect(list.managedJobTemplates.length).toBe(MANAGED_TEMPLATES.length);
    const d = h.call('DescribeManagedJobTemplate', { templateName: 'AWS-Download-File' }) as Record<string, any>;
    expect(d.templateArn).toBe(DOWNLOAD);
    expect(d.documentParameters.map((p: { key: string }) => p.key)).toEqual(expect.arrayContaining(['downloadUrl', 'filePath']));
    expect(d.document).toContain('${aws:iot:parameter:downloadUrl}');
    expect(errorCode(() => h.call('DescribeManagedJobTemplate', { templateName: 'AWS-Nope' }))).toBe('ResourceNotFoundException');
  });

  it('make a job whose devices get the document with the parameters filled in; GetJobDocument beforeSubstitution keeps them', () => {
    const h = new Harness();
    h.fleet('g', 1);
    const params = { downloadUrl: 'https://example.com/fw.bin', filePath: '/tmp/fw.bin' };
    h.createJob('j1', [groupArn('g')], { document: undefined, jobTemplateArn: DOWNLOAD, documentParameters: params });
    expect(h.job('j1')).toMatchObject({ jobTemplateArn: DOWNLOAD, documentParameters: params });
    const doc = h.startNext('t-1')!.jobDocument as string;
    expect(doc).toContain('https://example.com/fw.bin');
    expect(doc).not.toContain('${aws:iot:parameter:');
    expect((h.call('GetJobDocument', { jobId: 'j1' }) as { document: string }).document).toContain('/tmp/fw.bin');
    expect((h.call('GetJobDocument', { jobId: 'j1', beforeSubstitution: true }) as { document: string }).document).toContain('${aws:iot:parameter:filePath}');
  });

  it('refuse a parameter they do not declare, a required one missing, and a value their regex refuses (runAsUser over 256)', () => {
    const h = new Harness();
    h.fleet('g', 1);
    const create = (documentParameters: Record<string, string>): string | undefined =>
      errorCode(() =>
        h.createJob(`j-${Object.keys(documentParameters).length}`, [groupArn('g')], { document: undefined, jobTemplateArn: DOWNLOAD, documentParameters }),
      );
    expect(create({ downloadUrl: 'https://x/y', filePath: '/tmp/a', bogus: 'x' })).toBe('InvalidRequestException');
    expect(create({ filePath: '/tmp/a' })).toBe('InvalidRequestException');
    expect(create({ downloadUrl: 'https://x/y', filePath: '/tmp/a', runAsUser: 'u'.repeat(257) })).toBe('InvalidRequestException');
  });

  it('fill an optional parameter left out with nothing', () => {
    const h = new Harness();
    h.fleet('g', 1);
    h.createJob('r', [groupArn('g')], { document: undefined, jobTemplateArn: 'arn:aws:iot:us-east-1::jobtemplate/AWS-Reboot:1.0' });
    expect(JSON.parse(h.startNext('t-1')!.jobDocument as string).steps[0].action).toMatchObject({ input: { handler: 'reboot.sh', path: '' }, runAsUser: '' });
  });
});

describe('destinationPackageVersions and namespaceId', () => {
  it('are stored as given; a package version must be a package version ARN, at most 25', () => {
    const h = new Harness();
    h.fleet('g', 1);
    const pkg = 'arn:aws:iot:us-east-1:123456789012:package/agent/version/2.0.0';
    h.createJob('j1', [groupArn('g')], { destinationPackageVersions: [pkg], namespaceId: 'gg' });
    expect(h.job('j1')).toMatchObject({ destinationPackageVersions: [pkg], namespaceId: 'gg' });
    expect((h.call('ListJobs', { namespaceId: 'gg' }) as { jobs: unknown[] }).jobs).toHaveLength(1);
    expect((h.call('ListJobs', { namespaceId: 'other' }) as { jobs: unknown[] }).jobs).toHaveLength(0);
    expect(errorCode(() => h.createJob('j2', [groupArn('g')], { destinationPackageVersions: ['arn:aws:iot:us-east-1:123456789012:thing/x'] }))).toBe(
      'InvalidRequestException',
    );
    expect(errorCode(() => h.createJob('j3', [groupArn('g')], { destinationPackageVersions: Array(26).fill(pkg) }))).toBe('InvalidRequestException');
  });
});
