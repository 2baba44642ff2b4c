import { describe, expect, it } from 'vitest';
import { errorCode, groupArn, Harness, MINUTE, thingArn } from '../../../helpers/service.js';

describe('jobs data plane', () => {
  it('lists pending executions, IN_PROGRESS and QUEUED, oldest first', () => {
    const h = new Harness();
    h.fleet('g', 1);
    h.createJob('a', [thingArn('t-1')]);
    h.advance(1000);
    h.createJob('b', [thingArn('t-1')]);
    h.advance(1000);
    h.createJob('c', [thingArn('t-1')]);
    h.call('UpdateJobExecution', { thingName: 't-1', jobId: 'b', status: 'IN_PROGRESS' });
    const p = h.call('GetPendingJobExecutions', { thingName: 't-1' }) as { inProgressJobs: { jobId: string }[]; queuedJobs: { jobId: string }[] };
    expect(p.inProgressJobs.map((e) => e.jobId)).toEqual(['b']);
    expect(p.queuedJobs.map((e) => e.jobId)).toEqual(['a', 'c']);
  });

  it('StartNext resumes an IN_PROGRESS execution before starting the oldest QUEUED one, and returns nothing when idle', () => {
    const h = new Harness();
    h.fleet('g', 1);
    h.createJob('a', [thingArn('t-1')]);
    h.advance(1000);
    h.createJob('b', [thingArn('t-1')]);
    const first = h.startNext('t-1', { statusDetails: { step: 'download' } })!;
    expect(first).toMatchObject({ jobId: 'a', status: 'IN_PROGRESS', versionNumber: 2, executionNumber: 1, jobDocument: '{"op":"update"}' });
    expect(first.statusDetails).toEqual({ step: 'download' });
    expect(h.startNext('t-1', { statusDetails: { step: 'ignored' } })).toMatchObject({ jobId: 'a', statusDetails: { step: 'download' } });
    h.report('t-1', 'a', 'SUCCEEDED');
    expect(h.startNext('t-1')?.jobId).toBe('b');
    h.report('t-1', 'b', 'SUCCEEDED');
    expect(h.startNext('t-1')).toBeUndefined();
  });

  it('DescribeJobExecution $next peeks without starting; a terminal execution is TerminalStateException', () => {
    const h = new Harness();
    h.fleet('g', 1);
    h.createJob('a', [thingArn('t-1')]);
    const peek = h.call('DescribeDeviceJobExecution', { thingName: 't-1', jobId: '$next' }) as { execution: Record<string, unknown> };
    expect(peek.execution).toMatchObject({ jobId: 'a', status: 'QUEUED', jobDocument: '{"op":"update"}' });
    const noDoc = h.call('DescribeDeviceJobExecution', { thingName: 't-1', jobId: 'a', includeJobDocument: false }) as { execution: Record<string, unknown> };
    expect(noDoc.execution.jobDocument).toBeUndefined();
    h.finish('t-1', 'SUCCEEDED');
    expect(errorCode(() => h.call('DescribeDeviceJobExecution', { thingName: 't-1', jobId: 'a' }))).toBe('TerminalStateException');
    expect(h.call('DescribeDeviceJobExecution', { thingName: 't-1', jobId: '$next' })).toEqual({});
  });

  it('UpdateJobExecution increments versionNumber, honours expectedVersion and keeps statusDetails when omitted', () => {
    const h = new Harness();
    h.fleet('g', 1);
    h.createJob('a', [thingArn('t-1')]);
    const r1 = h.report('t-1', 'a', 'IN_PROGRESS', { statusDetails: { progress: '10%' }, expectedVersion: 1 });
    expect(r1.executionState).toEqual({ status: 'IN_PROGRESS', statusDetails: { progress: '10%' }, versionNumber: 2 });
    expect(errorCode(() => h.report('t-1', 'a', 'IN_PROGRESS', { expectedVersion: 1 }))).toBe('InvalidRequestException');
    const r2 = h.report('t-1', 'a', 'IN_PROGRESS', { expectedVersion: 2 });
    expect(r2.executionState).toEqual({ status: 'IN_PROGRESS', statusDetails: { progress: '10%' }, versionNumber: 3 });
    expect(h.execution('a', 't-1').statusDetails).toEqual({ detailsMap: { progress: '10%' } });
  });

  it('lets devices set only IN_PROGRESS, SUCCEEDED, FAILED and REJECTED, and requires status', () => {
    const h = new Harness();
    h.fleet('g', 1);
    h.createJob('a', [thingArn('t-1')]);
    expect(errorCode(() => h.report('t-1', 'a', 'CANCELED'))).toBe('InvalidRequestException');
    expect(errorCode(() => h.report('t-1', 'a', 'TIMED_OUT'))).toBe('InvalidRequestException');
    expect(errorCode(() => h.call('UpdateJobExecution', { thingName: 't-1', jobId: 'a' }))).toBe('InvalidRequestException');
    h.report('t-1', 'a', 'FAILED');
    expect(h.execution('a', 't-1').status).toBe('FAILED');
  });

  it('refuses a presigned-URL placeholder without presignedUrlConfig.roleArn, an unterminated placeholder, more than 10, and a role ARN that is no IAM role', () => {
    const h = new Harness();
    h.fleet('g', 1);
    const role = { roleArn: 'arn:aws:iam::123456789012:role/presign' };
    const presign = (n: number): string =>
      JSON.stringify({ urls: [...Array(n).keys()].map((i) => `\${aws:iot:s3-presigned-url:https://s3.amazonaws.com/b/${i}}`) });
    const refusal = (extra: Record<string, unknown>): string => {
      try {
        h.createJob(`bad-${Math.random()}`.replace('.', ''), [thingArn('t-1')], extra);
        return 'accepted';
      } catch (err) {
        return `${(err as { code: string }).code}: ${(err as Error).message}`;
      }
    };
    // Regression: accepted, and devices were handed a signed URL AWS would never have made.
    expect(refusal({ document: presign(1) })).toMatch(/^InvalidRequestException: .*needs presignedUrlConfig\.roleArn$/);
    expect(refusal({ document: presign(1), presignedUrlConfig: { expiresInSec: 600 } })).toMatch(/needs presignedUrlConfig\.roleArn/);
    expect(refusal({ document: JSON.stringify({ url: '${aws:iot:s3-presigned-url:https://s3.amazonaws.com/b/k' }), presignedUrlConfig: role })).toMatch(
      /^InvalidRequestException: document has an unterminated placeholder at character 8/,
    );
    expect(refusal({ document: presign(10), presignedUrlConfig: role })).toBe('accepted');
    expect(refusal({ document: presign(11), presignedUrlConfig: role })).toMatch(/11 placeholders; at most 10 substitutions/);
    expect(refusal({ document: presign(1), presignedUrlConfig: { roleArn: 'arn:aws:s3:::bucket/some-object' } })).toMatch(
      /^InvalidRequestException: presignedUrlConfig.roleArn arn:aws:s3:::bucket\/some-object is not the ARN of an IAM role$/,
    );
    expect(refusal({ document: presign(1), presignedUrlConfig: { roleArn: 'arn:aws-us-gov:iam::123456789012:role/ota/presign' } })).toBe('accepted');
  });

  it('substitutes presigned-URL placeholders for devices only', () => {
    const h = new Harness();
    h.fleet('g', 1);
    const document = JSON.stringify({ url: '${aws:iot:s3-presigned-url:https://s3.amazonaws.com/bucket/fw.bin}' });
    h.createJob('a', [thingArn('t-1')], { document, presignedUrlConfig: { roleArn: 'arn:aws:iam::123456789012:role/presign', expiresInSec: 600 } });
    expect((h.call('GetJobDocument', { jobId: 'a' }) as { document: string }).document).toBe(document);
    const seen = JSON.parse(h.startNext('t-1')!.jobDocument as string) as { url: string };
    expect(seen.url).toMatch(/^https:\/\/s3\.amazonaws\.com\/bucket\/fw\.bin\?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=600&/);
  });

  it('reports whole-second timestamps on the data plane and fractional seconds on the control plane', () => {
    const h = new Harness();
    h.fleet('g', 1);
    h.advance(1234);
    h.createJob('a', [thingArn('t-1')]);
    const exec = h.startNext('t-1')!;
    expect(Number.isInteger(exec.queuedAt)).toBe(true);
    expect(h.job('a').createdAt).toBe(h.clock.now() / 1000);
    expect(Number.isInteger(h.job('a').createdAt)).toBe(false);
  });
});

describe('control-plane execution operations', () => {
  it('CancelJobExecution: QUEUED always, IN_PROGRESS only with force, terminal never; expectedVersion is checked', () => {
    const h = new Harness();
    h.fleet('g', 3);
    h.createJob('j', [groupArn('g')]);
    h.call('CancelJobExecution', { jobId: 'j', thingName: 't-1' });
    expect(h.execution('j', 't-1').status).toBe('CANCELED');
    h.startNext('t-2');
    expect(errorCode(() => h.call('CancelJobExecution', { jobId: 'j', thingName: 't-2' }))).toBe('InvalidStateTransitionException');
    expect(errorCode(() => h.call('CancelJobExecution', { jobId: 'j', thingName: 't-2', force: true, expectedVersion: 1 }))).toBe('VersionConflictException');
    h.call('CancelJobExecution', { jobId: 'j', thingName: 't-2', force: true, expectedVersion: 2, statusDetails: { why: 'operator' } });
    expect(h.execution('j', 't-2')).toMatchObject({ status: 'CANCELED', forceCanceled: true, statusDetails: { detailsMap: { why: 'operator' } } });
    expect(errorCode(() => h.call('CancelJobExecution', { jobId: 'j', thingName: 't-1' }))).toBe('InvalidStateTransitionException');
  });

  it('DeleteJobExecution: IN_PROGRESS needs force; the execution and its counts are gone', () => {
    const h = new Harness();
    h.fleet('g', 2);
    h.createJob('j', [groupArn('g')]);
    h.startNext('t-1');
    expect(errorCode(() => h.call('DeleteJobExecution', { jobId: 'j', thingName: 't-1', executionNumber: 1 }))).toBe('InvalidStateTransitionException');
    h.call('DeleteJobExecution', { jobId: 'j', thingName: 't-1', executionNumber: 1, force: true });
    expect(errorCode(() => h.execution('j', 't-1'))).toBe('ResourceNotFoundException');
    expect(h.counts('j').numberOfInProgressThings).toBe(0);
    expect(errorCode(() => h.call('DeleteJobExecution', { jobId: 'j', thingName: 't-2', executionNumber: 7 }))).toBe('ResourceNotFoundException');
    h.call('DeleteJobExecution', { jobId: 'j', thingName: 't-2', executionNumber: 1 });
    expect(h.job('j').status).toBe('COMPLETED');
  });

  it('ListJobExecutionsForThing filters by status and job', () => {
    const h = new Harness();
    h.fleet('g', 1);
    h.createJob('a', [thingArn('t-1')]);
    h.createJob('b', [thingArn('t-1')]);
    h.finish('t-1', 'SUCCEEDED');
    const all = h.call('ListJobExecutionsForThing', { thingName: 't-1' }) as { executionSummaries: { jobId: string }[] };
    expect(all.executionSummaries.map((e) => e.jobId)).toEqual(['a', 'b']);
    const queued = h.call('ListJobExecutionsForThing', { thingName: 't-1', status: 'QUEUED' }) as { executionSummaries: { jobId: string }[] };
    expect(queued.executionSummaries.map((e) => e.jobId)).toEqual(['b']);
    const onlyA = h.call('ListJobExecutionsForThing', { thingName: 't-1', jobId: 'a' }) as { executionSummaries: { jobId: string }[] };
    expect(onlyA.executionSummaries.map((e) => e.jobId)).toEqual(['a']);
    h.advance(MINUTE);
  });
});
