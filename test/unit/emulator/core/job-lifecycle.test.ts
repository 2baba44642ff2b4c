import { describe, expect, it } from 'vitest';
import { errorCode, groupArn, Harness, MINUTE, thingArn } from '../../../helpers/service.js';

describe('job status', () => {
  it('starts IN_PROGRESS without a schedule and never reports SUCCEEDED', () => {
    const h = new Harness();
    h.fleet('g', 2);
    h.createJob('j1', [groupArn('g')]);
    expect(h.job('j1').status).toBe('IN_PROGRESS');
    h.finish('t-1', 'SUCCEEDED');
    h.finish('t-2', 'SUCCEEDED');
    expect(h.job('j1').status).toBe('COMPLETED');
    expect(h.job('j1').completedAt).toBeTypeOf('number');
  });

  it('SNAPSHOT completes when every execution is terminal, whatever the outcome', () => {
    const h = new Harness();
    h.fleet('g', 4);
    h.createJob('j1', [groupArn('g')]);
    h.finish('t-1', 'SUCCEEDED');
    h.finish('t-2', 'FAILED');
    h.finish('t-3', 'REJECTED');
    expect(h.job('j1').status).toBe('IN_PROGRESS');
    h.call('CancelJobExecution', { jobId: 'j1', thingName: 't-4' });
    const job = h.job('j1');
    expect(job.status).toBe('COMPLETED');
    expect(job.jobProcessDetails).toMatchObject({
      numberOfSucceededThings: 1,
      numberOfFailedThings: 1,
      numberOfRejectedThings: 1,
      numberOfCanceledThings: 1,
      numberOfQueuedThings: 0,
      numberOfInProgressThings: 0,
    });
  });

  it('a SNAPSHOT job keeps the membership resolved at rollout', () => {
    const h = new Harness();
    h.fleet('g', 2);
    h.createJob('j1', [groupArn('g')]);
    h.fleet('g', 3, 'late');
    expect(h.counts('j1').numberOfQueuedThings).toBe(2);
  });

  it('expands a thing group target to its members and its child groups members, once each', () => {
    const h = new Harness();
    h.fleet('parent', 2, 'p');
    h.call('CreateThingGroup', { thingGroupName: 'child', parentGroupName: 'parent' });
    h.fleet('child', 2, 'c');
    h.call('AddThingToThingGroup', { thingGroupName: 'child', thingName: 'p-1' });
    h.createJob('j1', [groupArn('parent'), thingArn('c-1')]);
    const page = h.call('ListJobExecutionsForJob', { jobId: 'j1' }) as { executionSummaries: { thingArn: string }[] };
    expect(page.executionSummaries.map((e) => e.thingArn).sort()).toEqual(['c-1', 'c-2', 'p-1', 'p-2'].map(thingArn));
  });

  it('a job with a schedule waits SCHEDULED until its startTime, then rolls out', () => {
    const h = new Harness();
    h.fleet('g', 1);
    const start = new Date(h.clock.now() + 60 * MINUTE).toISOString().slice(0, 16);
    h.createJob('j1', [groupArn('g')], { schedulingConfig: { startTime: start } });
    expect(h.job('j1').status).toBe('SCHEDULED');
    expect(h.counts('j1').numberOfQueuedThings).toBe(0);
    h.advance(60 * MINUTE);
    expect(h.job('j1').status).toBe('IN_PROGRESS');
    expect(h.counts('j1').numberOfQueuedThings).toBe(1);
  });

  it('refuses a startTime less than 30 minutes ahead', () => {
    const h = new Harness();
    h.fleet('g', 1);
    const start = new Date(h.clock.now() + 10 * MINUTE).toISOString().slice(0, 16);
    expect(errorCode(() => h.createJob('j1', [groupArn('g')], { schedulingConfig: { startTime: start } }))).toBe('InvalidRequestException');
  });
});

describe('CONTINUOUS jobs', () => {
  it('never complete without an endTime, and pick up things added to the group later', () => {
    const h = new Harness();
    h.fleet('g', 1);
    h.createJob('c1', [groupArn('g')], { targetSelection: 'CONTINUOUS' });
    h.finish('t-1', 'SUCCEEDED');
    h.advance(24 * 60 * MINUTE);
    expect(h.job('c1').status).toBe('IN_PROGRESS');
    h.fleet('g', 1, 'late');
    expect(h.counts('c1').numberOfQueuedThings).toBe(1);
    expect(h.startNext('late-1')?.jobId).toBe('c1');
  });

  it('mark a pending execution REMOVED when its thing leaves the group, and re-queue it with a new executionNumber when it rejoins', () => {
    const h = new Harness();
    h.fleet('g', 1);
    h.createJob('c1', [groupArn('g')], { targetSelection: 'CONTINUOUS' });
    h.call('RemoveThingFromThingGroup', { thingGroupName: 'g', thingName: 't-1' });
    expect(h.execution('c1', 't-1').status).toBe('REMOVED');
    h.call('AddThingToThingGroup', { thingGroupName: 'g', thingName: 't-1' });
    const exec = h.execution('c1', 't-1');
    expect(exec.status).toBe('QUEUED');
    expect(exec.executionNumber).toBe(2);
  });

  it('complete after their endTime once every execution is terminal', () => {
    const h = new Harness();
    h.fleet('g', 1);
    const end = new Date(h.clock.now() + 40 * MINUTE).toISOString().slice(0, 16);
    h.createJob('c1', [groupArn('g')], { targetSelection: 'CONTINUOUS', schedulingConfig: { endTime: end } });
    h.startNext('t-1');
    h.advance(41 * MINUTE);
    expect(h.job('c1').status).toBe('IN_PROGRESS');
    h.report('t-1', 'c1', 'SUCCEEDED');
    expect(h.job('c1').status).toBe('COMPLETED');
  });

  it('accept AssociateTargetsWithJob, which SNAPSHOT jobs refuse', () => {
    const h = new Harness();
    h.fleet('g', 1);
    h.fleet('h', 1, 'other');
    h.createJob('c1', [groupArn('g')], { targetSelection: 'CONTINUOUS' });
    h.createJob('s1', [groupArn('g')]);
    h.call('AssociateTargetsWithJob', { jobId: 'c1', targets: [groupArn('h')] });
    expect(h.job('c1').targets).toEqual([groupArn('g'), groupArn('h')]);
    expect(h.execution('c1', 'other-1').status).toBe('QUEUED');
    expect(errorCode(() => h.call('AssociateTargetsWithJob', { jobId: 's1', targets: [groupArn('h')] }))).toBe('InvalidRequestException');
  });
});

describe('CancelJob', () => {
  it('cancels QUEUED executions, leaves IN_PROGRESS ones alone without force, and records reasonCode and comment', () => {
    const h = new Harness();
    h.fleet('g', 3);
    h.createJob('j1', [groupArn('g')]);
    h.startNext('t-1');
    h.finish('t-2', 'SUCCEEDED');
    h.call('CancelJob', { jobId: 'j1', reasonCode: 'BAD_BUILD', comment: 'rolled back' });
    const job = h.job('j1');
    expect(job).toMatchObject({ status: 'CANCELED', reasonCode: 'BAD_BUILD', comment: 'rolled back' });
    expect(job.forceCanceled).toBeUndefined();
    expect(h.execution('j1', 't-1').status).toBe('IN_PROGRESS');
    expect(h.execution('j1', 't-2').status).toBe('SUCCEEDED');
    expect(h.execution('j1', 't-3').status).toBe('CANCELED');
  });

  it('with force cancels IN_PROGRESS executions too, and marks job and execution forceCanceled', () => {
    const h = new Harness();
    h.fleet('g', 1);
    h.createJob('j1', [groupArn('g')]);
    h.startNext('t-1');
    h.call('CancelJob', { jobId: 'j1', force: true });
    expect(h.job('j1').forceCanceled).toBe(true);
    const exec = h.execution('j1', 't-1');
    expect(exec).toMatchObject({ status: 'CANCELED', forceCanceled: true });
    expect(errorCode(() => h.report('t-1', 'j1', 'SUCCEEDED'))).toBe('InvalidStateTransitionException');
  });

  it('may force-cancel a job canceled without force, but refuses a second plain cancel and a completed job', () => {
    const h = new Harness();
    h.fleet('g', 1);
    h.createJob('j1', [groupArn('g')]);
    h.startNext('t-1');
    h.call('CancelJob', { jobId: 'j1' });
    expect(errorCode(() => h.call('CancelJob', { jobId: 'j1' }))).toBe('InvalidRequestException');
    h.call('CancelJob', { jobId: 'j1', force: true });
    expect(h.execution('j1', 't-1').status).toBe('CANCELED');
    h.createJob('j2', [thingArn('t-1')]);
    h.finish('t-1', 'SUCCEEDED');
    expect(errorCode(() => h.call('CancelJob', { jobId: 'j2' }))).toBe('InvalidRequestException');
  });

  it('rejects a reasonCode that is not upper-case letters, digits and underscores', () => {
    const h = new Harness();
    h.fleet('g', 1);
    h.createJob('j1', [groupArn('g')]);
    expect(errorCode(() => h.call('CancelJob', { jobId: 'j1', reasonCode: 'bad code' }))).toBe('InvalidRequestException');
  });
});

describe('DeleteJob', () => {
  it('needs force for an IN_PROGRESS job', () => {
    const h = new Harness();
    h.fleet('g', 1);
    h.createJob('j1', [groupArn('g')]);
    expect(errorCode(() => h.call('DeleteJob', { jobId: 'j1' }))).toBe('InvalidStateTransitionException');
    h.call('DeleteJob', { jobId: 'j1', force: true });
    expect(h.job('j1').status).toBe('DELETION_IN_PROGRESS');
  });

  it('passes through DELETION_IN_PROGRESS for the configured time; the id is reusable only after that', () => {
    const h = new Harness({ deletionBaseMs: 30_000 });
    h.fleet('g', 1);
    h.createJob('j1', [groupArn('g')]);
    h.call('CancelJob', { jobId: 'j1' });
    h.call('DeleteJob', { jobId: 'j1' });
    expect(h.job('j1').status).toBe('DELETION_IN_PROGRESS');
    expect(errorCode(() => h.createJob('j1', [groupArn('g')]))).toBe('ResourceAlreadyExistsException');
    expect(errorCode(() => h.call('DeleteJob', { jobId: 'j1' }))).toBe('InvalidStateTransitionException');
    expect(errorCode(() => h.call('CancelJob', { jobId: 'j1' }))).toBe('InvalidRequestException');
    h.advance(29_999);
    expect(h.job('j1').status).toBe('DELETION_IN_PROGRESS');
    h.advance(1);
    expect(errorCode(() => h.job('j1'))).toBe('ResourceNotFoundException');
    h.createJob('j1', [groupArn('g')]);
    expect(h.job('j1').status).toBe('IN_PROGRESS');
  });

  it('hides a job being deleted from its devices', () => {
    const h = new Harness();
    h.fleet('g', 1);
    h.createJob('j1', [groupArn('g')]);
    h.call('DeleteJob', { jobId: 'j1', force: true });
    expect(h.startNext('t-1')).toBeUndefined();
    expect(errorCode(() => h.report('t-1', 'j1', 'SUCCEEDED'))).toBe('ResourceNotFoundException');
  });

  it('refuses an 11th concurrent deletion with LimitExceededException', () => {
    const h = new Harness();
    h.fleet('g', 1);
    for (let i = 0; i < 11; i++) h.createJob(`j${i}`, [groupArn('g')]);
    for (let i = 0; i < 10; i++) h.call('DeleteJob', { jobId: `j${i}`, force: true });
    expect(errorCode(() => h.call('DeleteJob', { jobId: 'j10', force: true }))).toBe('LimitExceededException');
    h.advance(30_000);
    h.call('DeleteJob', { jobId: 'j10', force: true });
    expect(h.job('j10').status).toBe('DELETION_IN_PROGRESS');
  });
});

describe('UpdateJob', () => {
  it('changes the mutable fields and nothing else', () => {
    const h = new Harness();
    h.fleet('g', 1);
    h.createJob('j1', [groupArn('g')], { description: 'v1' });
    const abortConfig = { criteriaList: [{ failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: 50, minNumberOfExecutedThings: 2 }] };
    h.call('UpdateJob', { jobId: 'j1', description: 'v2', abortConfig, targets: [thingArn('x')], document: '{"changed":true}' });
    const job = h.job('j1');
    expect(job.description).toBe('v2');
    expect(job.abortConfig).toEqual(abortConfig);
    expect(job.targets).toEqual([groupArn('g')]);
    expect((h.call('GetJobDocument', { jobId: 'j1' }) as { document: string }).document).toBe('{"op":"update"}');
  });

  it('can only set retries to 0, and refuses a terminal job', () => {
    const h = new Harness();
    h.fleet('g', 1);
    h.createJob('j1', [groupArn('g')], { jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'FAILED', numberOfRetries: 3 }] } });
    expect(
      errorCode(() => h.call('UpdateJob', { jobId: 'j1', jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'FAILED', numberOfRetries: 5 }] } })),
    ).toBe('InvalidRequestException');
    h.call('UpdateJob', { jobId: 'j1', jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'FAILED', numberOfRetries: 0 }] } });
    h.call('CancelJob', { jobId: 'j1' });
    expect(errorCode(() => h.call('UpdateJob', { jobId: 'j1', description: 'late' }))).toBe('InvalidRequestException');
  });
});
