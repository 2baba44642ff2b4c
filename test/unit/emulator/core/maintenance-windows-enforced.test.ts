/**
 * Maintenance windows enforced by the emulator (issue 14): a job rolls out only inside a window,
 * goes back to SCHEDULED when it ends (its rollout paused, no new executions) and resumes at the
 * next; DescribeJob lists the next seven window starts; a bad cron expression, a SNAPSHOT job or
 * one without a startTime is refused.
 */
import { describe, expect, it } from 'vitest';
import { errorCode, groupArn, Harness, MINUTE } from '../../../helpers/service.js';

/** The harness clock starts at 2026-06-01T12:00Z; a window every day at 13:00 for 30 minutes. */
const DAILY_13H = [{ startTime: 'cron(0 13 * * ? *)', durationInMinutes: 30 }];
const START = '2026-06-01T12:30';

describe('maintenance windows', () => {
  it('roll out only inside a window: SCHEDULED before it, IN_PROGRESS in it, SCHEDULED again after it, and the next window resumes', () => {
    const h = new Harness();
    h.fleet('g', 30);
    h.createJob('w', [groupArn('g')], {
      targetSelection: 'CONTINUOUS',
      jobExecutionsRolloutConfig: { maximumPerMinute: 10 },
      schedulingConfig: { startTime: START, maintenanceWindows: DAILY_13H },
    });
    expect(h.job('w').status).toBe('SCHEDULED');
    expect(h.job('w').scheduledJobRollouts).toEqual([1, 2, 3, 4, 5, 6, 7].map((d) => ({ startTime: `2026-06-0${d}T13:00` })));
    h.advance(45 * MINUTE); // 12:45: started, but no window is open
    expect(h.job('w').status).toBe('SCHEDULED');
    expect(h.counts('w').numberOfQueuedThings).toBe(0);
    h.advance(15 * MINUTE); // 13:00: the window opens, the first batch goes out
    expect(h.job('w').status).toBe('IN_PROGRESS');
    expect(h.counts('w').numberOfQueuedThings).toBe(10);
    h.advance(MINUTE);
    expect(h.counts('w').numberOfQueuedThings).toBe(20);
    h.advance(29 * MINUTE); // 13:30: the window closes
    expect(h.job('w').status).toBe('SCHEDULED');
    const queued = h.counts('w').numberOfQueuedThings;
    expect(queued).toBe(30);
    expect(h.job('w').scheduledJobRollouts[0]).toEqual({ startTime: '2026-06-02T13:00' });
  });

  it('pause a rollout that a window end interrupts, and resume it at the next window', () => {
    const h = new Harness();
    h.fleet('g', 50);
    h.createJob('w', [groupArn('g')], {
      targetSelection: 'CONTINUOUS',
      jobExecutionsRolloutConfig: { maximumPerMinute: 1 },
      schedulingConfig: { startTime: START, maintenanceWindows: [{ startTime: 'cron(0 13 * * ? *)', durationInMinutes: 5 }] },
    });
    h.advance(60 * MINUTE); // 13:00
    h.advance(10 * MINUTE); // 13:10: closed after 5 batches
    expect(h.job('w').status).toBe('SCHEDULED');
    expect(h.counts('w').numberOfQueuedThings).toBe(5);
    h.advance(23 * 60 * MINUTE); // the next day, 12:10: still paused
    expect(h.counts('w').numberOfQueuedThings).toBe(5);
    h.advance(50 * MINUTE); // 13:00: resumed where it stopped
    expect(h.job('w').status).toBe('IN_PROGRESS');
    expect(h.counts('w').numberOfQueuedThings).toBe(6);
  });

  it('refuse a bad cron expression, a SNAPSHOT job, and a job without a startTime', () => {
    const h = new Harness();
    h.fleet('g', 1);
    const create = (extra: Record<string, unknown>): string | undefined => errorCode(() => h.createJob('x', [groupArn('g')], extra));
    expect(
      create({
        targetSelection: 'CONTINUOUS',
        schedulingConfig: { startTime: START, maintenanceWindows: [{ startTime: 'every day', durationInMinutes: 30 }] },
      }),
    ).toBe('InvalidRequestException');
    expect(create({ schedulingConfig: { startTime: START, maintenanceWindows: DAILY_13H } })).toBe('InvalidRequestException');
    expect(create({ targetSelection: 'CONTINUOUS', schedulingConfig: { maintenanceWindows: DAILY_13H } })).toBe('InvalidRequestException');
  });

  it('name the window whose cron expression is refused, on a job and on a job template', () => {
    const h = new Harness();
    h.fleet('g', 1);
    const bad = [DAILY_13H[0], { startTime: 'cron(61 13 * * ? *)', durationInMinutes: 30 }];
    const job = { targetSelection: 'CONTINUOUS', schedulingConfig: { startTime: START, maintenanceWindows: bad } };
    expect(() => h.createJob('x', [groupArn('g')], job)).toThrow(/^schedulingConfig\.maintenanceWindows\[1\]\.startTime is not a valid cron expression: /);
    expect(() => h.call('CreateJobTemplate', { jobTemplateId: 't', description: 'd', document: '{}', maintenanceWindows: bad })).toThrow(
      /^maintenanceWindows\[1\]\.startTime is not a valid cron expression: /,
    );
  });
});
