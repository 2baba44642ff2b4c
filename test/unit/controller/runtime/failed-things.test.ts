import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { IotJobs } from '../../../../controller/aws/iot-jobs.js';
import { createLogger } from '../../../../controller/observability/logger.js';
import { FailedThingsReader } from '../../../../controller/runtime/failed-things.js';
import { anObserved } from '../../../helpers/builders.js';

const quiet = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));

describe('failed things', () => {
  it('are read with the observation only when the failure counts move, and again after a failed read', async () => {
    const calls: string[] = [];
    let fail = false;
    const jobs = {
      listFailedExecutions: async (jobId: string) => {
        calls.push(jobId);
        if (fail) throw new Error('ThrottlingException');
        return [{ thingName: 'd1', status: 'FAILED' as const, executionNumber: 1 }];
      },
    } as unknown as IotJobs;
    const reader = new FailedThingsReader(jobs, quiet);
    const counts = { ...anObserved().counts, FAILED: 1, SUCCEEDED: 3 };
    expect((await reader.attach(anObserved('IN_PROGRESS'))).failedThings).toBeUndefined();
    const first = await reader.attach(anObserved('IN_PROGRESS', { counts }));
    expect(first.failedThings).toEqual([{ thingName: 'd1', status: 'FAILED', executionNumber: 1 }]);
    expect((await reader.attach(anObserved('IN_PROGRESS', { counts: { ...counts, SUCCEEDED: 9 } }))).failedThings).toBeUndefined();
    fail = true;
    expect((await reader.attach(anObserved('IN_PROGRESS', { counts: { ...counts, REJECTED: 1 } }))).failedThings).toBeUndefined();
    fail = false;
    expect((await reader.attach(anObserved('IN_PROGRESS', { counts: { ...counts, REJECTED: 1 } }))).failedThings).toHaveLength(1);
    expect(calls).toEqual(['fw', 'fw', 'fw']);
  });
});
