/**
 * A small fleet for staged-rollout tests, on the emulator in-process: canary ⊂ fleet and ten ⊂
 * fleet (as fleets are usually grouped), with devices the test drives through the data plane so
 * that each thing's outcome is chosen, not drawn, and every start and finish is logged.
 */
import type { Emulator } from '../../emulator/index.js';

/** canary ⊂ fleet, ten ⊂ fleet: 2 + 3 + 5 things, all in fleet. */
export const GROUPS = { canary: ['c1', 'c2'], ten: ['t1', 't2', 't3'], rest: ['f1', 'f2', 'f3', 'f4', 'f5'] };
export const ALL = [...GROUPS.canary, ...GROUPS.ten, ...GROUPS.rest];

/** Creates groups canary and ten (fleet exists) and the things, each in fleet and in its own group. */
export function provisionWaveGroups(emu: Emulator): void {
  emu.service.call('CreateThingGroup', { thingGroupName: 'canary' });
  emu.service.call('CreateThingGroup', { thingGroupName: 'ten' });
  for (const t of ALL) {
    emu.service.call('CreateThing', { thingName: t });
    emu.service.call('AddThingToThingGroup', { thingGroupName: 'fleet', thingName: t });
  }
  for (const t of GROUPS.canary) emu.service.call('AddThingToThingGroup', { thingGroupName: 'canary', thingName: t });
  for (const t of GROUPS.ten) emu.service.call('AddThingToThingGroup', { thingGroupName: 'ten', thingName: t });
}

/** Devices that take their next execution every 20 ms and report the outcome `decide` gives. */
export class Devices {
  readonly log: { thing: string; jobId: string; event: 'start' | 'finish'; at: number }[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly emu: Emulator,
    public decide: (thing: string) => 'SUCCEEDED' | 'FAILED',
  ) {
    this.timer = setInterval(() => this.tick(), 20);
  }

  private tick(): void {
    for (const thing of ALL) {
      const { execution } = this.emu.service.call('StartNextPendingJobExecution', { thingName: thing }) as { execution?: { jobId: string } };
      if (!execution) continue;
      this.log.push({ thing, jobId: execution.jobId, event: 'start', at: Date.now() });
      this.emu.service.call('UpdateJobExecution', { thingName: thing, jobId: execution.jobId, status: this.decide(thing) });
      this.log.push({ thing, jobId: execution.jobId, event: 'finish', at: Date.now() });
    }
  }

  /** When the given things started an execution. */
  startsOf(things: readonly string[]): number[] {
    return this.log.filter((e) => e.event === 'start' && things.includes(e.thing)).map((e) => e.at);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Three waves over those groups: canary (all must succeed), ten-percent (none may fail, its own rate), fleet (no gate). */
export const WAVES = [
  { name: 'canary', targets: ['thingGroup:canary'], gate: { minSucceededRatio: 1, bakeMinutes: 0.01 } },
  { name: 'ten-percent', targets: ['thingGroup:ten'], jobExecutionsRolloutConfig: { maximumPerMinute: 500 }, gate: { maxFailedRatio: 0, bakeMinutes: 0.01 } },
  { name: 'fleet', targets: ['thingGroup:fleet'] },
];
