/**
 * A job that sets every field the controller sends to AWS, on both sides: the desired job as a
 * manifest declares it and the DescribeJob answer AWS gives for it. Shared by the pinned-output
 * tests of the mappers and the normaliser.
 */
import type { DescribeJobCommandOutput } from '@aws-sdk/client-iot';
import type { DesiredJob } from '../../controller/model/iot-job.js';
import { aDesired } from './builders.js';

const ROLE = 'arn:aws:iam::123456789012:role/ota';

/** Every updatable field, set to a value other than its default. */
export const UPDATABLE_SPEC = {
  description: 'firmware 2.1',
  presignedUrlConfig: { roleArn: ROLE, expiresInSec: 1800 },
  jobExecutionsRolloutConfig: {
    maximumPerMinute: 50,
    exponentialRate: { baseRatePerMinute: 5, incrementFactor: 1.5, rateIncreaseCriteria: { numberOfSucceededThings: 10 } },
  },
  abortConfig: { criteriaList: [{ failureType: 'FAILED' as const, action: 'CANCEL' as const, thresholdPercentage: 20, minNumberOfExecutedThings: 5 }] },
  timeoutConfig: { inProgressTimeoutInMinutes: 30 },
  jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'TIMED_OUT' as const, numberOfRetries: 2 }] },
};

/** The fields the full job leaves out: the template, its parameters, package versions and namespace (template-job tests set them). */
export const UNSET_FIXED = { jobTemplateArn: undefined, documentParameters: undefined, destinationPackageVersions: undefined, namespaceId: undefined };

/** The scheduling configuration of the full job. */
export const SCHEDULING = {
  startTime: '2030-01-01T00:00',
  endTime: '2030-01-02T00:00',
  endBehavior: 'CANCEL' as const,
  maintenanceWindows: [{ startTime: 'cron(0 0 * * ? *)', durationInMinutes: 60 }],
};

/** A desired job with every field set; a target repeats and the document's keys are unsorted. */
export function fullDesired(): DesiredJob {
  return aDesired({
    ...UPDATABLE_SPEC,
    targets: ['thingGroup:fleet', 'thing:t1', 'arn:aws:iot:us-east-1:123456789012:thing/t2', 'thing:t1'],
    document: { z: 1, a: { c: [1, 2], b: 'x' } },
    targetSelection: 'CONTINUOUS',
    schedulingConfig: SCHEDULING,
    tags: { team: 'ota', env: 'prod' },
    deletionPolicy: 'Delete',
  });
}

/** DescribeJob's answer for the full job, with every field and count set. */
export function fullDescribe(): DescribeJobCommandOutput {
  return {
    $metadata: {},
    documentSource: undefined,
    job: {
      ...UPDATABLE_SPEC,
      jobId: 'fw',
      jobArn: 'arn:aws:iot:us-east-1:123456789012:job/fw',
      status: 'IN_PROGRESS',
      targets: [
        'arn:aws:iot:us-east-1:123456789012:thing/t2',
        'arn:aws:iot:us-east-1:123456789012:thinggroup/fleet',
        'arn:aws:iot:us-east-1:123456789012:thing/t1',
      ],
      targetSelection: 'CONTINUOUS',
      schedulingConfig: SCHEDULING,
      forceCanceled: false,
      reasonCode: 'R',
      comment: 'C',
      createdAt: new Date(1_000),
      lastUpdatedAt: new Date(2_000),
      completedAt: new Date(3_000),
      jobProcessDetails: {
        numberOfQueuedThings: 1,
        numberOfInProgressThings: 2,
        numberOfSucceededThings: 3,
        numberOfFailedThings: 4,
        numberOfTimedOutThings: 5,
        numberOfRejectedThings: 6,
        numberOfRemovedThings: 7,
        numberOfCanceledThings: 8,
      },
    },
  };
}
