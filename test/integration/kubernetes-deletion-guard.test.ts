/**
 * The deletion guard on a real API server (issue 9 item 5). A prune, a deleted namespace or a
 * deleted CRD deletes many IoTJobs together; before the guard every deletionPolicy applied at
 * once and every rollout was canceled. Now such deletions are held (finalizer kept, nothing done
 * in AWS, a DeletionHeld Event, iotjobs_deletions_held) until each object is approved with an
 * annotation, also across a controller restart; one ordinary deletion among many goes at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPROVE_ANNOTATION, HELD_ANNOTATION } from '../../controller/kube/deletion-hold.js';
import { MERGE_PATCH } from '../../controller/kube/rest.js';
import { FINALIZER, iotJobPath } from '../../controller/kube/iotjob-resource.js';
import { KubeStack, type RunningController } from '../helpers/kube-stack.js';

let stack: KubeStack;
const PRUNED = ['pruned-cancel', 'pruned-delete', 'pruned-configmap'];

beforeAll(async () => {
  // Things no device answers for: every job stays IN_PROGRESS, so a cancel would show.
  stack = await KubeStack.create({ things: 3 });
  await stack.start();
});

afterAll(async () => {
  await stack?.stop();
});

/** The number of held deletions a controller reports. */
async function heldMetric(c: RunningController): Promise<number> {
  const m = await c.app.metrics.registry.getSingleMetric('iotjobs_deletions_held')!.get();
  return m.values[0]?.value ?? 0;
}

/** Creates IoTJobs and waits until each has its job running and carries the finalizer. */
async function createRunning(jobs: [string, Record<string, unknown>, Record<string, string>?][]): Promise<void> {
  for (const [name, spec, labels] of jobs) await stack.create(name, spec, labels);
  for (const [name] of jobs)
    await stack.untilStatus(name, 'the job running', (s, o) => s.awsStatus === 'IN_PROGRESS' && (o.metadata.finalizers ?? []).includes(FINALIZER));
}

/** Every IoTJob named is still there, being deleted, with the finalizer, and its job untouched. */
async function expectHeld(names: string[]): Promise<void> {
  for (const name of names) {
    const o = await stack.get(name);
    expect(o?.metadata.deletionTimestamp).toBeDefined();
    expect(o!.metadata.finalizers).toContain(FINALIZER);
    expect(stack.job(name)?.status).toBe('IN_PROGRESS');
  }
}

describe('the deletion guard', () => {
  it('holds 3 of 4 IoTJobs deleted together, across a restart, until each is approved', async () => {
    await stack.rest.request('POST', `/api/v1/namespaces/${stack.ns}/configmaps`, {
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'doc' }, data: { 'job.json': '{"op":"ota"}' } },
    });
    const batch = { batch: 'prune' };
    await createRunning([
      ['kept', {}],
      ['pruned-cancel', {}, batch],
      ['pruned-delete', { deletionPolicy: 'Delete' }, batch],
      ['pruned-configmap', { document: undefined, documentConfigMap: { name: 'doc', key: 'job.json' } }, batch],
    ]);
    const [cancels, deletes] = [stack.calls('CancelJob'), stack.calls('DeleteJob')];

    // What a prune or a namespace deletion does: the IoTJobs deleted at once, the ConfigMap with them.
    await stack.rest.request('DELETE', `/apis/iot.gitops.dev/v1alpha1/namespaces/${stack.ns}/iotjobs`, { query: { labelSelector: 'batch=prune' } });
    await stack.rest.request('DELETE', `/api/v1/namespaces/${stack.ns}/configmaps/doc`);
    for (const name of PRUNED) {
      const s = await stack.untilStatus(
        name,
        'Stalled by the deletion guard',
        (st) => KubeStack.condition(st, 'Stalled')?.message.includes('deletion held') === true,
      );
      expect(KubeStack.condition(s.status, 'Stalled')!.message).toContain('3 of 4 managed IoTJobs are being deleted together (75%, more than 50%)');
      await stack.until(`the DeletionHeld event of ${name}`, async () =>
        (await stack.events(name)).find((e) => e.type === 'Warning' && e.reason === 'DeletionHeld'),
      );
    }
    const [first] = stack.controllers;
    expect(await heldMetric(first!)).toBe(3);
    const events = await stack.events('pruned-cancel');
    expect(events.find((e) => e.reason === 'DeletionHeld')!.message).toContain(
      `kubectl annotate iotjob pruned-cancel -n ${stack.ns} ${APPROVE_ANNOTATION}=true`,
    );
    expect(first!.logs.filter((l) => /^deletion guard: holding 3 deletions/.test(l.msg))).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 4_000));
    await expectHeld(PRUNED);
    expect([stack.calls('CancelJob'), stack.calls('DeleteJob')]).toEqual([cancels, deletes]);
    expect((await stack.get('pruned-delete'))!.metadata).toMatchObject({ annotations: { [HELD_ANNOTATION]: expect.stringContaining('3 of 4') } });

    // A new controller (a restart, or another replica elected) reads the holds from the objects.
    stack.controllers.splice(0, 1);
    await first!.app.stop();
    const second = await stack.start();
    await stack.until('the holds seen again', async () => (await heldMetric(second)) === 3);
    await new Promise((r) => setTimeout(r, 4_000));
    await expectHeld(PRUNED);
    expect([stack.calls('CancelJob'), stack.calls('DeleteJob')]).toEqual([cancels, deletes]);
    expect((await stack.events('pruned-cancel')).filter((e) => e.reason === 'DeletionHeld').map((e) => e.count)).toEqual([1]);

    for (const name of PRUNED)
      await stack.rest.request('PATCH', iotJobPath(stack.ns, name), {
        body: { metadata: { annotations: { [APPROVE_ANNOTATION]: 'true' } } },
        contentType: MERGE_PATCH,
      });
    for (const name of PRUNED) await stack.until(`${name} gone`, async () => (await stack.get(name)) === undefined, 30_000);
    expect(stack.job('pruned-cancel')?.status).toBe('CANCELED');
    expect(stack.job('pruned-configmap')?.status).toBe('CANCELED');
    expect(stack.emu.service.state.jobs.has('pruned-delete')).toBe(false);
    expect(stack.job('kept')?.status).toBe('IN_PROGRESS');
    expect(await heldMetric(second)).toBe(0);
  }, 120_000);

  it('lets one deletion of 1 among 4 go at once', async () => {
    await createRunning([
      ['single-1', {}],
      ['single-2', {}],
      ['single-3', {}],
    ]);
    const started = Date.now();
    await stack.delete('single-1');
    await stack.until('single-1 gone', async () => (await stack.get('single-1')) === undefined, 15_000);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(stack.job('single-1')?.status).toBe('CANCELED');
    expect((await stack.events('single-1')).some((e) => e.reason === 'DeletionHeld')).toBe(false);
    expect(['kept', 'single-2', 'single-3'].map((n) => stack.job(n)?.status)).toEqual(['IN_PROGRESS', 'IN_PROGRESS', 'IN_PROGRESS']);
  }, 60_000);
});
