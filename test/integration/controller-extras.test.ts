/**
 * More user-facing paths of directory mode: per-thing execution overrides, the idempotent create,
 * and the HTTP endpoints (/metrics with per-job series, /healthz, /readyz).
 */
import { IoTClient } from '@aws-sdk/client-iot';
import { afterEach, describe, expect, it } from 'vitest';
import { MeteredIot } from '../../controller/aws/metered-iot.js';
import { SdkIotJobs } from '../../controller/aws/sdk-iot-jobs.js';
import { Metrics } from '../../controller/observability/metrics.js';
import { existingJobConflict } from '../../controller/plan/existing-create.js';
import { realClock } from '../../controller/runtime/clock.js';
import { aDesired } from '../helpers/builders.js';
import { CREDENTIALS, manifest, Stack } from '../helpers/stack.js';

let stack: Stack;
afterEach(async () => {
  await stack?.stop();
});

const execution = (jobId: string, thingName: string): Record<string, any> | undefined => {
  try {
    return (stack.emu.service.call('DescribeJobExecution', { jobId, thingName }) as { execution: Record<string, any> }).execution;
  } catch {
    return undefined;
  }
};

describe('execution overrides', () => {
  it('cancel a QUEUED execution, force-cancel an IN_PROGRESS one, and delete one', async () => {
    stack = await Stack.create({ things: 3 });
    stack.write('fw.yaml', manifest('fw', {}));
    await stack.start();
    await stack.until('the job to be created', () => stack.job('fw'));
    stack.emu.service.call('StartNextPendingJobExecution', { thingName: 'dev-2' });
    stack.emu.service.call('StartNextPendingJobExecution', { thingName: 'dev-3' });
    stack.write(
      'fw.yaml',
      manifest('fw', {
        executions: [
          { thingName: 'dev-1', action: 'Cancel' },
          { thingName: 'dev-2', action: 'Cancel', force: true },
          { thingName: 'dev-3', action: 'Delete', force: true },
        ],
      }),
    );
    await stack.until(
      'the overrides to be carried out',
      () => execution('fw', 'dev-1')?.status === 'CANCELED' && execution('fw', 'dev-2')?.status === 'CANCELED' && execution('fw', 'dev-3') === undefined,
    );
    expect(execution('fw', 'dev-2')!.forceCanceled).toBe(true);
    expect(stack.calls('CancelJobExecution')).toBe(2);
    expect(stack.calls('DeleteJobExecution')).toBe(1);
    await new Promise((r) => setTimeout(r, 1_200));
    expect(stack.calls('CancelJobExecution') + stack.calls('DeleteJobExecution')).toBe(3);
  });
});

describe('the idempotent create', () => {
  it('reads the job back on ResourceAlreadyExists; it is our own create only when ours, for this manifest, and identical', async () => {
    stack = await Stack.create();
    const client = new IoTClient({ endpoint: stack.emu.url, region: 'us-east-1', credentials: CREDENTIALS });
    const jobs = new SdkIotJobs({
      iot: new MeteredIot({ client, clock: realClock, metrics: new Metrics({ defaultMetrics: false }) }),
      controllerId: 'ctl-test',
      partition: () => ({ account: '123456789012', region: 'us-east-1' }),
    });
    const partition = { account: '123456789012', region: 'us-east-1' };
    const existing = async (manifestKey: string, jobId: string, over = {}) => {
      const result = await jobs.create(aDesired(over, manifestKey), jobId);
      if (!('exists' in result)) throw new Error(`expected job ${jobId} to exist already`);
      return existingJobConflict(aDesired(over, manifestKey), result.exists, partition, 'ctl-test');
    };
    try {
      expect(await jobs.create(aDesired({}, 'fw'), 'fw')).toEqual({ created: true });
      expect(await existing('fw', 'fw')).toBeUndefined();
      expect(await existing('fw', 'fw', { document: { op: 'other' } })).toMatch(/already exists with a different document/);
      expect(await existing('another-manifest', 'fw')).toMatch(/already taken/);
      stack.emu.service.call('CreateJob', { jobId: 'theirs', targets: ['arn:aws:iot:us-east-1:123456789012:thinggroup/fleet'], document: '{"op":"ota"}' });
      expect(await existing('theirs', 'theirs')).toMatch(/did not create/);
    } finally {
      client.destroy();
    }
  });
});

describe('HTTP endpoints', () => {
  it('serve per-job metrics for all eight statuses, /healthz and /readyz', async () => {
    stack = await Stack.create({ things: 2 });
    stack.write('fw.yaml', manifest('fw', {}));
    const app = await stack.start();
    await stack.until('the job to be created', () => stack.job('fw'));
    const url = app.server!.url;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    await stack.until('readiness', async () => (await fetch(`${url}/readyz`)).status === 200);
    const text = await stack.until('the job series', async () => {
      const t = await (await fetch(`${url}/metrics`)).text();
      return /iotjobs_job_executions\{job_id="fw",status="QUEUED"\} 2/.test(t) ? t : undefined;
    });
    for (const s of ['QUEUED', 'IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'REJECTED', 'REMOVED', 'CANCELED'])
      expect(text).toContain(`iotjobs_job_executions{job_id="fw",status="${s}"}`);
    expect(text).toMatch(/iotjobs_aws_requests_total\{operation="CreateJob",outcome="ok"\} 1/);
    expect(text).toMatch(/iotjobs_reconcile_total\{result="success"\} [1-9]/);
    expect(text).toMatch(/iotjobs_source_errors_total 0/);
    expect(text).toContain('process_resident_memory_bytes');
    expect((await fetch(`${url}/nope`)).status).toBe(404);
  });

  it('POST /reconcile reconciles now: one key, or all after a fresh ListJobs; the counts are read afresh', async () => {
    stack = await Stack.create({ things: 2 });
    stack.write('fw.yaml', manifest('fw', {}));
    // A resync an hour apart: a read after the first ones is one that was asked for.
    const app = await stack.start(['--resync-seconds', '3600']);
    const url = app.server!.url;
    await stack.until('fw in sync', () => app.board.view().jobs.find((j) => j.key === 'fw' && j.ready === 'True' && j.awsStatus === 'IN_PROGRESS'));
    stack.emu.service.call('StartNextPendingJobExecution', { thingName: 'dev-1' });
    const [lists, describes] = [stack.calls('ListJobs'), stack.calls('DescribeJob')];
    const one = await fetch(`${url}/reconcile?key=fw`, { method: 'POST' });
    expect(one.status).toBe(202);
    expect(await one.json()).toMatchObject({ key: 'fw', queued: 1 });
    await stack.until('the new count on the board', () => app.board.view().jobs[0]!.counts.IN_PROGRESS === 1);
    expect(stack.calls('DescribeJob')).toBeGreaterThan(describes);
    expect(stack.calls('ListJobs')).toBe(lists);
    const all = await fetch(`${url}/reconcile`, { method: 'POST' });
    expect(all.status).toBe(202);
    expect(stack.calls('ListJobs')).toBe(lists + 1);
    // A second full resync at once is refused, so requests cannot become a stream of ListJobs.
    expect((await fetch(`${url}/reconcile`, { method: 'POST' })).status).toBe(429);
    expect(stack.calls('ListJobs')).toBe(lists + 1);
    expect((await fetch(`${url}/reconcile?key=nope`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${url}/reconcile`)).status).toBe(405);
  });
});

describe('a manifest AWS refuses', () => {
  it("is reported as stalled with AWS's message, not retried as an error", async () => {
    stack = await Stack.create();
    stack.write('late.yaml', manifest('late', { schedulingConfig: { startTime: '2020-01-01T00:00' } }));
    stack.write('fine.yaml', manifest('fine', {}));
    await stack.start();
    const stalled = await stack.until('the refusal to be reported', () => stack.logs.find((l) => l.key === 'late' && l.result === 'stalled'));
    expect(stalled.err).toMatch(/CreateJob was refused by AWS IoT: schedulingConfig.startTime must be at least 30 minutes/);
    await stack.until('the other job', () => stack.job('fine'));
    expect(stack.logs.filter((l) => l.key === 'late' && l.result === 'error')).toEqual([]);
    expect(stack.job('late')).toBeUndefined();
  });
});
