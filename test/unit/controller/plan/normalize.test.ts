/**
 * Pins the comparable shapes of both sides, captured before the field descriptors replaced the
 * hand-written desiredShape and observedShape (issue 10 item 2): what the planner compares decides
 * every update and replace.
 */
import { describe, expect, it } from 'vitest';
import { fromDescribeJob } from '../../../../controller/aws/mappers.js';
import { desiredShape, observedShape } from '../../../../controller/plan/normalize.js';
import { diffJob } from '../../../../controller/plan/diff.js';
import { aDesired, anObserved, CONTROLLER, FLEET_ARN, PARTITION } from '../../../helpers/builders.js';
import { fullDescribe, fullDesired, SCHEDULING, UNSET_FIXED, UPDATABLE_SPEC } from '../../../helpers/job-fixtures.js';

const ARN = 'arn:aws:iot:us-east-1:123456789012';
const TAGS = {
  team: 'ota',
  env: 'prod',
  'iot-jobs-controller/managed-by': 'ctl-test',
  'iot-jobs-controller/source-key': 'fw',
  'iot-jobs-controller/deletion-policy': 'Delete',
};

/** The shape both sides of the full job come to. */
const FULL_SHAPE = {
  ...UPDATABLE_SPEC,
  document: '{"a":{"b":"x","c":[1,2]},"z":1}',
  documentSource: undefined,
  targets: [`${ARN}:thing/t1`, `${ARN}:thing/t2`, `${ARN}:thinggroup/fleet`],
  targetSelection: 'CONTINUOUS',
  schedulingConfig: SCHEDULING,
  ...UNSET_FIXED,
  tags: TAGS,
};

describe('desiredShape', () => {
  it('brings a full-featured job to sorted target ARNs, canonical document JSON and the tags with ownership tags', () => {
    expect(desiredShape(fullDesired(), PARTITION, CONTROLLER)).toStrictEqual(FULL_SHAPE);
  });

  it('fills AWS defaults and drops empty objects, so the omitted and the explicit default compare equal', () => {
    const s = desiredShape(
      aDesired({ presignedUrlConfig: { roleArn: 'r' }, jobExecutionsRolloutConfig: { maximumPerMinute: 1000 }, timeoutConfig: {}, description: '' }),
      PARTITION,
      CONTROLLER,
    );
    expect([s.presignedUrlConfig, s.jobExecutionsRolloutConfig, s.timeoutConfig, s.targetSelection, s.description]).toEqual([
      { roleArn: 'r', expiresInSec: 3600 },
      undefined,
      undefined,
      'SNAPSHOT',
      '',
    ]);
  });
});

describe('observedShape', () => {
  it('reads the full job back to the same shape as the desired side', () => {
    const observed = { ...fromDescribeJob(fullDescribe()), document: '{"z":1,"a":{"b":"x","c":[1,2]}}', tags: TAGS };
    expect(observedShape(observed)).toStrictEqual(FULL_SHAPE);
    expect(diffJob(desiredShape(fullDesired(), PARTITION, CONTROLLER), observedShape(observed)).fields).toEqual([]);
  });

  it('leaves the document out when the job has a documentSource, and keeps each target once', () => {
    const s = observedShape(anObserved('IN_PROGRESS', { documentSource: 's3://b/k', document: 'stale', targets: [FLEET_ARN, FLEET_ARN] }));
    expect([s.document, s.documentSource, s.targets]).toEqual([undefined, 's3://b/k', [FLEET_ARN]]);
  });

  it('keeps a non-JSON document as its text', () => {
    expect(observedShape(anObserved('IN_PROGRESS', { document: 'not { json' })).document).toBe('not { json');
  });
});
