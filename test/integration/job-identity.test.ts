/**
 * Identity is the tag, not the name (issue 9): a job belongs to a manifest only when it carries
 * this controller's managed-by tag and that manifest's source-key tag. Job ids that merely look
 * like another manifest's replacements (`pp` and `pp-r2`) must not fight, cancel each other, or
 * lock a manifest out, and `adopt` takes only the job whose id is the manifest's jobId.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { JOB_WRITES, manifest, Stack } from '../helpers/stack.js';

let stack: Stack;
afterEach(async () => {
  await stack?.stop();
});

const mutations = (): number => JOB_WRITES.reduce((n, op) => n + stack.calls(op), 0);
const settle = (ms = 2_500): Promise<void> => new Promise((r) => setTimeout(r, ms));
const FLEET = 'arn:aws:iot:us-east-1:123456789012:thinggroup/fleet';

/** A job made by someone else (a human in the console), with tags of its own. */
function foreignJob(jobId: string, tags: Record<string, string> = { owner: 'human' }): void {
  stack.emu.service.call('CreateJob', {
    jobId,
    targets: [FLEET],
    document: '{"by":"hand"}',
    tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
  });
}

const tagsOf = (jobId: string): Record<string, string> =>
  Object.fromEntries(
    (stack.emu.service.call('ListTagsForResource', { resourceArn: stack.job(jobId)!.jobArn }) as { tags: { Key: string; Value: string }[] }).tags.map((t) => [
      t.Key,
      t.Value,
    ]),
  );

describe('job ids that look like replacements', () => {
  it('pp and pp-r2 each keep their own job, with no UpdateJob or TagResource tug of war', async () => {
    stack = await Stack.create();
    stack.write('pp.yaml', manifest('pp', { description: 'first' }));
    stack.write('pp-r2.yaml', manifest('pp-r2', { description: 'second' }));
    await stack.start();
    await stack.until('both jobs', () => stack.job('pp') && stack.job('pp-r2'));
    await settle();
    const before = mutations();
    await settle(3_000);
    expect(mutations()).toBe(before);
    expect(stack.calls('CreateJob')).toBe(2);
    expect(stack.job('pp')!.description).toBe('first');
    expect(stack.job('pp-r2')!.description).toBe('second');
    expect(tagsOf('pp-r2')['iot-jobs-controller/source-key']).toBe('pp-r2');
  });

  it('a Recreate of qq skips the id qq-r2 that another manifest holds, and never cancels it', async () => {
    stack = await Stack.create();
    stack.write('qq.yaml', manifest('qq', { replacePolicy: 'Recreate' }));
    stack.write('qq-r2.yaml', manifest('qq-r2', {}));
    await stack.start();
    await stack.until('both jobs', () => stack.job('qq') && stack.job('qq-r2'));
    stack.write('qq.yaml', manifest('qq', { replacePolicy: 'Recreate', document: { op: 'ota', v: 2 } }));
    await stack.until('the replacement of qq', () => stack.job('qq-r3'));
    await settle();
    expect(stack.job('qq')!.status).toBe('CANCELED');
    expect(stack.job('qq-r2')!.status).toBe('IN_PROGRESS');
    expect(stack.calls('CancelJob')).toBe(1);
    expect(tagsOf('qq-r3')['iot-jobs-controller/source-key']).toBe('qq');
  });

  it("a human's job fw-r2 does not stop manifest fw from creating fw, and is never touched", async () => {
    stack = await Stack.create();
    foreignJob('fw-r2');
    stack.write('fw.yaml', manifest('fw', {}));
    await stack.start();
    await stack.until('the job fw', () => stack.job('fw'));
    await settle();
    expect(stack.job('fw-r2')!.status).toBe('IN_PROGRESS');
    expect(tagsOf('fw-r2')).toEqual({ owner: 'human' });
    expect(stack.calls('CreateJob')).toBe(1);
    expect(mutations()).toBe(1);
  });

  it('adopt takes only the job whose id is the jobId, not a look-alike', async () => {
    stack = await Stack.create();
    foreignJob('ad-r2');
    stack.write('ad.yaml', manifest('ad', { adopt: true, document: { by: 'hand' } }));
    await stack.start();
    await stack.until('the job ad', () => stack.job('ad'));
    await settle();
    expect(tagsOf('ad-r2')).toEqual({ owner: 'human' });
    expect(stack.job('ad-r2')!.status).toBe('IN_PROGRESS');
    foreignJob('ex');
    stack.write('ex.yaml', manifest('ex', { adopt: true, document: { by: 'hand' } }));
    await stack.until('the job ex to be adopted', () => tagsOf('ex')['iot-jobs-controller/source-key'] === 'ex');
    expect(tagsOf('ex').owner).toBe('human');
  });

  it('a job of ours that another live manifest owns is reported, not taken over', async () => {
    stack = await Stack.create();
    stack.write('a.yaml', manifest('a', { jobId: 'shared' }));
    await stack.start();
    await stack.until('the job shared', () => stack.job('shared'));
    // Manifest a moves to a new jobId in the same commit in which b claims the old one.
    stack.write('a.yaml', manifest('a', { jobId: 'a-new' }));
    stack.write('b.yaml', manifest('b', { jobId: 'shared', description: 'b wants it' }));
    await stack.until('the job a-new', () => stack.job('a-new'));
    await settle();
    expect(tagsOf('shared')['iot-jobs-controller/source-key']).toBe('a');
    expect(stack.job('shared')!.description).toBeUndefined();
    expect(stack.job('shared')!.status).toBe('IN_PROGRESS');
    expect(stack.logs.some((l) => l.key === 'b' && String(l.reason).includes('manifest a'))).toBe(true);
  });

  it('a rename takes over the newest job even when the old base job was deleted, canceling nothing and creating nothing (regression)', async () => {
    stack = await Stack.create();
    stack.write('a.yaml', manifest('a', { jobId: 'fw', replacePolicy: 'Recreate' }));
    await stack.start();
    await stack.until('the job fw', () => stack.job('fw'));
    stack.write('a.yaml', manifest('a', { jobId: 'fw', replacePolicy: 'Recreate', document: { op: 'ota', v: 2 } }));
    await stack.until('the replacement fw-r2', () => stack.job('fw-r2'));
    stack.emu.service.call('DeleteJob', { jobId: 'fw', force: true });
    await stack.until('fw to be deleted', () => stack.job('fw') === undefined);
    const before = { create: stack.calls('CreateJob'), cancel: stack.calls('CancelJob') };
    stack.remove('a.yaml');
    stack.write('b.yaml', manifest('b', { jobId: 'fw', replacePolicy: 'Recreate', document: { op: 'ota', v: 2 } }));
    await stack.until('b to take fw-r2 over', () => tagsOf('fw-r2')['iot-jobs-controller/source-key'] === 'b');
    await settle();
    expect(stack.job('fw-r2')!.status).toBe('IN_PROGRESS');
    expect(stack.job('fw')).toBeUndefined();
    expect({ create: stack.calls('CreateJob'), cancel: stack.calls('CancelJob') }).toEqual(before);
  });

  it('one commit that replaces pp and adds manifest pp-r2: the replacement skips the declared id, and pp-r2 gets its own job (regression)', async () => {
    stack = await Stack.create();
    stack.write('pp.yaml', manifest('pp', { replacePolicy: 'Recreate' }));
    await stack.start();
    await stack.until('the job pp', () => stack.job('pp'));
    stack.write('pp.yaml', manifest('pp', { replacePolicy: 'Recreate', document: { op: 'ota', v: 2 } }));
    stack.write('pp-r2.yaml', manifest('pp-r2', { description: 'mine' }));
    await stack.until('both new jobs', () => stack.job('pp-r3') && stack.job('pp-r2'));
    await settle();
    expect(tagsOf('pp-r2')['iot-jobs-controller/source-key']).toBe('pp-r2');
    expect(tagsOf('pp-r3')['iot-jobs-controller/source-key']).toBe('pp');
    expect(stack.job('pp-r2')!.description).toBe('mine');
  });
});
