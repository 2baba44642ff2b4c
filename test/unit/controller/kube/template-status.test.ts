/**
 * An IoTJobTemplate's status (kube/template-status.ts statusOf): Ready written as an IoTJob's
 * condition is, keeping its transition time while its status stays, and the id and ARN kept.
 */
import { describe, expect, it } from 'vitest';
import { statusOf } from '../../../../controller/kube/template-status.js';
import type { TemplateReport } from '../../../../controller/model/iot-job-template.js';

const ARN = 'arn:aws:iot:us-east-1:123456789012:jobtemplate/ota';
const report = (over: Partial<TemplateReport> = {}): TemplateReport => ({
  key: 'ns/ota',
  jobTemplateId: 'ota',
  jobTemplateArn: ARN,
  ready: true,
  reason: 'Synced',
  message: 'created',
  generation: 2,
  ...over,
});

describe('statusOf', () => {
  it('keeps the Ready transition time while the status stays, and moves it when the status flips', () => {
    const first = statusOf(report(), undefined, 't1');
    expect(first).toEqual({
      observedGeneration: 2,
      jobTemplateId: 'ota',
      jobTemplateArn: ARN,
      conditions: [{ type: 'Ready', status: 'True', observedGeneration: 2, lastTransitionTime: 't1', reason: 'Synced', message: 'created' }],
    });
    expect(statusOf(report({ message: 'tags updated' }), first, 't2').conditions[0]!.lastTransitionTime).toBe('t1');
    const refused = statusOf(report({ ready: false, reason: 'ChangeRefused', message: 'document changed', jobTemplateArn: undefined }), first, 't3');
    expect(refused.conditions[0]).toMatchObject({ status: 'False', reason: 'ChangeRefused', lastTransitionTime: 't3' });
    expect(refused.jobTemplateArn).toBe(ARN);
  });

  it('an invalid object (no id) keeps the id written before; a message is cut to what a condition holds', () => {
    const before = statusOf(report(), undefined, 't1');
    const invalid = statusOf(report({ jobTemplateId: '', ready: false, reason: 'Invalid', message: 'x'.repeat(40_000) }), before, 't2');
    expect(invalid.jobTemplateId).toBe('ota');
    expect(invalid.conditions[0]!.message).toHaveLength(32_000);
  });
});
