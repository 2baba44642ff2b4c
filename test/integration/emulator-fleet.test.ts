/**
 * The simulated fleet in-process: devices poll the data plane with the real SDK client, outcomes
 * are deterministic for a seed, and the rollout and abort settings of a job govern what happens.
 */
import { CreateJobCommand, DescribeJobCommand, IoTClient, ListJobExecutionsForJobCommand } from '@aws-sdk/client-iot';
import { describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../emulator/index.js';
import { outcomeOf } from '../../emulator/fleet/device.js';
import { waitFor } from '../helpers/processes.js';

const FLEET = 'arn:aws:iot:us-east-1:123456789012:thinggroup/fleet';

async function rollout(seed: number, extra: Record<string, unknown> = {}): Promise<{ statuses: Record<string, string>; job: Record<string, any> }> {
  const emu: Emulator = await startEmulator({
    timeScale: 600,
    fleet: { size: 12, seed, workMs: 6_000, failureRate: 0.25, rejectRate: 0.15, pollIntervalMs: 200 },
  });
  const iot = new IoTClient({ endpoint: emu.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' } });
  try {
    await iot.send(new CreateJobCommand({ jobId: 'fleet-job', targets: [FLEET], document: '{"op":"ota"}', ...extra }));
    const job = await waitFor('the fleet job to finish', async () => {
      const j = (await iot.send(new DescribeJobCommand({ jobId: 'fleet-job' }))).job!;
      return j.status === 'COMPLETED' || j.status === 'CANCELED' ? j : undefined;
    });
    const execs = await iot.send(new ListJobExecutionsForJobCommand({ jobId: 'fleet-job', maxResults: 250 }));
    const statuses = Object.fromEntries(execs.executionSummaries!.map((e) => [e.thingArn!.split('/')[1]!, e.jobExecutionSummary!.status!]));
    return { statuses, job: job as Record<string, any> };
  } finally {
    iot.destroy();
    await emu.close();
  }
}

describe('simulated fleet', () => {
  it('gives the same outcome per device for the same seed, and a different spread for another seed', async () => {
    const a = await rollout(7);
    const b = await rollout(7);
    const c = await rollout(8);
    expect(a.statuses).toEqual(b.statuses);
    expect(Object.keys(a.statuses)).toHaveLength(12);
    expect(new Set(Object.values(a.statuses))).toEqual(new Set(['SUCCEEDED', 'FAILED', 'REJECTED']));
    expect(c.statuses).not.toEqual(a.statuses);
    expect(a.job.status).toBe('COMPLETED');
  });

  it('outcomes follow the configured rates over many attempts', () => {
    const counts = { SUCCEEDED: 0, FAILED: 0, REJECTED: 0 };
    for (let i = 0; i < 10_000; i++)
      counts[outcomeOf({ seed: 1, failureRate: 0.1, rejectRate: 0.05 }, `d-${i}`, { jobId: 'j', executionNumber: 1, versionNumber: 2 })]++;
    expect(counts.FAILED / 10_000).toBeCloseTo(0.1, 1);
    expect(counts.REJECTED / 10_000).toBeCloseTo(0.05, 1);
  });

  it('a job whose abort criteria the fleet meets is canceled by the service', async () => {
    const { job } = await rollout(7, {
      abortConfig: { criteriaList: [{ failureType: 'ALL', action: 'CANCEL', thresholdPercentage: 10, minNumberOfExecutedThings: 3 }] },
      jobExecutionsRolloutConfig: { maximumPerMinute: 2 },
    });
    expect(job.status).toBe('CANCELED');
    expect(job.reasonCode).toBe('ABORT_CRITERIA_MET');
  });
});
