import { describe, expect, it } from 'vitest';
import { errorCode, groupArn, Harness, thingArn } from '../../../helpers/service.js';

describe('CreateJob input limits', () => {
  const h = new Harness();
  h.fleet('g', 1);

  it.each([
    ['an empty jobId', ''],
    ['a jobId with a colon', 'bad:id'],
    ['a jobId of 65 characters', 'a'.repeat(65)],
  ])('refuses %s', (_label, jobId) => {
    expect(errorCode(() => h.createJob(jobId, [groupArn('g')]))).toBe('InvalidRequestException');
  });

  it('accepts a jobId of 64 characters', () => {
    h.createJob('a'.repeat(64), [groupArn('g')]);
    expect(h.job('a'.repeat(64)).jobId).toHaveLength(64);
  });

  it('accepts a document of exactly 32 KB and refuses one byte more', () => {
    const doc = (n: number): string => JSON.stringify({ pad: 'x'.repeat(n - 10) });
    expect(doc(32_768)).toHaveLength(32_768);
    h.call('CreateJob', { jobId: 'doc-ok', targets: [groupArn('g')], document: doc(32_768) });
    expect(errorCode(() => h.call('CreateJob', { jobId: 'doc-big', targets: [groupArn('g')], document: doc(32_769) }))).toBe('InvalidRequestException');
  });

  it('refuses a document that is not JSON, and both or neither of document and documentSource', () => {
    expect(errorCode(() => h.call('CreateJob', { jobId: 'x1', targets: [groupArn('g')], document: 'not json' }))).toBe('InvalidRequestException');
    expect(errorCode(() => h.call('CreateJob', { jobId: 'x2', targets: [groupArn('g')] }))).toBe('InvalidRequestException');
    expect(
      errorCode(() => h.call('CreateJob', { jobId: 'x3', targets: [groupArn('g')], document: '{}', documentSource: 'https://s3.amazonaws.com/b/k.json' })),
    ).toBe('InvalidRequestException');
  });

  it('allows 100 targets and refuses 101', () => {
    const targets = Array.from({ length: 101 }, (_, i) => thingArn(`many-${i}`));
    for (let i = 0; i < 101; i++) h.call('CreateThing', { thingName: `many-${i}` });
    h.call('CreateJob', { jobId: 't100', targets: targets.slice(0, 100), document: '{}' });
    expect(errorCode(() => h.call('CreateJob', { jobId: 't101', targets, document: '{}' }))).toBe('InvalidRequestException');
  });

  it('answers ResourceNotFoundException for an unknown thing or group, or another account', () => {
    expect(errorCode(() => h.createJob('nf1', [thingArn('ghost')]))).toBe('ResourceNotFoundException');
    expect(errorCode(() => h.createJob('nf2', [groupArn('ghosts')]))).toBe('ResourceNotFoundException');
    expect(errorCode(() => h.createJob('nf3', ['arn:aws:iot:us-east-1:999999999999:thing/t-1']))).toBe('ResourceNotFoundException');
    expect(errorCode(() => h.createJob('nf4', ['arn:aws:s3:::bucket']))).toBe('InvalidRequestException');
  });

  it('keeps documentSource and returns it as given, reading the object at creation', () => {
    const source = 'https://s3.us-east-1.amazonaws.com/firmware/v2/job.json';
    h.service.putS3Object(source, '{"op":"ota","v":2}');
    h.call('CreateJob', { jobId: 'src', targets: [groupArn('g')], documentSource: source });
    h.service.putS3Object(source, '{"op":"ota","v":3}');
    expect(h.call('DescribeJob', { jobId: 'src' })).toMatchObject({ documentSource: source });
    expect((h.call('GetJobDocument', { jobId: 'src' }) as { document: string }).document).toBe('{"op":"ota","v":2}');
    expect(errorCode(() => h.call('CreateJob', { jobId: 'src2', targets: [groupArn('g')], documentSource: 'https://s3.amazonaws.com/none/x.json' }))).toBe(
      'InvalidRequestException',
    );
  });

  it.each([
    ['maximumPerMinute 0', { jobExecutionsRolloutConfig: { maximumPerMinute: 0 } }],
    [
      'incrementFactor with two decimals',
      { jobExecutionsRolloutConfig: { exponentialRate: { baseRatePerMinute: 1, incrementFactor: 1.25, rateIncreaseCriteria: { numberOfNotifiedThings: 1 } } } },
    ],
    [
      'rateIncreaseCriteria with neither count',
      { jobExecutionsRolloutConfig: { exponentialRate: { baseRatePerMinute: 1, incrementFactor: 2, rateIncreaseCriteria: {} } } },
    ],
    [
      'an abort action other than CANCEL',
      { abortConfig: { criteriaList: [{ failureType: 'FAILED', action: 'PAUSE', thresholdPercentage: 1, minNumberOfExecutedThings: 1 }] } },
    ],
    [
      'an abort threshold above 100',
      { abortConfig: { criteriaList: [{ failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: 101, minNumberOfExecutedThings: 1 }] } },
    ],
    ['a timeout of 10081 minutes', { timeoutConfig: { inProgressTimeoutInMinutes: 10081 } }],
    ['11 retries', { jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'FAILED', numberOfRetries: 11 }] } }],
    ['a presigned expiry of 30 s', { presignedUrlConfig: { roleArn: 'arn:aws:iam::123456789012:role/r', expiresInSec: 30 } }],
    ['a description of 2029 characters', { description: 'd'.repeat(2029) }],
    // The model's pattern [^\p{C}]+ (regression: a newline was accepted, which AWS refuses).
    ['a description with a newline', { description: 'line one\nline two' }],
    ['a description with a zero-width joiner (category Cf)', { description: 'fw\u200d' }],
    ['a targetSelection of SOMETIMES', { targetSelection: 'SOMETIMES' }],
    ['a tag key of 129 characters', { tags: [{ Key: 'k'.repeat(129), Value: 'v' }] }],
  ])('refuses %s with InvalidRequestException', (_label, extra) => {
    expect(errorCode(() => h.createJob('bad-config', [groupArn('g')], extra))).toBe('InvalidRequestException');
  });

  it('refuses a duplicate jobId with ResourceAlreadyExistsException naming the existing job', () => {
    h.createJob('dup', [groupArn('g')]);
    let extra: Record<string, unknown> = {};
    try {
      h.createJob('dup', [groupArn('g')]);
    } catch (err) {
      extra = (err as { extra: Record<string, unknown> }).extra;
    }
    expect(extra).toEqual({ resourceId: 'dup', resourceArn: 'arn:aws:iot:us-east-1:123456789012:job/dup' });
  });
});

describe('tags', () => {
  it('are set at creation and changed with TagResource and UntagResource, on job ARNs', () => {
    const h = new Harness();
    h.fleet('g', 1);
    h.createJob('j', [groupArn('g')], { tags: [{ Key: 'managed-by', Value: 'ctl-1' }] });
    const arn = h.job('j').jobArn as string;
    h.call('TagResource', { resourceArn: arn, tags: [{ Key: 'team', Value: 'ota' }] });
    h.call('UntagResource', { resourceArn: arn, tagKeys: ['managed-by'] });
    expect(h.call('ListTagsForResource', { resourceArn: arn })).toEqual({ tags: [{ Key: 'team', Value: 'ota' }] });
    expect(errorCode(() => h.call('ListTagsForResource', { resourceArn: 'arn:aws:iot:us-east-1:123456789012:job/none' }))).toBe('ResourceNotFoundException');
    expect(errorCode(() => h.call('TagResource', { resourceArn: 'not-an-arn', tags: [] }))).toBe('InvalidRequestException');
  });
});

describe('ListJobs filters', () => {
  it('filter by status, targetSelection and thingGroupName, combined', () => {
    const h = new Harness();
    h.fleet('g', 1);
    h.fleet('h', 1, 'other');
    h.createJob('a', [groupArn('g')]);
    h.createJob('b', [groupArn('h')], { targetSelection: 'CONTINUOUS' });
    h.createJob('c', [groupArn('g')]);
    h.call('CancelJob', { jobId: 'c' });
    const ids = (input: Record<string, unknown>): string[] => (h.call('ListJobs', input) as { jobs: { jobId: string }[] }).jobs.map((j) => j.jobId);
    expect(ids({})).toEqual(['a', 'b', 'c']);
    expect(ids({ status: 'CANCELED' })).toEqual(['c']);
    expect(ids({ targetSelection: 'CONTINUOUS' })).toEqual(['b']);
    expect(ids({ thingGroupName: 'g' })).toEqual(['a', 'c']);
    expect(ids({ thingGroupName: 'g', status: 'IN_PROGRESS' })).toEqual(['a']);
    expect(errorCode(() => ids({ status: 'SUCCEEDED' }))).toBe('InvalidRequestException');
  });
});
