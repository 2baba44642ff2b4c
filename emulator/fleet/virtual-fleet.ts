/**
 * The fleet of a model in virtual time: the same things, groups and per-device draws as Fleet
 * (behavior.ts), but each device is a pair of timed callbacks on a scheduler instead of a loop over
 * HTTP. A device that hears of pending work (the service's in-process notification) starts it after
 * its accept delay with StartNextPendingJobExecution, and reports the outcome after its work time
 * with UpdateJobExecution, both called in-process; then it looks for more. Progress reports are
 * left out: they change no count. Silent and offline devices never call.
 */
import type { IotJobsService } from '../core/service.js';
import { acceptMsOf, outcomeOf, presenceOf, workMsOf, type DeviceBehavior, type Outcome } from './behavior.js';
import { groupBehaviors, modelLayout, type FleetLayout } from './layout.js';
import type { FleetModel } from './model.js';

/** Runs callbacks at virtual times. */
export interface Scheduler {
  now(): number;
  /** Runs `fn` at `at` (a synchronous callback that starts no asynchronous work). */
  schedule(at: number, fn: () => void): unknown;
}

/** Error names that mean the execution went away underneath the device (canceled, deleted, timed out). */
const GONE = new Set(['ResourceNotFoundException', 'InvalidStateTransitionException', 'TerminalStateException', 'InvalidRequestException']);

interface VirtualDevice {
  name: string;
  behavior: DeviceBehavior;
  /** Working on an execution, or about to look for one. */
  busy: boolean;
  looks: number;
}

/** A started execution, as the device was told of it. */
interface Started {
  jobId: string;
  executionNumber: number;
  versionNumber: number;
}

/** Attempts finished, by outcome, plus those abandoned because the execution went away. */
export type VirtualTotals = Record<Outcome | 'abandoned', number>;

/** What the fleet tells a listener: a device started an execution, or reported its outcome. */
export interface FleetListener {
  started(thingName: string, jobId: string, at: number): void;
  finished(thingName: string, jobId: string, outcome: Outcome, at: number): void;
}

/** A model's fleet on virtual time. */
export class VirtualFleet {
  readonly layout: FleetLayout;
  private readonly devices = new Map<string, VirtualDevice>();
  readonly totals: VirtualTotals = { SUCCEEDED: 0, FAILED: 0, REJECTED: 0, abandoned: 0 };
  private unsubscribe: () => void = () => undefined;

  constructor(
    private readonly service: IotJobsService,
    private readonly scheduler: Scheduler,
    model: FleetModel,
    private readonly listener?: FleetListener,
  ) {
    this.layout = modelLayout(model);
  }

  /** Creates the groups and things in the service (in-process) and starts listening for notifications. */
  provision(): void {
    for (const group of this.layout.groups) this.service.call('CreateThingGroup', { thingGroupName: group });
    const behaviors = groupBehaviors(this.layout);
    for (const t of this.layout.things) {
      this.service.call('CreateThing', { thingName: t.name });
      for (const group of t.memberOf) this.service.call('AddThingToThingGroup', { thingGroupName: group, thingName: t.name });
      const behavior = behaviors.get(t.group)!;
      if (presenceOf(behavior, t.name) === 'answering') this.devices.set(t.name, { name: t.name, behavior, busy: false, looks: 0 });
    }
    this.unsubscribe = this.service.onNotify((thing) => this.heard(thing));
  }

  /** Stops listening. */
  stop(): void {
    this.unsubscribe();
  }

  /** Whether a thing's device answers (silent and offline ones never do). */
  answers(thingName: string): boolean {
    return this.devices.has(thingName);
  }

  private heard(thingName: string): void {
    const d = this.devices.get(thingName);
    if (!d || d.busy) return;
    this.lookLater(d);
  }

  private lookLater(d: VirtualDevice): void {
    d.busy = true;
    this.scheduler.schedule(this.scheduler.now() + acceptMsOf(d.behavior, d.name, d.looks++), () => this.look(d));
  }

  /** StartNextPendingJobExecution; schedules the final report of what it started, or goes idle. */
  private look(d: VirtualDevice): void {
    const out = this.service.call('StartNextPendingJobExecution', { thingName: d.name }) as { execution?: Started };
    const exec = out.execution;
    if (!exec) {
      d.busy = false;
      return;
    }
    this.listener?.started(d.name, exec.jobId, this.scheduler.now());
    const outcome = outcomeOf(d.behavior, d.name, exec);
    const workMs = outcome === 'REJECTED' ? 0 : workMsOf(d.behavior, d.name, exec);
    this.scheduler.schedule(this.scheduler.now() + workMs, () => this.finish(d, exec, outcome));
  }

  private finish(d: VirtualDevice, exec: Started, outcome: Outcome): void {
    try {
      this.service.call('UpdateJobExecution', {
        thingName: d.name,
        jobId: exec.jobId,
        executionNumber: exec.executionNumber,
        status: outcome,
        expectedVersion: exec.versionNumber,
      });
      this.totals[outcome]++;
      this.listener?.finished(d.name, exec.jobId, outcome, this.scheduler.now());
    } catch (err) {
      if (!GONE.has((err as Error).name)) throw err;
      this.totals.abandoned++;
    }
    this.lookLater(d);
  }
}
