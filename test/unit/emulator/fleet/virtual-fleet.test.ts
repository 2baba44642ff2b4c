/**
 * The virtual fleet (emulator/fleet/virtual-fleet.ts): a model's devices as timed callbacks on the
 * service in-process. Each answering device starts after its accept delay and reports after its
 * work time, with the outcome behavior.ts draws; silent ones never call; executions that went away
 * are abandoned, not errors.
 */
import { describe, expect, it } from 'vitest';
import { VirtualTime } from '../../../../controller/rehearse/virtual-time.js';
import { IotJobsService } from '../../../../emulator/core/service.js';
import { outcomeOf } from '../../../../emulator/fleet/behavior.js';
import { VirtualFleet } from '../../../../emulator/fleet/virtual-fleet.js';
import type { FleetModel } from '../../../../emulator/fleet/model.js';

const START = Date.UTC(2027, 0, 1);
const GROUP = 'arn:aws:iot:us-east-1:123456789012:thinggroup/';

async function build(model: FleetModel) {
  const time = new VirtualTime(START);
  const service = new IotJobsService({ clock: time });
  const events: string[] = [];
  const fleet = new VirtualFleet(service, time, model, {
    started: (thing, jobId, at) => events.push(`${(at - START) / 1000}s start ${thing}`),
    finished: (thing, jobId, outcome, at) => events.push(`${(at - START) / 1000}s ${outcome} ${thing}`),
  });
  fleet.provision();
  const run = async (untilMs: number): Promise<void> => {
    const timers = { nextAt: () => service.state.timers.peekTime(), reached: () => void service.tick() };
    while (await time.advance(START + untilMs, timers));
  };
  return { time, service, fleet, events, run };
}

describe('the virtual fleet', () => {
  it('starts each execution after the accept delay and reports it after the work time, with the drawn outcome', async () => {
    const model: FleetModel = { seed: 3, defaults: { failureRate: 0.5, rejectRate: 0, workSeconds: 60, acceptSeconds: 5 }, groups: [{ name: 'g', size: 4 }] };
    const { service, fleet, events, run } = await build(model);
    service.call('CreateJob', { jobId: 'j', targets: [`${GROUP}g`], document: '{}' });
    await run(3_600_000);
    const expected = fleet.layout.things.map((t) => ({
      name: t.name,
      outcome: outcomeOf({ seed: 3, failureRate: 0.5, rejectRate: 0 }, t.name, { jobId: 'j', executionNumber: 1, versionNumber: 2 }),
    }));
    expect(events.filter((e) => e.startsWith('5s start'))).toHaveLength(4);
    expect(events.filter((e) => e.startsWith('65s ')).sort()).toEqual(expected.map((e) => `65s ${e.outcome} ${e.name}`).sort());
    const job = (service.call('DescribeJob', { jobId: 'j' }) as { job: { status: string } }).job;
    expect(job.status).toBe('COMPLETED');
    expect(fleet.totals.SUCCEEDED + fleet.totals.FAILED).toBe(4);
  });

  it('leaves the executions of silent devices QUEUED, and abandons an execution canceled while it works', async () => {
    const model: FleetModel = {
      defaults: { failureRate: 0, rejectRate: 0, workSeconds: 600 },
      groups: [
        { name: 'quiet', size: 3, silentRate: 1 },
        { name: 'busy', size: 2 },
      ],
    };
    const { service, fleet, time, run } = await build(model);
    expect(['quiet-0001', 'busy-0001'].map((t) => fleet.answers(t))).toEqual([false, true]);
    service.call('CreateJob', { jobId: 'j', targets: [`${GROUP}quiet`, `${GROUP}busy`], document: '{}' });
    await run(60_000);
    const status = (thingName: string): string =>
      (service.call('DescribeJobExecution', { jobId: 'j', thingName }) as { execution: { status: string } }).execution.status;
    expect(['quiet-0001', 'quiet-0003', 'busy-0001'].map(status)).toEqual(['QUEUED', 'QUEUED', 'IN_PROGRESS']);
    time.setTimer(() => service.call('CancelJob', { jobId: 'j', force: true }), 0);
    await run(3_600_000);
    expect(fleet.totals).toEqual({ SUCCEEDED: 0, FAILED: 0, REJECTED: 0, abandoned: 2 });
    expect(status('quiet-0001')).toBe('CANCELED');
  });
});
