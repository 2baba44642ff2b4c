/**
 * The controller's main sequence against the emulator over HTTP, with the directory source:
 * create, update the description, update the abortConfig, refuse then replace a document change,
 * cancel, and each deletionPolicy when the file is removed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { manifest, Stack } from '../helpers/stack.js';

let stack: Stack;
afterEach(async () => {
  await stack?.stop();
});

const abort = (threshold: number) => ({
  criteriaList: [{ failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: threshold, minNumberOfExecutedThings: 10 }],
});

describe('directory mode, one manifest through its life', () => {
  it('creates, updates in place, refuses then replaces a document change, and cancels', async () => {
    stack = await Stack.create();
    stack.write('fw.yaml', manifest('fw', { description: 'v1', abortConfig: abort(50) }));
    await stack.start();

    // 1. Create, tagged with the controller's ownership tags.
    const created = await stack.until('the job to be created', () => stack.job('fw'));
    expect(created).toMatchObject({ status: 'IN_PROGRESS', description: 'v1', targets: ['arn:aws:iot:us-east-1:123456789012:thinggroup/fleet'] });
    expect(stack.emu.service.call('ListTagsForResource', { resourceArn: created.jobArn })).toEqual({
      tags: [
        { Key: 'iot-jobs-controller/deletion-policy', Value: 'Cancel' },
        { Key: 'iot-jobs-controller/managed-by', Value: 'iot-jobs-controller' },
        { Key: 'iot-jobs-controller/source-key', Value: 'fw' },
      ],
    });
    expect(stack.calls('CreateJob')).toBe(1);

    // 2. The description: UpdateJob.
    stack.write('fw.yaml', manifest('fw', { description: 'v2', abortConfig: abort(50) }));
    await stack.until('the description to change', () => stack.job('fw')?.description === 'v2');
    expect(stack.calls('UpdateJob')).toBe(1);

    // 3. The abortConfig: UpdateJob.
    stack.write('fw.yaml', manifest('fw', { description: 'v2', abortConfig: abort(25) }));
    await stack.until('the abortConfig to change', () => stack.job('fw')?.abortConfig?.criteriaList?.[0]?.thresholdPercentage === 25);
    expect(stack.calls('UpdateJob')).toBe(2);

    // 4. A new document is refused under the default replacePolicy...
    stack.write('fw.yaml', manifest('fw', { description: 'v2', abortConfig: abort(25), document: { op: 'ota', v: 2 } }));
    const refusal = await stack.until('the refusal to be logged', () => stack.logs.find((l) => l.key === 'fw' && l.result === 'stalled'));
    expect(refusal.reason).toMatch(/document cannot be changed on an existing job; set spec.replacePolicy: Recreate/);
    expect(stack.jobIds()).toEqual(['fw']);
    expect(stack.job('fw')!.status).toBe('IN_PROGRESS');

    // ...and replaced under Recreate: the old job canceled, a new one under a derived id.
    stack.write('fw.yaml', manifest('fw', { description: 'v2', abortConfig: abort(25), document: { op: 'ota', v: 2 }, replacePolicy: 'Recreate' }));
    await stack.until('the replacement to be created', () => stack.job('fw-r2'));
    expect(stack.job('fw')).toMatchObject({ status: 'CANCELED', comment: 'Replaced by job fw-r2' });
    expect(stack.emu.service.call('GetJobDocument', { jobId: 'fw-r2' })).toEqual({ document: '{"op":"ota","v":2}' });

    // 5. state: Canceled: CancelJob on the current job.
    stack.write(
      'fw.yaml',
      manifest('fw', {
        description: 'v2',
        abortConfig: abort(25),
        document: { op: 'ota', v: 2 },
        replacePolicy: 'Recreate',
        state: 'Canceled',
        cancel: { reasonCode: 'ROLLBACK', comment: 'bad batch' },
      }),
    );
    await stack.until('the job to be canceled', () => stack.job('fw-r2')?.status === 'CANCELED');
    expect(stack.job('fw-r2')).toMatchObject({ reasonCode: 'ROLLBACK', comment: 'bad batch' });
    expect(stack.jobIds()).toEqual(['fw', 'fw-r2']);
    expect(stack.calls('CreateJob')).toBe(2);
  });
});

describe('removing a manifest applies its deletionPolicy', () => {
  it('Cancel (the default) cancels without force and keeps the job', async () => {
    stack = await Stack.create();
    stack.write('a.yaml', manifest('a', {}));
    stack.write('keep.yaml', manifest('keep', {}));
    await stack.start();
    await stack.until('the jobs to be created', () => stack.job('a') && stack.job('keep'));
    stack.emu.service.call('StartNextPendingJobExecution', { thingName: 'dev-1' });
    stack.remove('a.yaml');
    await stack.until('the job to be canceled', () => stack.job('a')?.status === 'CANCELED');
    expect(stack.job('a')!.forceCanceled).toBeUndefined();
    const inProgress = stack.emu.service.call('ListJobExecutionsForJob', { jobId: 'a', status: 'IN_PROGRESS' }) as { executionSummaries: unknown[] };
    expect(inProgress.executionSummaries).toHaveLength(1);
    expect(stack.job('keep')!.status).toBe('IN_PROGRESS');
  });

  it('Delete cancels, then deletes through DELETION_IN_PROGRESS until the job is gone', async () => {
    stack = await Stack.create({ emulator: { deletionBaseMs: 1_500 } });
    stack.write('a.yaml', manifest('a', { deletionPolicy: 'Delete' }));
    stack.write('keep.yaml', manifest('keep', {}));
    await stack.start();
    await stack.until('the job to be created', () => stack.job('a'));
    stack.remove('a.yaml');
    await stack.until('the job to be deleting', () => stack.job('a')?.status === 'DELETION_IN_PROGRESS');
    await stack.until('the job to be gone', () => stack.job('a') === undefined);
    expect(stack.calls('CancelJob')).toBe(1);
    expect(stack.calls('DeleteJob')).toBe(1);
  });

  it('Orphan leaves the job alone', async () => {
    stack = await Stack.create();
    stack.write('a.yaml', manifest('a', { deletionPolicy: 'Orphan' }));
    stack.write('keep.yaml', manifest('keep', {}));
    await stack.start();
    await stack.until('the job to be created', () => stack.job('a'));
    stack.remove('a.yaml');
    await stack.until('the orphaning to be logged', () => stack.logs.find((l) => l.key === 'a' && /Orphan/.test(l.reason ?? '')));
    expect(stack.job('a')!.status).toBe('IN_PROGRESS');
    expect(stack.calls('CancelJob') + stack.calls('DeleteJob')).toBe(0);
  });
});
