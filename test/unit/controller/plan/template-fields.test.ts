/**
 * Jobs made from a job template (issue 14): the short forms of jobTemplateArn resolve in the
 * controller's partition, CreateJob carries the template and no document, and the fields such a
 * job takes from its template are not compared, so a template's document or abort config is not
 * drift. Fields the manifest does give are compared as on any job.
 */
import { describe, expect, it } from 'vitest';
import { toCreateJob } from '../../../../controller/aws/mappers.js';
import type { DesiredJob, IoTJobSpec } from '../../../../controller/model/iot-job.js';
import { templateArn } from '../../../../controller/plan/canonical.js';
import { diffJob } from '../../../../controller/plan/diff.js';
import { desiredShape, observedShape } from '../../../../controller/plan/normalize.js';
import { anObserved, CONTROLLER, FLEET_ARN, PARTITION } from '../../../helpers/builders.js';

/** A desired job made from a template: no document of its own. */
function fromTemplate(spec: Partial<IoTJobSpec>): DesiredJob {
  return { key: 'fw', jobId: 'fw', spec: { targets: ['thingGroup:fleet'], ...spec }, origin: { file: 'fw.yaml', doc: 0, line: 1 } };
}

const MANAGED = 'arn:aws:iot:us-east-1::jobtemplate/AWS-Download-File:1.0';
const PARAMS = { downloadUrl: 'https://example.com/fw.bin', filePath: '/tmp/fw.bin' };

describe('templateArn', () => {
  it('resolves template:ID in the account and region, managed:NAME:VERSION without an account, and keeps an ARN', () => {
    expect(templateArn('template:ota-base', PARTITION)).toBe('arn:aws:iot:us-east-1:123456789012:jobtemplate/ota-base');
    expect(templateArn('managed:AWS-Download-File:1.0', PARTITION)).toBe(MANAGED);
    expect(templateArn(MANAGED, PARTITION)).toBe(MANAGED);
  });
});

describe('a job made from a template', () => {
  it('is created with the resolved template ARN, its parameters, package versions and namespace, and no document', () => {
    const pkg = 'arn:aws:iot:us-east-1:123456789012:package/agent/version/2.0.0';
    const d = fromTemplate({
      jobTemplateArn: 'managed:AWS-Download-File:1.0',
      documentParameters: PARAMS,
      destinationPackageVersions: [pkg],
      namespaceId: 'gg',
    });
    const input = toCreateJob(d, 'fw', PARTITION, CONTROLLER);
    expect([input.jobTemplateArn, input.documentParameters, input.destinationPackageVersions, input.namespaceId]).toEqual([MANAGED, PARAMS, [pkg], 'gg']);
    expect([input.document, input.documentSource]).toEqual([undefined, undefined]);
  });

  it("does not count the template's document and configuration as drift", () => {
    const d = fromTemplate({ jobTemplateArn: 'template:ota-base' });
    const observed = anObserved('IN_PROGRESS', {
      jobTemplateArn: 'arn:aws:iot:us-east-1:123456789012:jobtemplate/ota-base',
      document: '{"from":"template"}',
      abortConfig: { criteriaList: [{ failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: 10, minNumberOfExecutedThings: 5 }] },
      schedulingConfig: { maintenanceWindows: [{ startTime: 'cron(0 2 ? * SUN *)', durationInMinutes: 60 }] },
      description: 'from the template',
    });
    expect(diffJob(desiredShape(d, PARTITION, CONTROLLER), observedShape(observed)).fields).toEqual([]);
  });

  it('compares the fields the manifest gives, and the template itself', () => {
    const d = fromTemplate({ jobTemplateArn: 'template:ota-v2', timeoutConfig: { inProgressTimeoutInMinutes: 30 } });
    const observed = anObserved('IN_PROGRESS', {
      jobTemplateArn: 'arn:aws:iot:us-east-1:123456789012:jobtemplate/ota-base',
      timeoutConfig: { inProgressTimeoutInMinutes: 60 },
      targets: [FLEET_ARN],
    });
    expect(diffJob(desiredShape(d, PARTITION, CONTROLLER), observedShape(observed)).fields).toEqual(['timeoutConfig', 'jobTemplateArn']);
  });

  it('on a job without a template, a documentParameters or namespace AWS reports is drift', () => {
    const d: DesiredJob = { ...fromTemplate({ document: { op: 'ota' } }), document: '{"op":"ota"}' };
    const observed = anObserved('IN_PROGRESS', { namespaceId: 'gg' });
    expect(diffJob(desiredShape(d, PARTITION, CONTROLLER), observedShape(observed)).fields).toEqual(['namespaceId']);
  });
});
