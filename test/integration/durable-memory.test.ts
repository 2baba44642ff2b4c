/**
 * Durable memory in directory mode (issue 9): with --state-file, a job that someone else deleted
 * is reported as Gone after a restart instead of being created again (its firmware would reach
 * the fleet a second time), until its jobId changes or an operator approves it.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { manifest, Stack } from '../helpers/stack.js';

let stack: Stack;
afterEach(async () => {
  await stack?.stop();
});

const settle = (ms = 2_500): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Deletes a job as a human would, and waits until AWS has finished deleting it. */
async function deleteOutside(jobId: string): Promise<void> {
  stack.emu.service.call('DeleteJob', { jobId, force: true });
  await stack.until(`job ${jobId} to be gone`, () => stack.job(jobId) === undefined);
}

describe('a job deleted by someone else', () => {
  it('is not created again after a restart (deleted while the controller was down)', async () => {
    stack = await Stack.create();
    const state = ['--state-file', join(stack.root, 'state', 'ledger.json')];
    stack.write('fw.yaml', manifest('fw', {}));
    await stack.start(state);
    await stack.until('the job', () => stack.job('fw'));
    await stack.app.stop();
    await deleteOutside('fw');
    await stack.start(state);
    await settle();
    expect(stack.job('fw')).toBeUndefined();
    expect(stack.calls('CreateJob')).toBe(1);
    expect(stack.logs.some((l) => l.key === 'fw' && String(l.reason).startsWith('Gone: job fw'))).toBe(true);
    expect(await stack.app.metrics.registry.getSingleMetricAsString('iotjobs_jobs_gone')).toContain('iotjobs_jobs_gone 1');
    // An operator approves: the job is created again, once.
    await stack.app.stop();
    await stack.start([...state, '--approve-recreate', 'fw']);
    await stack.until('the job to be created again', () => stack.job('fw'));
    await stack.app.stop();
    await stack.start(state);
    await settle();
    expect(stack.calls('CreateJob')).toBe(2);
  });

  it('is not created again after a restart (deleted while the controller was running), nor when the jobId stays', async () => {
    stack = await Stack.create();
    const state = ['--state-file', join(stack.root, 'ledger.json')];
    stack.write('a.yaml', manifest('a', {}));
    stack.write('b.yaml', manifest('b', {}));
    await stack.start(state);
    await stack.until('the jobs', () => stack.job('a') && stack.job('b'));
    await deleteOutside('a');
    await stack.until('the controller to see it gone', () => stack.logs.some((l) => l.key === 'a' && String(l.reason).startsWith('Gone')));
    await stack.app.stop();
    await stack.start(state);
    await settle();
    expect(stack.job('a')).toBeUndefined();
    // A new jobId starts a new job.
    stack.write('a.yaml', manifest('a', { jobId: 'a-v2' }));
    await stack.until('the new job', () => stack.job('a-v2'));
    expect(stack.calls('CreateJob')).toBe(3);
  });

  it('refuses to start on a corrupt state file, naming it', async () => {
    stack = await Stack.create();
    const file = join(stack.root, 'ledger.json');
    stack.write('fw.yaml', manifest('fw', {}));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, '{ not json');
    await expect(stack.start(['--state-file', file])).rejects.toThrow(file);
    expect(stack.calls('CreateJob')).toBe(0);
  });
});
