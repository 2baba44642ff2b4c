/**
 * A maintenance window pausing a rollout, under the controller (issue 14): directory mode against
 * the emulator on a fast clock (1 s real is 10 min). The job goes IN_PROGRESS only inside each
 * window and back to SCHEDULED between them, the rollout resumes where it stopped, and the
 * controller reports what AWS says without treating the pause as drift: one CreateJob, no
 * UpdateJob, no CancelJob.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BoardView } from '../../controller/observability/status-board.js';
import { manifest, Stack } from '../helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const hhmm = (ms: number): string => new Date(ms).toISOString().slice(0, 16);

describe('a maintenance window under the controller', () => {
  it('pauses the rollout between windows and resumes it in the next; the controller follows without acting', async () => {
    stack = await Stack.create({ things: 25, emulator: { timeScale: 600 } });
    const s = stack;
    // An hourly window of 10 minutes, and one new execution a minute: 10 things a window.
    // CreateJob needs the startTime 30 minutes ahead: at least an hour of slack (6 s real) for the
    // controller to start. The start falls at half past an hour, between windows, so the first
    // window is a whole one (a start inside a window would roll out only until its end).
    const start = Math.floor((s.emu.service.clock.now() + 120 * MINUTE) / HOUR) * HOUR + 30 * MINUTE;
    s.write(
      'fw.yaml',
      manifest('fw', {
        targetSelection: 'CONTINUOUS',
        jobExecutionsRolloutConfig: { maximumPerMinute: 1 },
        schedulingConfig: { startTime: hhmm(start), maintenanceWindows: [{ startTime: 'cron(0 * * * ? *)', durationInMinutes: 10 }] },
      }),
    );
    await s.start();
    const queued = (): number => s.job('fw')?.jobProcessDetails?.numberOfQueuedThings ?? 0;
    await s.until('the first window', () => s.job('fw')?.status === 'IN_PROGRESS', 45_000);
    await s.until('the pause after it', () => s.job('fw')?.status === 'SCHEDULED' && queued() > 0, 30_000);
    const paused = queued();
    // A batch a minute from hh:00 to hh:09; the window's end at hh:10 was scheduled before the batch due then.
    expect(paused).toBe(10);
    expect(s.job('fw')!.scheduledJobRollouts).toHaveLength(7);
    await s.until('the next window resumes it', () => queued() > paused, 30_000);
    // The board shows AWS's status; the controller made the job once and changed nothing since.
    await s.until('the board sees a status', async () => {
      const view = (await (await fetch(`${s.app.server!.url}/status.json`)).json()) as BoardView;
      return view.jobs.find((j) => j.key === 'fw' && (j.awsStatus === 'SCHEDULED' || j.awsStatus === 'IN_PROGRESS'));
    });
    expect([s.calls('CreateJob'), s.calls('UpdateJob'), s.calls('CancelJob')]).toEqual([1, 0, 0]);
  }, 90_000);
});
