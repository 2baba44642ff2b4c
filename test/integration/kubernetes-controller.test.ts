/**
 * Kubernetes mode end to end: IoTJobs applied to a real kube-apiserver, the controller watching
 * them, the emulator (with a simulated fleet) as AWS IoT. Status, finalizer, events, updates,
 * cancels and each deletionPolicy are checked through the API, as a user would see them.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINALIZER } from '../../controller/kube/iotjob-resource.js';
import { KubeStack } from '../helpers/kube-stack.js';
import { requireProgram } from '../helpers/tools.js';

let stack: KubeStack;

beforeAll(async () => {
  stack = await KubeStack.create({
    emulator: { timeScale: 300, fleet: { size: 8, seed: 7, workMs: 30_000, failureRate: 0.25, rejectRate: 0, pollIntervalMs: 100 } },
  });
  // Things no simulated device answers for: their executions stay QUEUED, so a job on them stays IN_PROGRESS.
  stack.emu.service.call('CreateThingGroup', { thingGroupName: 'idle' });
  for (const t of ['idle-1', 'idle-2', 'idle-3']) {
    stack.emu.service.call('CreateThing', { thingName: t });
    stack.emu.service.call('AddThingToThingGroup', { thingGroupName: 'idle', thingName: t });
  }
  await stack.start();
});

afterAll(async () => {
  await stack?.stop();
});

describe('Kubernetes mode', () => {
  it('creates the job, adds the finalizer first, and the status follows the fleet to the end', async () => {
    await stack.create('rollout', { description: 'fleet rollout' });
    const job = await stack.until('the job in the emulator', () => stack.job('rollout'));
    expect(job.description).toBe('fleet rollout');
    const obj = await stack.get('rollout');
    expect(obj!.metadata.finalizers).toContain(FINALIZER);
    const done = await stack.untilStatus(
      'rollout',
      'all 8 executions finished',
      (s) => s.awsStatus === 'COMPLETED' && s.executions.succeeded + s.executions.failed === 8,
      60_000,
    );
    const s = done.status!;
    expect(s.jobId).toBe('rollout');
    expect(s.jobArn).toBe('arn:aws:iot:us-east-1:123456789012:job/rollout');
    expect(s.observedGeneration).toBe(done.metadata.generation);
    expect(KubeStack.condition(s, 'Ready')).toMatchObject({ status: 'True', reason: 'Synced' });
    expect(KubeStack.condition(s, 'Reconciling')?.status).toBe('False');
    expect(KubeStack.condition(s, 'Stalled')?.status).toBe('False');
    expect(s.executions.failed).toBeGreaterThan(0);
    expect(s.failedThings.length).toBe(s.executions.failed);
    for (const f of s.failedThings) expect(f).toMatchObject({ status: 'FAILED', thingName: expect.stringMatching(/^device-/) });
    const truth = stack.job('rollout')!.jobProcessDetails;
    expect([s.executions.succeeded, s.executions.failed]).toEqual([truth.numberOfSucceededThings, truth.numberOfFailedThings]);
    const events = await stack.events('rollout');
    expect(events.filter((e) => e.reason === 'Created')).toHaveLength(1);
    expect(events.find((e) => e.reason === 'Created')!.message).toBe('Created AWS IoT job rollout');
  }, 90_000);

  it('shows a rollout in progress: Ready, with the counts so far', async () => {
    await stack.create('partial', { targets: ['thingGroup:fleet', 'thingGroup:idle'] });
    const mid = await stack.untilStatus(
      'partial',
      'the fleet done and the idle things queued',
      (s) => s.awsStatus === 'IN_PROGRESS' && s.executions?.succeeded + s.executions?.failed === 8 && s.executions?.queued === 3,
      40_000,
    );
    expect(KubeStack.condition(mid.status, 'Ready')).toMatchObject({ status: 'True', reason: 'Synced' });
    expect(KubeStack.condition(mid.status, 'Ready')!.message).toMatch(/^job partial is IN_PROGRESS: \d+ of 11 executions succeeded, \d+ failed, 3 pending$/);
  }, 60_000);

  it('issues UpdateJob when the description is edited', async () => {
    await stack.create('edit', { targets: ['thingGroup:idle'], description: 'before' });
    await stack.untilStatus('edit', 'Ready', (s) => KubeStack.condition(s, 'Ready')?.status === 'True');
    const updates = stack.calls('UpdateJob');
    const patched = await stack.patchSpec('edit', { description: 'after' });
    await stack.until('the new description in AWS', () => stack.job('edit')?.description === 'after');
    expect(stack.calls('UpdateJob')).toBe(updates + 1);
    const s = await stack.untilStatus(
      'edit',
      'the new generation observed',
      (st) => st.observedGeneration === patched.metadata.generation && KubeStack.condition(st, 'Ready')?.status === 'True',
    );
    expect(s.status!.lastAction).toContain('noop');
    expect((await stack.events('edit')).some((e) => e.reason === 'Updated' && e.message.includes('description'))).toBe(true);
  });

  it('issues CancelJob when state is set to Canceled', async () => {
    await stack.create('stop-me', { targets: ['thingGroup:idle'] });
    await stack.untilStatus('stop-me', 'the job running', (s) => s.awsStatus === 'IN_PROGRESS');
    await stack.patchSpec('stop-me', { state: 'Canceled', cancel: { reasonCode: 'BAD_BUILD', comment: 'pulled' } });
    const s = await stack.untilStatus(
      'stop-me',
      'the job canceled',
      (st) => st.awsStatus === 'CANCELED' && KubeStack.condition(st, 'Ready')?.status === 'True',
    );
    expect(stack.job('stop-me')).toMatchObject({ status: 'CANCELED', reasonCode: 'BAD_BUILD', comment: 'pulled' });
    expect(KubeStack.condition(s.status, 'Ready')?.message).toContain('CANCELED');
    expect((await stack.events('stop-me')).some((e) => e.reason === 'Canceled')).toBe(true);
  });

  it('reports a change AWS cannot apply as Stalled, with the reason, and touches nothing', async () => {
    await stack.create('doc-change', { document: { op: 'ota', v: 1 } });
    await stack.untilStatus('doc-change', 'Ready', (s) => KubeStack.condition(s, 'Ready')?.status === 'True');
    const creates = stack.calls('CreateJob');
    await stack.patchSpec('doc-change', { document: { op: 'ota', v: 2 } });
    const s = await stack.untilStatus('doc-change', 'Stalled', (st) => KubeStack.condition(st, 'Stalled')?.status === 'True');
    expect(KubeStack.condition(s.status, 'Stalled')!.message).toContain('document cannot be changed on an existing job; set spec.replacePolicy: Recreate');
    expect(KubeStack.condition(s.status, 'Ready')).toMatchObject({ status: 'False', reason: 'NeedsAttention' });
    expect(stack.calls('CreateJob')).toBe(creates);
    expect((await stack.events('doc-change')).some((e) => e.type === 'Warning' && e.reason === 'Stalled')).toBe(true);
  });

  it('reads the document from a ConfigMap, and waits for one that does not exist yet', async () => {
    await stack.create('from-cm', { document: undefined, documentConfigMap: { name: 'ota-doc', key: 'job.json' } });
    const waiting = await stack.untilStatus('from-cm', 'Stalled on the missing ConfigMap', (s) => KubeStack.condition(s, 'Stalled')?.status === 'True');
    expect(KubeStack.condition(waiting.status, 'Stalled')!.message).toContain(`spec.documentConfigMap: ConfigMap ${stack.ns}/ota-doc does not exist`);
    expect(stack.job('from-cm')).toBeUndefined();
    // One view of health: the status board (status page, status.json, the status CLI) shows it too (regression: it was absent, sourceProblems empty).
    const board = stack.controllers[0]!.app.board.view();
    expect(board.jobs.find((j) => j.key === `${stack.ns}/from-cm`)).toMatchObject({ ready: 'False', reason: 'NeedsAttention', jobId: undefined });
    expect(board.sourceProblems).toContainEqual(
      expect.stringMatching(new RegExp(`^${stack.ns}/from-cm: spec.documentConfigMap: ConfigMap ${stack.ns}/ota-doc does not exist`)),
    );
    await stack.rest.request('POST', `/api/v1/namespaces/${stack.ns}/configmaps`, {
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ota-doc' }, data: { 'job.json': '{"op":"ota","from":"configmap"}' } },
    });
    await stack.until('the job created from the ConfigMap', () => stack.job('from-cm'));
    const doc = stack.emu.service.call('GetJobDocument', { jobId: 'from-cm' }) as { document: string };
    expect(JSON.parse(doc.document)).toEqual({ op: 'ota', from: 'configmap' });
    await stack.untilStatus('from-cm', 'Ready', (s) => KubeStack.condition(s, 'Ready')?.status === 'True');
  });

  it('refuses a second IoTJob that claims a job id already claimed, leaving the first alone', async () => {
    await stack.create('first-claim', { jobId: 'shared-id' });
    await stack.until('the job', () => stack.job('shared-id'));
    await stack.create('second-claim', { jobId: 'shared-id', description: 'thief' });
    const s = await stack.untilStatus('second-claim', 'Stalled', (st) => KubeStack.condition(st, 'Stalled')?.status === 'True');
    expect(KubeStack.condition(s.status, 'Stalled')!.message).toContain(`job id "shared-id" is already claimed by IoTJob ${stack.ns}/first-claim`);
    expect(stack.job('shared-id')!.description).toBeUndefined();
  });

  it.each([
    ['Cancel', 'CANCELED'],
    ['Delete', undefined],
    ['Orphan', 'IN_PROGRESS'],
  ] as const)(
    'applies deletionPolicy %s when the IoTJob is deleted, then lets it go',
    async (policy, after) => {
      const name = `del-${policy.toLowerCase()}`;
      await stack.create(name, { deletionPolicy: policy, targets: ['thingGroup:idle'] });
      await stack.untilStatus(name, 'the job running', (s) => s.awsStatus === 'IN_PROGRESS');
      await stack.delete(name);
      await stack.until(`the IoTJob ${name} gone`, async () => (await stack.get(name)) === undefined, 30_000);
      expect(stack.job(name)?.status).toBe(after);
      if (policy === 'Delete') expect(stack.emu.service.state.jobs.has(name)).toBe(false);
    },
    45_000,
  );

  it("labels the execution series with the IoTJob's namespace and name, and promtool check metrics is silent", async () => {
    const app = stack.controllers[0]!.app;
    const text = await (await fetch(`${app.server!.url}/metrics`)).text();
    expect(text).toContain(`iotjobs_job_executions{job_id="rollout",status="SUCCEEDED",namespace="${stack.ns}",name="rollout"}`);
    expect(text).toMatch(new RegExp(`iotjobs_job_info\\{job_id="rollout",status="COMPLETED",source="${stack.ns}/rollout",revision="1"\\} 1`));
    const r = spawnSync(requireProgram('promtool', 'prometheus'), ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('lets an IoTJob that never reached AWS be deleted at once', async () => {
    await stack.create('never', { suspend: true });
    await stack.untilStatus('never', 'Ready (suspended)', (s) => KubeStack.condition(s, 'Ready')?.reason === 'Suspended');
    expect((await stack.get('never'))!.metadata.finalizers ?? []).not.toContain(FINALIZER);
    await stack.delete('never');
    expect(await stack.get('never')).toBeUndefined();
  });
});
