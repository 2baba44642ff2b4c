/**
 * What the template sync does about one job template (plan/template-plan.ts): create what is
 * missing, leave a matching one alone, refuse or recreate a changed one by replacePolicy, never
 * touch one it does not own, and remove an owned one whose manifest is gone by the recorded policy.
 */
import { describe, expect, it } from 'vitest';
import type { DesiredTemplate, ObservedTemplate } from '../../../../controller/model/iot-job-template.js';
import { DELETION_POLICY, MANAGED_BY, SOURCE_KEY } from '../../../../controller/plan/ownership.js';
import { planRemoval, planTemplate, templateDiff, templateTags } from '../../../../controller/plan/template-plan.js';

const CTL = 'ctl-test';
const ARN = 'arn:aws:iot:us-east-1:123456789012:jobtemplate/ota-base';

function desired(spec: Partial<DesiredTemplate['spec']> = {}): DesiredTemplate {
  return {
    key: 'ota-base',
    jobTemplateId: 'ota-base',
    spec: { description: 'OTA base', document: { op: 'ota' }, ...spec },
    document: '{"op":"ota"}',
    origin: { file: 'templates.yaml', doc: 0, line: 1 },
  };
}

/** What AWS reports for the template `desired()` declares, created by this controller. */
function observed(over: Partial<ObservedTemplate> = {}): ObservedTemplate {
  return {
    jobTemplateId: 'ota-base',
    jobTemplateArn: ARN,
    description: 'OTA base',
    document: '{ "op": "ota" }',
    tags: templateTags(desired(), CTL),
    ...over,
  };
}

describe('planTemplate', () => {
  it('creates a missing template with the ownership tags over the manifest tags', () => {
    const a = planTemplate(desired({ tags: { team: 'ota', [MANAGED_BY]: 'forged' } }), undefined, CTL);
    expect(a).toEqual({
      kind: 'create',
      tags: { team: 'ota', [MANAGED_BY]: CTL, [SOURCE_KEY]: 'ota-base', [DELETION_POLICY]: 'Delete' },
    });
  });

  it('leaves a matching template alone, comparing documents by content and AWS defaults as absent', () => {
    const d = desired({ presignedUrlConfig: { roleArn: 'arn:aws:iam::123456789012:role/r', expiresInSec: 3600 } });
    const o = observed({ presignedUrlConfig: { roleArn: 'arn:aws:iam::123456789012:role/r' }, jobExecutionsRolloutConfig: { maximumPerMinute: 1000 } });
    expect(planTemplate(d, o, CTL)).toEqual({ kind: 'none' });
  });

  it('refuses a change by default, naming the fields; recreates it under replacePolicy Recreate', () => {
    const changed = desired({ description: 'OTA base v2', timeoutConfig: { inProgressTimeoutInMinutes: 30 } });
    expect(planTemplate(changed, observed(), CTL)).toEqual({ kind: 'refuse', fields: ['description', 'timeoutConfig'] });
    const recreate = planTemplate({ ...changed, spec: { ...changed.spec, replacePolicy: 'Recreate' } }, observed(), CTL);
    expect(recreate).toMatchObject({ kind: 'recreate', fields: ['description', 'timeoutConfig'] });
  });

  it('changes tags in place, only the ones the manifest declares', () => {
    const o = observed({ tags: { ...templateTags(desired(), CTL), other: 'kept' } });
    expect(planTemplate(desired({ tags: { team: 'ota' } }), o, CTL)).toEqual({ kind: 'tag', tags: { team: 'ota' } });
  });

  it("never touches a template it does not own, whoever's it is", () => {
    expect(planTemplate(desired(), observed({ tags: {} }), CTL)).toEqual({ kind: 'conflict', owner: undefined });
    expect(planTemplate(desired(), observed({ tags: { [MANAGED_BY]: 'staging' } }), CTL)).toEqual({ kind: 'conflict', owner: 'staging' });
  });

  it('compares a documentSource by its URL, not by the text AWS read from it', () => {
    const d = {
      ...desired({ documentSource: 'https://b.s3.amazonaws.com/doc.json' }),
      document: undefined,
      documentSource: 'https://b.s3.amazonaws.com/doc.json',
    };
    const o = observed({ documentSource: 'https://b.s3.amazonaws.com/doc.json', document: '{"read":"from s3"}' });
    expect(templateDiff(d, o)).toEqual([]);
    expect(templateDiff(d, observed())).toEqual(['document', 'documentSource']);
  });
});

describe('planRemoval', () => {
  it('deletes an owned template by default, orphans it (ownership tags off) under Orphan, and leaves anyone else alone', () => {
    expect(planRemoval(observed(), CTL)).toEqual({ kind: 'delete' });
    expect(planRemoval(observed({ tags: { ...templateTags(desired({ deletionPolicy: 'Orphan' }), CTL) } }), CTL)).toEqual({
      kind: 'orphan',
      keys: [MANAGED_BY, SOURCE_KEY, DELETION_POLICY],
    });
    expect(planRemoval(observed({ tags: { [MANAGED_BY]: 'staging' } }), CTL)).toEqual({ kind: 'none' });
    expect(planRemoval(observed({ tags: {} }), CTL)).toEqual({ kind: 'none' });
  });
});
