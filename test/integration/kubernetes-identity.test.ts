/**
 * Job identity in Kubernetes mode (issue 9, found by review): an IoTJob deleted while no
 * controller ran still gets its deletionPolicy applied by the next controller, even before that
 * controller has read its job's tags; and an IoTJob never takes over a job of an IoTJob that is
 * merely out of its view (another namespace), whatever its jobId.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FINALIZER } from '../../controller/kube/iotjob-resource.js';
import { KubeStack } from '../helpers/kube-stack.js';

let stack: KubeStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

describe('Kubernetes mode, job identity', () => {
  it('applies the deletionPolicy of an IoTJob deleted while the controller was down (regression: the finalizer went and the job kept running)', async () => {
    const s = (stack = await KubeStack.create({ things: 2 }));
    const first = await s.start();
    await s.create('fw', {});
    await s.untilStatus('fw', 'the job running', (st, o) => st.awsStatus === 'IN_PROGRESS' && (o.metadata.finalizers ?? []).includes(FINALIZER));
    await first.app.stop();
    await s.delete('fw');
    // The next controller's discovery fails (DescribeJob answers 500 at first), so it reconciles
    // the leaving IoTJob before it has read its job's tags.
    s.emu.server.faults.set({ serverErrorRate: 1, operations: ['DescribeJob'] });
    const second = await s.start(['--resync-seconds', '3600']);
    await s.until('discovery to have failed', () => second.logs.some((l) => /discovery paused/.test(l.msg)));
    s.emu.server.faults.set({});
    await s.until('the job to be canceled', () => s.job('fw')?.status === 'CANCELED');
    await s.until('the IoTJob to be gone', async () => (await s.get('fw')) === undefined);
    expect(s.calls('CancelJob')).toBe(1);
  });

  it('does not take over a job of ours that an IoTJob in another namespace holds (regression: a cross-namespace hijack)', async () => {
    const s = (stack = await KubeStack.create({ things: 2 }));
    await s.create('x', { jobId: 'shared', replacePolicy: 'Recreate' });
    const prod = await s.start();
    await s.untilStatus('x', 'the job running', (st) => st.awsStatus === 'IN_PROGRESS');
    await prod.app.stop();
    // Another namespace declares the same jobId; a controller watching only that namespace runs.
    const other = `${s.ns}-staging`;
    await s.rest.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: other } } });
    const body = {
      ...s.resource('x', { jobId: 'shared', replacePolicy: 'Recreate', document: { op: 'ota', v: 2 } }),
      metadata: { name: 'x', namespace: other },
    };
    await s.rest.request('POST', `/apis/iot.gitops.dev/v1alpha1/namespaces/${other}/iotjobs`, { body });
    const staging = await s.start(['--namespace', other]);
    await s.until('the staging IoTJob to be stalled', () => staging.logs.some((l) => l.key === `${other}/x` && l.outcome === 'stalled'));
    await new Promise((r) => setTimeout(r, 2_000));
    expect(s.job('shared')!.status).toBe('IN_PROGRESS');
    expect(s.job('shared-r2')).toBeUndefined();
    expect(s.calls('CancelJob') + s.calls('TagResource') + s.calls('UpdateJob')).toBe(0);
    expect(staging.logs.find((l) => l.key === `${other}/x` && l.outcome === 'stalled')!.reason).toContain(`belongs to manifest ${s.ns}/x`);
  });

  it('does not create again a job deleted by someone while no controller ran: the status remembers it (Gone)', async () => {
    const s = (stack = await KubeStack.create({ things: 2 }));
    const first = await s.start();
    await s.create('fw', {});
    await s.untilStatus('fw', 'the job running', (st) => st.awsStatus === 'IN_PROGRESS');
    await first.app.stop();
    s.emu.service.call('DeleteJob', { jobId: 'fw', force: true });
    await s.until('the job to be deleted', () => s.job('fw') === undefined);
    const second = await s.start();
    await s.untilStatus('fw', 'Stalled with Gone', (st) =>
      (st.conditions ?? []).some(
        (c: { type: string; status: string; message: string }) => c.type === 'Stalled' && c.status === 'True' && c.message.startsWith('Gone: job fw'),
      ),
    );
    await new Promise((r) => setTimeout(r, 1_500));
    expect(s.job('fw')).toBeUndefined();
    expect(s.calls('CreateJob')).toBe(1);
    expect(second.logs.some((l) => l.key?.endsWith('/fw') && l.outcome === 'stalled')).toBe(true);
  });
});
