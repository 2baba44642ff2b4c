/**
 * What keeps a fleet safe: a git-sync link swap is picked up whole; a bad commit prunes nothing
 * and names the file; the mass-removal guard holds until approved; a job the controller did not
 * create is never touched; and throttling at AWS's 10 TPS is absorbed without surfacing errors.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { manifest, Stack, swapLink } from '../helpers/stack.js';

let stack: Stack;
afterEach(async () => {
  await stack?.stop();
});

const metric = async (name: string): Promise<string> => await stack.app.metrics.registry.getSingleMetricAsString(name);

describe('git-sync layout', () => {
  it('follows an atomic symlink swap and takes the commit hash as the revision', async () => {
    stack = await Stack.create();
    const worktrees = join(stack.root, '.worktrees');
    const [h1, h2] = ['1111111111111111111111111111111111111111', '2222222222222222222222222222222222222222'];
    for (const [hash, description] of [
      [h1, 'first'],
      [h2, 'second'],
    ] as const) {
      mkdirSync(join(worktrees, hash, 'jobs'), { recursive: true });
      writeFileSync(join(worktrees, hash, 'jobs', 'fw.yaml'), manifest('fw', { description }));
    }
    const link = join(stack.root, 'repo');
    swapLink(link, join('.worktrees', h1));
    await stack.start([], (c) => ({ ...c, dir: link }));
    await stack.until('the job from the first commit', () => stack.job('fw')?.description === 'first');
    expect(await metric('iotjobs_source_revision_info')).toContain(`revision="${h1}"`);
    swapLink(link, join('.worktrees', h2));
    await stack.until('the job from the second commit', () => stack.job('fw')?.description === 'second');
    expect(await metric('iotjobs_source_revision_info')).toContain(`revision="${h2}"`);
    expect(stack.calls('UpdateJob')).toBe(1);
  });
});

describe('a renamed manifest', () => {
  it('keeps its job: the new name takes the job over and the old name cancels nothing (regression: a rename canceled the rollout)', async () => {
    stack = await Stack.create();
    for (const n of ['a', 'b', 'c']) stack.write(`${n}.yaml`, manifest(n, {}));
    await stack.start();
    await stack.until('the jobs to be created', () => stack.jobIds().length === 3);
    // One commit renames the manifest of job a: same jobId, new metadata.name and file.
    stack.remove('a.yaml');
    stack.write('a-renamed.yaml', manifest('a-renamed', { jobId: 'a' }));
    const tags = (): { Key: string; Value: string }[] =>
      (stack.emu.service.call('ListTagsForResource', { resourceArn: stack.job('a')!.jobArn }) as { tags: { Key: string; Value: string }[] }).tags;
    await stack.until('the job to carry the new name', () => tags().some((t) => t.Value === 'a-renamed'));
    await new Promise((r) => setTimeout(r, 1_500));
    expect(stack.job('a')!.status).toBe('IN_PROGRESS');
    expect(stack.calls('CancelJob')).toBe(0);
    expect(stack.calls('CreateJob')).toBe(3);
  });
});

describe('a bad commit', () => {
  it('prunes nothing, keeps the last good snapshot and names the file, line and field', async () => {
    stack = await Stack.create();
    for (const n of ['a', 'b', 'c']) stack.write(`${n}.yaml`, manifest(n, {}));
    await stack.start();
    await stack.until('the jobs to be created', () => stack.jobIds().length === 3);
    // One commit removes b.yaml and adds a broken file: the snapshot is refused whole.
    stack.remove('b.yaml');
    stack.write('broken.yaml', manifest('d', { targetz: [] }));
    const logged = await stack.until('the problem to be logged', () => stack.logs.find((l) => l.file === 'broken.yaml'));
    expect(logged).toMatchObject({ level: 50, file: 'broken.yaml', line: 5, field: 'spec.targetz' });
    expect(logged.msg).toContain('broken.yaml:5: spec.targetz: is not a known field');
    await new Promise((r) => setTimeout(r, 1_500));
    expect(stack.job('b')!.status).toBe('IN_PROGRESS');
    expect(stack.calls('CancelJob') + stack.calls('DeleteJob') + stack.calls('CreateJob')).toBe(3);
    expect(await metric('iotjobs_source_errors_total')).toMatch(/iotjobs_source_errors_total 1$/m);
    expect(await metric('iotjobs_source_problems')).toMatch(/iotjobs_source_problems 1$/m);
    // The fix lands: now b's removal applies.
    stack.remove('broken.yaml');
    await stack.until('b to be canceled', () => stack.job('b')?.status === 'CANCELED');
    expect(await metric('iotjobs_source_problems')).toMatch(/iotjobs_source_problems 0$/m);
  });

  it('refuses a documentFile that escapes the synced directory', async () => {
    stack = await Stack.create();
    writeFileSync(join(stack.root, 'secret.json'), '{"secret":true}');
    stack.write('a.yaml', manifest('a', { document: undefined, documentFile: '../secret.json' }));
    await stack.start();
    const logged = await stack.until('the problem to be logged', () => stack.logs.find((l) => l.file === 'a.yaml'));
    expect(logged).toMatchObject({ field: 'spec.documentFile' });
    expect(logged.msg).toContain('../secret.json escapes the synced directory');
    expect(stack.jobIds()).toEqual([]);
  });
});

describe('the prune guard', () => {
  it('holds back a snapshot that removes most managed jobs until its revision is approved', async () => {
    stack = await Stack.create();
    for (const n of ['a', 'b', 'c', 'd']) stack.write(`${n}.yaml`, manifest(n, {}));
    await stack.start();
    await stack.until('the jobs to be created', () => stack.jobIds().length === 4);
    await stack.until('ownership to be known', () => stack.app.inventory.ownedKeys().length === 4);
    for (const n of ['a', 'b', 'c']) stack.remove(`${n}.yaml`);
    const held = await stack.until('the guard to refuse', () => stack.logs.find((l) => /prune guard/.test(l.msg)));
    expect(held.msg).toContain('3 of 4 managed jobs (75%, more than 50%)');
    await new Promise((r) => setTimeout(r, 1_500));
    expect(stack.calls('CancelJob')).toBe(0);
    expect(await metric('iotjobs_prune_blocked')).toMatch(/iotjobs_prune_blocked 1$/m);
    const revision = stack.app.source.status().revision!;
    await stack.app.stop();
    await stack.start(['--approve-prune', revision]);
    await stack.until('the approved removals to be canceled', () => ['a', 'b', 'c'].every((n) => stack.job(n)?.status === 'CANCELED'));
    expect(stack.job('d')!.status).toBe('IN_PROGRESS');
  });

  it('refuses to remove every managed job', async () => {
    stack = await Stack.create();
    stack.write('only.yaml', manifest('only', {}));
    await stack.start();
    await stack.until('the job to be created', () => stack.job('only'));
    await stack.until('ownership to be known', () => stack.app.inventory.ownedKeys().length === 1);
    stack.remove('only.yaml');
    const held = await stack.until('the guard to refuse', () => stack.logs.find((l) => /prune guard/.test(l.msg)));
    expect(held.msg).toContain('every managed job');
    await new Promise((r) => setTimeout(r, 1_200));
    expect(stack.job('only')!.status).toBe('IN_PROGRESS');
  });
});

describe('ownership', () => {
  it('never touches an untagged job whose id collides with a manifest, unless the manifest adopts it', async () => {
    stack = await Stack.create();
    stack.emu.service.call('CreateJob', {
      jobId: 'taken',
      targets: ['arn:aws:iot:us-east-1:123456789012:thinggroup/fleet'],
      document: '{"theirs":true}',
      description: 'not ours',
    });
    stack.write('taken.yaml', manifest('taken', { description: 'ours', state: 'Canceled' }));
    stack.write('other.yaml', manifest('other', {}));
    await stack.start();
    const stalled = await stack.until('the collision to be reported', () => stack.logs.find((l) => l.key === 'taken' && l.result === 'stalled'));
    expect(stalled.reason).toContain('is not managed by this controller');
    await new Promise((r) => setTimeout(r, 1_200));
    expect(stack.job('taken')).toMatchObject({ status: 'IN_PROGRESS', description: 'not ours' });
    expect(stack.calls('UpdateJob') + stack.calls('CancelJob') + stack.calls('TagResource')).toBe(0);
    stack.remove('taken.yaml');
    await new Promise((r) => setTimeout(r, 1_200));
    expect(stack.job('taken')!.status).toBe('IN_PROGRESS');
  });

  it('adopts an existing job when the manifest says so: tags it, then manages it', async () => {
    stack = await Stack.create();
    stack.emu.service.call('CreateJob', { jobId: 'legacy', targets: ['arn:aws:iot:us-east-1:123456789012:thinggroup/fleet'], document: '{"op":"ota","v":1}' });
    stack.write('legacy.yaml', manifest('legacy', { adopt: true, description: 'adopted' }));
    await stack.start();
    await stack.until('the job to be adopted', () => stack.job('legacy')?.description === 'adopted');
    // UpdateJob comes first, then TagResource: wait for the tags too.
    const tags = () =>
      (stack.emu.service.call('ListTagsForResource', { resourceArn: stack.job('legacy')!.jobArn }) as { tags: { Key: string; Value: string }[] }).tags;
    await stack.until('the ownership tags', () => tags().some((t) => t.Key === 'iot-jobs-controller/managed-by'));
    expect(tags()).toContainEqual({ Key: 'iot-jobs-controller/managed-by', Value: 'iot-jobs-controller' });
    expect(tags()).toContainEqual({ Key: 'iot-jobs-controller/source-key', Value: 'legacy' });
    expect(stack.calls('CreateJob')).toBe(0);
  });
});

describe('AWS throttling', () => {
  it('converges 40 manifests against a service throttling at 10 TPS, with no error surfacing', async () => {
    stack = await Stack.create({ emulator: { faults: { throttleTps: 10 } } });
    for (let i = 0; i < 40; i++) stack.write(`job-${i}.yaml`, manifest(`job-${i}`, {}));
    await stack.start(['--workers', '8']);
    await stack.until('every job to be created', () => stack.jobIds().length === 40, 30_000);
    expect(stack.calls('CreateJob')).toBe(40);
    expect(stack.logs.filter((l) => l.level >= 50)).toEqual([]);
    expect(await metric('iotjobs_reconcile_total')).toMatch(/result="error"} 0$/m);
  }, 45_000);

  it('counts the throttled answers the SDK retried by itself, so that throttling is seen even when nothing fails', async () => {
    stack = await Stack.create({ emulator: { faults: { throttleTps: 10 } } });
    for (let i = 0; i < 40; i++) stack.write(`job-${i}.yaml`, manifest(`job-${i}`, {}));
    // Faster than the service allows: the SDK meets ThrottlingException and retries.
    await stack.start(['--workers', '8', '--aws-tps', '50']);
    await stack.until('every job to be created', () => stack.jobIds().length === 40, 30_000);
    await stack.app.stop();
    const throttled = Object.values(stack.emu.server.calls.summary()).reduce((a, o) => a + ((o as Record<string, number>).ThrottlingException ?? 0), 0);
    expect(throttled).toBeGreaterThan(0);
    const values = async (name: string): Promise<number> =>
      (await stack.app.metrics.registry.getSingleMetric(name)!.get()).values.reduce(
        (a, v) => a + (name === 'iotjobs_aws_requests_total' && v.labels.outcome !== 'ThrottlingException' ? 0 : v.value),
        0,
      );
    // Every throttled answer is either a retry the SDK absorbed or a final outcome the controller saw.
    expect((await values('iotjobs_aws_retries_total')) + (await values('iotjobs_aws_requests_total'))).toBe(throttled);
    expect(await values('iotjobs_aws_retries_total')).toBeGreaterThan(0);
    stack.app = undefined as never;
  }, 45_000);

  it('counts the retries of ListTagsForResource too (regression: its pages bypassed the metered call)', async () => {
    stack = await Stack.create({ emulator: { faults: { throttleTpsByOperation: { ListTagsForResource: 2 } } } });
    // Jobs a previous run created: discovery reads their tags at start.
    const fleet = 'arn:aws:iot:us-east-1:123456789012:thinggroup/fleet';
    for (let i = 0; i < 15; i++)
      stack.emu.service.call('CreateJob', {
        jobId: `old-${i}`,
        targets: [fleet],
        document: '{}',
        tags: [
          { Key: 'iot-jobs-controller/managed-by', Value: 'iot-jobs-controller' },
          { Key: 'iot-jobs-controller/source-key', Value: `old-${i}` },
        ],
      });
    await stack.start(['--aws-tps', '50', '--workers', '8']);
    await stack.app.stop();
    const throttled = stack.emu.server.calls.summary().ListTagsForResource?.ThrottlingException ?? 0;
    expect(throttled).toBeGreaterThan(0);
    const m = await stack.app.metrics.registry.getSingleMetric('iotjobs_aws_retries_total')!.get();
    const retries = m.values.find((v) => v.labels.operation === 'ListTagsForResource')!.value;
    const r = await stack.app.metrics.registry.getSingleMetric('iotjobs_aws_requests_total')!.get();
    const finalThrottled = r.values.find((v) => v.labels.operation === 'ListTagsForResource' && v.labels.outcome === 'ThrottlingException')?.value ?? 0;
    expect(retries + finalThrottled).toBe(throttled);
    stack.app = undefined as never;
  }, 45_000);
});
