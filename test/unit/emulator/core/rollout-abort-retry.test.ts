import { describe, expect, it } from 'vitest';
import { errorCode, groupArn, Harness, MINUTE } from '../../../helpers/service.js';

describe('rollout', () => {
  it('queues at most maximumPerMinute executions each minute', () => {
    const h = new Harness();
    h.fleet('g', 25);
    h.createJob('j1', [groupArn('g')], { jobExecutionsRolloutConfig: { maximumPerMinute: 10 } });
    expect(h.counts('j1').numberOfQueuedThings).toBe(10);
    expect(h.job('j1').jobProcessDetails.processingTargets).toEqual([groupArn('g')]);
    expect(h.job('j1').isConcurrent).toBe(true);
    h.advance(MINUTE - 1);
    expect(h.counts('j1').numberOfQueuedThings).toBe(10);
    h.advance(1);
    expect(h.counts('j1').numberOfQueuedThings).toBe(20);
    h.advance(MINUTE);
    expect(h.counts('j1').numberOfQueuedThings).toBe(25);
    expect(h.job('j1').jobProcessDetails.processingTargets).toBeUndefined();
    expect(h.job('j1').isConcurrent).toBe(false);
  });

  it('raises an exponential rate by incrementFactor each time the notified criterion is met, up to maximumPerMinute', () => {
    const h = new Harness();
    h.fleet('g', 100);
    h.createJob('j1', [groupArn('g')], {
      jobExecutionsRolloutConfig: {
        maximumPerMinute: 15,
        exponentialRate: { baseRatePerMinute: 5, incrementFactor: 2, rateIncreaseCriteria: { numberOfNotifiedThings: 5 } },
      },
    });
    const queued: number[] = [h.counts('j1').numberOfQueuedThings!];
    for (let i = 0; i < 3; i++) {
      h.advance(MINUTE);
      queued.push(h.counts('j1').numberOfQueuedThings!);
    }
    // 5, then 10 (5 notified met the first step), then 15 (capped at maximumPerMinute), then 15.
    expect(queued).toEqual([5, 15, 30, 45]);
  });

  it('raises the rate on the succeeded criterion', () => {
    const h = new Harness();
    const things = h.fleet('g', 20);
    h.createJob('j1', [groupArn('g')], {
      jobExecutionsRolloutConfig: { exponentialRate: { baseRatePerMinute: 2, incrementFactor: 3, rateIncreaseCriteria: { numberOfSucceededThings: 2 } } },
    });
    h.advance(MINUTE);
    expect(h.counts('j1').numberOfQueuedThings).toBe(4);
    h.finish(things[0]!, 'SUCCEEDED');
    h.finish(things[1]!, 'SUCCEEDED');
    h.advance(MINUTE);
    // Two successes meet the criterion, so the third batch runs at 2 × 3 = 6 per minute: 4 + 6 notified.
    expect(h.counts('j1').numberOfQueuedThings! + h.counts('j1').numberOfSucceededThings!).toBe(10);
  });
});

describe('abort criteria', () => {
  const abortConfig = { criteriaList: [{ failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: 50, minNumberOfExecutedThings: 4 }] };

  it('wait for minNumberOfExecutedThings, then cancel the job with a service-set reasonCode and comment', () => {
    const h = new Harness();
    h.fleet('g', 10);
    h.createJob('j1', [groupArn('g')], { abortConfig });
    h.finish('t-1', 'FAILED');
    h.finish('t-2', 'FAILED');
    h.finish('t-3', 'FAILED');
    expect(h.job('j1').status).toBe('IN_PROGRESS');
    h.startNext('t-9');
    h.finish('t-4', 'SUCCEEDED');
    const job = h.job('j1');
    expect(job.status).toBe('CANCELED');
    expect(job.reasonCode).toBe('ABORT_CRITERIA_MET');
    expect(job.comment).toMatch(/FAILED reached 50%/);
    expect(job.forceCanceled).toBeUndefined();
    expect(h.execution('j1', 't-9').status).toBe('IN_PROGRESS');
    expect(h.execution('j1', 't-5').status).toBe('CANCELED');
  });

  it('do not fire below the threshold, and count ALL as FAILED + REJECTED + TIMED_OUT', () => {
    const h = new Harness();
    h.fleet('g', 10);
    h.createJob('j1', [groupArn('g')], {
      abortConfig: { criteriaList: [{ failureType: 'ALL', action: 'CANCEL', thresholdPercentage: 50, minNumberOfExecutedThings: 5 }] },
    });
    // 2 of 5 (40%) stays under the threshold; a FAILED sixth makes 3 of 6, which reaches 50%.
    for (const [t, s] of [
      ['t-1', 'FAILED'],
      ['t-2', 'SUCCEEDED'],
      ['t-3', 'SUCCEEDED'],
      ['t-4', 'SUCCEEDED'],
      ['t-5', 'REJECTED'],
    ] as const)
      h.finish(t, s);
    expect(h.job('j1').status).toBe('IN_PROGRESS');
    h.finish('t-6', 'FAILED');
    expect(h.job('j1').status).toBe('CANCELED');
  });

  it('leave out deleted executions', () => {
    const h = new Harness();
    h.fleet('g', 10);
    h.createJob('j1', [groupArn('g')], { abortConfig });
    h.finish('t-1', 'FAILED');
    h.finish('t-2', 'FAILED');
    h.call('DeleteJobExecution', { jobId: 'j1', thingName: 't-1', executionNumber: 1 });
    h.call('DeleteJobExecution', { jobId: 'j1', thingName: 't-2', executionNumber: 1 });
    h.finish('t-3', 'FAILED');
    h.finish('t-4', 'SUCCEEDED');
    h.finish('t-5', 'SUCCEEDED');
    expect(h.job('j1').status).toBe('IN_PROGRESS');
  });
});

describe('retry config', () => {
  it('re-queues a FAILED execution until its retries are spent, counting retryAttempt', () => {
    const h = new Harness();
    h.fleet('g', 1);
    h.createJob('j1', [groupArn('g')], { jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'FAILED', numberOfRetries: 2 }] } });
    h.finish('t-1', 'FAILED');
    expect(h.execution('j1', 't-1').status).toBe('QUEUED');
    h.finish('t-1', 'FAILED');
    expect(h.execution('j1', 't-1').status).toBe('QUEUED');
    h.finish('t-1', 'FAILED');
    expect(h.execution('j1', 't-1').status).toBe('FAILED');
    const page = h.call('ListJobExecutionsForJob', { jobId: 'j1' }) as { executionSummaries: { jobExecutionSummary: { retryAttempt: number } }[] };
    expect(page.executionSummaries[0]!.jobExecutionSummary.retryAttempt).toBe(2);
    expect(h.job('j1').status).toBe('COMPLETED');
  });

  it('never retries REJECTED, and retries TIMED_OUT under an ALL criterion', () => {
    const h = new Harness();
    h.fleet('g', 2);
    h.createJob('j1', [groupArn('g')], {
      timeoutConfig: { inProgressTimeoutInMinutes: 1 },
      jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'ALL', numberOfRetries: 1 }] },
    });
    h.finish('t-1', 'REJECTED');
    expect(h.execution('j1', 't-1').status).toBe('REJECTED');
    h.startNext('t-2');
    h.advance(MINUTE);
    expect(h.execution('j1', 't-2').status).toBe('QUEUED');
    h.startNext('t-2');
    h.advance(MINUTE);
    expect(h.execution('j1', 't-2').status).toBe('TIMED_OUT');
  });
});

describe('timeouts', () => {
  it('time an IN_PROGRESS execution out after inProgressTimeoutInMinutes; QUEUED ones have no timer', () => {
    const h = new Harness();
    h.fleet('g', 2);
    h.createJob('j1', [groupArn('g')], { timeoutConfig: { inProgressTimeoutInMinutes: 10 } });
    h.startNext('t-1');
    h.advance(5 * MINUTE);
    expect(h.execution('j1', 't-1').approximateSecondsBeforeTimedOut).toBe(300);
    h.advance(5 * MINUTE);
    expect(h.execution('j1', 't-1').status).toBe('TIMED_OUT');
    expect(h.execution('j1', 't-2').status).toBe('QUEUED');
    expect(h.counts('j1').numberOfTimedOutThings).toBe(1);
    expect(errorCode(() => h.report('t-1', 'j1', 'SUCCEEDED'))).toBe('InvalidStateTransitionException');
  });

  it('a step timer replaces the previous one, can be cleared with -1, and never outlasts the in-progress timer', () => {
    const h = new Harness();
    h.fleet('g', 1);
    h.createJob('j1', [groupArn('g')], { timeoutConfig: { inProgressTimeoutInMinutes: 10 } });
    h.startNext('t-1', { stepTimeoutInMinutes: 2 });
    h.advance(MINUTE);
    h.report('t-1', 'j1', 'IN_PROGRESS', { stepTimeoutInMinutes: 3 });
    h.advance(2 * MINUTE);
    expect(h.execution('j1', 't-1').status).toBe('IN_PROGRESS');
    h.report('t-1', 'j1', 'IN_PROGRESS', { stepTimeoutInMinutes: -1 });
    h.advance(5 * MINUTE);
    expect(h.execution('j1', 't-1').status).toBe('IN_PROGRESS');
    // At minute 8 a 60-minute step timer is cut to the in-progress deadline at minute 10.
    h.report('t-1', 'j1', 'IN_PROGRESS', { stepTimeoutInMinutes: 60 });
    h.advance(2 * MINUTE - 1);
    expect(h.execution('j1', 't-1').status).toBe('IN_PROGRESS');
    h.advance(1);
    expect(h.execution('j1', 't-1').status).toBe('TIMED_OUT');
  });

  it('a step timer alone times out an execution', () => {
    const h = new Harness();
    h.fleet('g', 1);
    h.createJob('j1', [groupArn('g')]);
    h.startNext('t-1', { stepTimeoutInMinutes: 2 });
    h.advance(2 * MINUTE);
    expect(h.execution('j1', 't-1').status).toBe('TIMED_OUT');
  });
});
