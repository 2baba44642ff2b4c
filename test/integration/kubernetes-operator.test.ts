/**
 * What an operator of Kubernetes mode looks at, on a real kube-apiserver with the emulator's
 * simulated fleet: rollout health as its own condition (Degraded, Aborted) beside Ready, the
 * printer columns as `kubectl get` and `-o wide` show them (the server-side Table), a reconcile
 * asked for now by annotation (ours and Flux's) with status.lastHandledReconcileAt, names with
 * dots, the field manager on every write, and metric series that leave with their IoTJob.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLUX_RECONCILE_ANNOTATION, iotJobPath, RECONCILE_ANNOTATION } from '../../controller/kube/iotjob-resource.js';
import { MERGE_PATCH } from '../../controller/kube/rest.js';
import { KubeStack, type RunningController } from '../helpers/kube-stack.js';

let stack: KubeStack;
let controller: RunningController;

beforeAll(async () => {
  // Seed 7 with a quarter failing: the other Kubernetes test shows some of the 8 fail, so a job on the fleet is Degraded at 10%.
  stack = await KubeStack.create({
    emulator: { timeScale: 300, fleet: { size: 8, seed: 7, workMs: 30_000, failureRate: 0.25, rejectRate: 0, pollIntervalMs: 100 } },
  });
  stack.emu.service.call('CreateThingGroup', { thingGroupName: 'idle' });
  stack.emu.service.call('CreateThing', { thingName: 'idle-1' });
  stack.emu.service.call('AddThingToThingGroup', { thingGroupName: 'idle', thingName: 'idle-1' });
  // A resync an hour apart: anything sooner is a reconcile that was asked for.
  controller = await stack.start(['--resync-seconds', '3600']);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

/** The IoTJobs as `kubectl get iotjobs -o wide` receives them: column names, and each row's cells by column. */
async function table(): Promise<Record<string, Record<string, unknown>>> {
  const t = await stack.rest.request<{ columnDefinitions: { name: string }[]; rows: { cells: unknown[]; object: { metadata: { name: string } } }[] }>(
    'GET',
    `/apis/iot.gitops.dev/v1alpha1/namespaces/${stack.ns}/iotjobs`,
    { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io', query: { includeObject: 'Metadata' } },
  );
  const names = t.columnDefinitions.map((c) => c.name);
  return Object.fromEntries(t.rows.map((r) => [r.object.metadata.name, Object.fromEntries(names.map((n, i) => [n, r.cells[i]]))]));
}

async function metricsText(): Promise<string> {
  return (await fetch(`${controller.app.server!.url}/metrics`)).text();
}

describe('Kubernetes mode, as an operator sees it', () => {
  it('reports a rollout with failures as Degraded while Ready stays True, in the status, the columns and a metric (regression: 12% failures read Ready and nothing else)', async () => {
    await stack.create('degraded', { description: 'fleet rollout' });
    const done = await stack.untilStatus('degraded', 'all 8 finished', (s) => s.awsStatus === 'COMPLETED' && s.progress === '8/8', 60_000);
    const s = done.status!;
    expect(s.executions.failed).toBeGreaterThan(0);
    expect(KubeStack.condition(s, 'Ready')).toMatchObject({ status: 'True', reason: 'Synced' });
    expect(KubeStack.condition(s, 'Healthy')).toMatchObject({
      status: 'False',
      reason: 'Degraded',
      message: `${s.executions.failed} of 8 executions (${Math.round((s.executions.failed / 8) * 1000) / 10}%) failed, timed out or were rejected; above the 10% threshold`,
    });
    const row = (await table()).degraded!;
    expect(row).toMatchObject({
      Ready: 'True',
      Health: 'Degraded',
      'AWS Status': 'COMPLETED',
      Progress: '8/8',
      Succeeded: s.executions.succeeded,
      Failed: s.executions.failed,
    });
    expect(row.Status).toBe(KubeStack.condition(s, 'Ready')!.message);
    expect(row).toMatchObject({ 'Job ID': 'degraded', Rejected: 0, TimedOut: 0, Reason: 'Synced' });
    expect(await metricsText()).toContain('iotjobs_job_healthy{job_id="degraded",reason="Degraded"} 0');
    // The README shows `kubectl get iotj -o wide` with these columns, in this order.
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    const header = readme.split('\n')[readme.split('\n').findIndex((l) => l.startsWith('kubectl get iotj -n iot-system -o wide')) + 1]!;
    expect(header.split(/ {2,}/).map((c) => c.trim())).toEqual(Object.keys(row).map((c) => c.toUpperCase()));
  }, 90_000);

  it("reports a job AWS aborted by its abort criteria as Aborted, with AWS's reason", async () => {
    const abortConfig = { criteriaList: [{ failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: 1, minNumberOfExecutedThings: 1 }] };
    await stack.create('aborted', { abortConfig, jobExecutionsRolloutConfig: { maximumPerMinute: 1 } });
    const s = await stack.untilStatus('aborted', 'Healthy False', (st) => KubeStack.condition(st, 'Healthy')?.status === 'False', 60_000);
    expect(s.status!.awsStatus).toBe('CANCELED');
    expect(KubeStack.condition(s.status, 'Healthy')).toMatchObject({
      reason: 'Aborted',
      message: expect.stringMatching(/^AWS aborted job aborted: ABORT_CRITERIA_MET: /),
    });
    expect((await table()).aborted).toMatchObject({ Health: 'Aborted' });
  }, 90_000);

  it("reconciles at once when asked by annotation, ours or Flux's, and reports the request handled in status.lastHandledReconcileAt", async () => {
    await stack.create('on-demand', { targets: ['thingGroup:idle'] });
    await stack.untilStatus('on-demand', 'Ready', (s) => KubeStack.condition(s, 'Ready')?.status === 'True' && s.awsStatus === 'IN_PROGRESS');
    for (const annotation of [FLUX_RECONCILE_ANNOTATION, RECONCILE_ANNOTATION]) {
      const describes = stack.calls('DescribeJob');
      const at = new Date().toISOString();
      await stack.rest.request('PATCH', iotJobPath(stack.ns, 'on-demand'), {
        body: { metadata: { annotations: { [annotation]: at } } },
        contentType: MERGE_PATCH,
      });
      const handled = await stack.untilStatus('on-demand', `${annotation} handled`, (s) => s.lastHandledReconcileAt === at, 10_000);
      expect(stack.calls('DescribeJob')).toBeGreaterThan(describes);
      expect(KubeStack.condition(handled.status, 'Ready')?.status).toBe('True');
    }
  });

  it('gives an IoTJob named with dots the default jobId with underscores (regression: it was Stalled, and jobId could not be set)', async () => {
    await stack.create('sensor-firmware-2.4.1', { targets: ['thingGroup:idle'] });
    const s = await stack.untilStatus('sensor-firmware-2.4.1', 'Ready', (st) => KubeStack.condition(st, 'Ready')?.status === 'True');
    expect(s.status!.jobId).toBe('sensor-firmware-2_4_1');
    expect(stack.job('sensor-firmware-2_4_1')).toBeDefined();
  });

  it('names itself as the field manager of every write (regression: "unknown")', async () => {
    await stack.rest.request('POST', `/apis/iot.gitops.dev/v1alpha1/namespaces/${stack.ns}/iotjobs`, {
      body: stack.resource('managed', { targets: ['thingGroup:idle'] }),
      query: { fieldManager: 'kubectl-client-side-apply' },
    });
    const obj = await stack.untilStatus('managed', 'Ready', (s) => KubeStack.condition(s, 'Ready')?.status === 'True');
    const managers = (obj.metadata as { managedFields?: { manager: string; subresource?: string }[] }).managedFields!.map(
      (m) => `${m.manager}${m.subresource ? `/${m.subresource}` : ''}`,
    );
    expect(managers.sort()).toEqual(['iot-jobs-controller', 'iot-jobs-controller/status', 'kubectl-client-side-apply']);
  });

  it("removes a job's series when its IoTJob is deleted, though the job stays in AWS (deletionPolicy Orphan)", async () => {
    await stack.create('leaves', { targets: ['thingGroup:idle'], deletionPolicy: 'Orphan' });
    await stack.untilStatus('leaves', 'Ready', (s) => KubeStack.condition(s, 'Ready')?.status === 'True' && s.awsStatus === 'IN_PROGRESS');
    await stack.until('its series', async () => (await metricsText()).includes('iotjobs_job_info{job_id="leaves"'));
    await stack.delete('leaves');
    await stack.until('the IoTJob gone', async () => (await stack.get('leaves')) === undefined);
    await stack.until('its series gone', async () => !(await metricsText()).includes('job_id="leaves"'));
    expect(stack.job('leaves')?.status).toBe('IN_PROGRESS');
    expect(controller.app.board.view().jobs.map((j) => j.key)).not.toContain(`${stack.ns}/leaves`);
  });
});
