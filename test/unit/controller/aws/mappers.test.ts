/**
 * Pins what the mappers send and read, captured before the field descriptors replaced the
 * hand-written mappers (issue 10 item 2): the CreateJob and UpdateJob inputs and the bytes the real
 * SDK puts on the wire for them, and the ObservedJob read from DescribeJob. A change here changes
 * requests that reach AWS.
 */
import { CreateJobCommand, IoTClient, UpdateJobCommand } from '@aws-sdk/client-iot';
import { describe, expect, it } from 'vitest';
import { fromDescribeJob, fromSummary, toCreateJob, toUpdateJob } from '../../../../controller/aws/mappers.js';
import { fieldsOf } from '../../../../controller/plan/fields.js';
import { aDesired, CONTROLLER, PARTITION } from '../../../helpers/builders.js';
import { fullDescribe, fullDesired, SCHEDULING, UNSET_FIXED, UPDATABLE_SPEC } from '../../../helpers/job-fixtures.js';

const ARN = 'arn:aws:iot:us-east-1:123456789012';
const TARGETS = [`${ARN}:thinggroup/fleet`, `${ARN}:thing/t1`, `${ARN}:thing/t2`];
const TAGS = [
  { Key: 'team', Value: 'ota' },
  { Key: 'env', Value: 'prod' },
  { Key: 'iot-jobs-controller/managed-by', Value: 'ctl-test' },
  { Key: 'iot-jobs-controller/source-key', Value: 'fw' },
  { Key: 'iot-jobs-controller/deletion-policy', Value: 'Delete' },
];

/** The method, path, query and body of each request the real SDK client would send; nothing is sent. */
async function wire(...commands: (CreateJobCommand | UpdateJobCommand)[]): Promise<string[]> {
  const sent: string[] = [];
  const requestHandler = {
    handle: async (req: { method: string; path: string; query?: Record<string, string>; body?: unknown }) => {
      const query = new URLSearchParams(req.query ?? {}).toString();
      const body = typeof req.body === 'string' ? req.body : new TextDecoder().decode(req.body as Uint8Array);
      sent.push(`${req.method} ${req.path}${query ? `?${query}` : ''} ${body}`);
      throw new Error('captured, not sent');
    },
  };
  const client = new IoTClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1, requestHandler });
  for (const c of commands) await client.send(c as CreateJobCommand).catch(() => undefined);
  return sent;
}

describe('toCreateJob', () => {
  it('maps every field of a full-featured job: targets resolved and deduplicated, document as given, ownership tags after the manifest tags', () => {
    expect(toCreateJob(fullDesired(), 'fw-r2', PARTITION, CONTROLLER)).toStrictEqual({
      jobId: 'fw-r2',
      targets: TARGETS,
      document: '{"z":1,"a":{"c":[1,2],"b":"x"}}',
      documentSource: undefined,
      targetSelection: 'CONTINUOUS',
      ...UPDATABLE_SPEC,
      schedulingConfig: SCHEDULING,
      ...UNSET_FIXED,
      tags: TAGS,
    });
  });

  it('sends a documentSource instead of a document, and leaves unset fields undefined', () => {
    expect(toCreateJob(aDesired({ documentSource: 'https://b/doc.json' }), 'fw', PARTITION, CONTROLLER)).toStrictEqual({
      jobId: 'fw',
      targets: [`${ARN}:thinggroup/fleet`],
      document: undefined,
      documentSource: 'https://b/doc.json',
      description: undefined,
      targetSelection: undefined,
      presignedUrlConfig: undefined,
      jobExecutionsRolloutConfig: undefined,
      abortConfig: undefined,
      timeoutConfig: undefined,
      jobExecutionsRetryConfig: undefined,
      schedulingConfig: undefined,
      ...UNSET_FIXED,
      tags: TAGS.slice(2, 4).concat({ Key: 'iot-jobs-controller/deletion-policy', Value: 'Cancel' }),
    });
  });
});

describe('toUpdateJob', () => {
  it('sets exactly the named updatable fields to their desired values', () => {
    expect(toUpdateJob(fullDesired(), 'fw', fieldsOf('update'))).toStrictEqual({ jobId: 'fw', ...UPDATABLE_SPEC });
    expect(toUpdateJob(fullDesired(), 'fw', ['timeoutConfig'])).toStrictEqual({ jobId: 'fw', timeoutConfig: UPDATABLE_SPEC.timeoutConfig });
  });

  it('clears a removed description with the empty string (UpdateJob leaves an absent member alone) and an unset config as undefined', () => {
    expect(toUpdateJob(aDesired(), 'fw', ['description', 'abortConfig'])).toStrictEqual({ jobId: 'fw', description: '', abortConfig: undefined });
  });
});

describe('the bytes on the wire', () => {
  it('are the ones captured before the descriptor table, for CreateJob and UpdateJob', async () => {
    const full = fullDesired();
    const sent = await wire(
      new CreateJobCommand(toCreateJob(full, 'fw-r2', PARTITION, CONTROLLER)),
      new UpdateJobCommand(toUpdateJob(full, 'fw-r2', fieldsOf('update'))),
      new UpdateJobCommand(toUpdateJob(aDesired({ documentSource: 'https://x' }), 'fw', ['description', 'timeoutConfig'])),
    );
    expect(sent).toEqual([
      'PUT /jobs/fw-r2 {"targets":["arn:aws:iot:us-east-1:123456789012:thinggroup/fleet","arn:aws:iot:us-east-1:123456789012:thing/t1","arn:aws:iot:us-east-1:123456789012:thing/t2"],"document":"{\\"z\\":1,\\"a\\":{\\"c\\":[1,2],\\"b\\":\\"x\\"}}","description":"firmware 2.1","presignedUrlConfig":{"roleArn":"arn:aws:iam::123456789012:role/ota","expiresInSec":1800},"targetSelection":"CONTINUOUS","jobExecutionsRolloutConfig":{"maximumPerMinute":50,"exponentialRate":{"baseRatePerMinute":5,"incrementFactor":1.5,"rateIncreaseCriteria":{"numberOfSucceededThings":10}}},"abortConfig":{"criteriaList":[{"failureType":"FAILED","action":"CANCEL","thresholdPercentage":20,"minNumberOfExecutedThings":5}]},"timeoutConfig":{"inProgressTimeoutInMinutes":30},"tags":[{"Key":"team","Value":"ota"},{"Key":"env","Value":"prod"},{"Key":"iot-jobs-controller/managed-by","Value":"ctl-test"},{"Key":"iot-jobs-controller/source-key","Value":"fw"},{"Key":"iot-jobs-controller/deletion-policy","Value":"Delete"}],"jobExecutionsRetryConfig":{"criteriaList":[{"failureType":"TIMED_OUT","numberOfRetries":2}]},"schedulingConfig":{"startTime":"2030-01-01T00:00","endTime":"2030-01-02T00:00","endBehavior":"CANCEL","maintenanceWindows":[{"startTime":"cron(0 0 * * ? *)","durationInMinutes":60}]}}',
      'PATCH /jobs/fw-r2 {"description":"firmware 2.1","presignedUrlConfig":{"roleArn":"arn:aws:iam::123456789012:role/ota","expiresInSec":1800},"jobExecutionsRolloutConfig":{"maximumPerMinute":50,"exponentialRate":{"baseRatePerMinute":5,"incrementFactor":1.5,"rateIncreaseCriteria":{"numberOfSucceededThings":10}}},"abortConfig":{"criteriaList":[{"failureType":"FAILED","action":"CANCEL","thresholdPercentage":20,"minNumberOfExecutedThings":5}]},"timeoutConfig":{"inProgressTimeoutInMinutes":30},"jobExecutionsRetryConfig":{"criteriaList":[{"failureType":"TIMED_OUT","numberOfRetries":2}]}}',
      'PATCH /jobs/fw {"description":""}',
    ]);
  });
});

describe('fromDescribeJob', () => {
  it('reads every field, the counts and the times of a full DescribeJob answer; document and tags are left to the caller', () => {
    expect(fromDescribeJob(fullDescribe())).toStrictEqual({
      jobId: 'fw',
      jobArn: `${ARN}:job/fw`,
      status: 'IN_PROGRESS',
      targets: [`${ARN}:thing/t2`, `${ARN}:thinggroup/fleet`, `${ARN}:thing/t1`],
      targetSelection: 'CONTINUOUS',
      documentSource: undefined,
      ...UPDATABLE_SPEC,
      schedulingConfig: SCHEDULING,
      ...UNSET_FIXED,
      forceCanceled: false,
      reasonCode: 'R',
      comment: 'C',
      createdAt: 1_000,
      lastUpdatedAt: 2_000,
      completedAt: 3_000,
      tags: {},
      counts: { QUEUED: 1, IN_PROGRESS: 2, SUCCEEDED: 3, FAILED: 4, TIMED_OUT: 5, REJECTED: 6, REMOVED: 7, CANCELED: 8 },
    });
  });

  it('defaults what a sparse answer leaves out: no targets, SNAPSHOT selection, zero counts', () => {
    const o = fromDescribeJob({ $metadata: {}, documentSource: 's3://b/k', job: { jobId: 'j', jobArn: `${ARN}:job/j`, status: 'COMPLETED' } });
    expect([o.targets, o.targetSelection, o.documentSource, o.description, o.counts.QUEUED, o.createdAt]).toEqual([
      [],
      'SNAPSHOT',
      's3://b/k',
      undefined,
      0,
      undefined,
    ]);
  });
});

describe('fromSummary', () => {
  it('keeps the id, ARN, status and times in epoch milliseconds', () => {
    expect(fromSummary({ jobId: 'j', jobArn: 'a', status: 'CANCELED', lastUpdatedAt: new Date(5), completedAt: new Date(6) })).toStrictEqual({
      jobId: 'j',
      jobArn: 'a',
      status: 'CANCELED',
      lastUpdatedAt: 5,
      completedAt: 6,
    });
  });
});
