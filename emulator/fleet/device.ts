/**
 * One simulated device. It talks to the jobs data plane with the real
 * @aws-sdk/client-iot-jobs-data-plane client, as a device on HTTPS would: StartNextPendingJobExecution,
 * progress reports in statusDetails, then SUCCEEDED, FAILED or REJECTED. Whether it answers at all,
 * the outcome of each attempt and its duration depend only on the seed, the thing, the job and the
 * attempt (behavior.ts), so a run is repeatable. A silent or offline device never calls the service.
 */
import {
  StartNextPendingJobExecutionCommand,
  UpdateJobExecutionCommand,
  type IoTJobsDataPlaneClient,
  type JobExecution,
} from '@aws-sdk/client-iot-jobs-data-plane';
import { acceptMsOf, outcomeOf, presenceOf, workMsOf, type DeviceBehavior, type Outcome, type Presence } from './behavior.js';

export { outcomeOf, type DeviceBehavior, type Outcome } from './behavior.js';

/** Runs a call when the fleet has room for another one in flight. */
export type Gate = <T>(call: () => Promise<T>) => Promise<T>;

const ungated: Gate = (call) => call();

/**
 * A gate that lets at most `limit` calls run at once; the rest wait in order. It keeps a large
 * fleet from holding thousands of half-built SDK requests in memory at the same time.
 */
export function gate(limit: number): Gate {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (call) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await call();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

/** The error names that mean "this execution went away underneath me" (canceled, deleted, timed out). */
const GONE = new Set(['ResourceNotFoundException', 'InvalidStateTransitionException', 'TerminalStateException', 'InvalidRequestException']);

/** Where a device reports its errors (default: nowhere) and the gate its calls pass (default: none). */
export interface DeviceHooks {
  onError?: (thingName: string, err: unknown) => void;
  gate?: Gate;
}

/** A device's loop: work through pending executions, then wait for a notification or the poll interval. */
export class SimulatedDevice {
  private interrupt: (() => void) | undefined;
  private idling = false;
  private stopped = false;
  /** A notification arrived while the device was busy. */
  private woken = false;
  /** How many times this device has looked for pending work (the accept delay's draw). */
  private looks = 0;
  private readonly onError: (thingName: string, err: unknown) => void;
  private readonly gate: Gate;
  /** Whether this device answers; a silent or offline one leaves its executions QUEUED. */
  readonly presence: Presence;
  /** Attempts this device finished, by outcome. */
  readonly finished: Record<Outcome | 'abandoned', number> = { SUCCEEDED: 0, FAILED: 0, REJECTED: 0, abandoned: 0 };

  constructor(
    readonly thingName: string,
    private readonly client: IoTJobsDataPlaneClient,
    private readonly behavior: DeviceBehavior,
    hooks: DeviceHooks = {},
  ) {
    this.onError = hooks.onError ?? (() => undefined);
    this.gate = hooks.gate ?? ungated;
    this.presence = presenceOf(behavior, thingName);
  }

  /**
   * Wakes the device early (the in-process stand-in for an MQTT notify-next). One that arrives while
   * the device is busy is kept, so that it looks again before it idles: a notification is never lost
   * (it had been, when it came between a look that found nothing and the idle pause).
   */
  notify(): void {
    if (this.idling) this.interrupt?.();
    else this.woken = true;
  }

  /** Stops the loop after the current call. */
  stop(): void {
    this.stopped = true;
    this.interrupt?.();
  }

  /** Runs until stopped (a device that does not answer returns at once). Never rejects: errors are reported to onError and the device carries on. */
  async run(): Promise<void> {
    if (this.presence !== 'answering') return;
    while (!this.stopped) {
      let worked = false;
      try {
        worked = await this.step();
      } catch (err) {
        this.onError(this.thingName, err);
      }
      if (worked || this.stopped) continue;
      if (this.woken) this.woken = false;
      else await this.pause(this.behavior.pollIntervalMs * (0.5 + Math.random()), true);
    }
  }

  /** Starts the next pending execution and works it to its end; false when there was none. */
  async step(): Promise<boolean> {
    const accept = acceptMsOf(this.behavior, this.thingName, this.looks++);
    if (accept > 0) await this.sleepSim(accept);
    const started = await this.gate(() =>
      this.client.send(new StartNextPendingJobExecutionCommand({ thingName: this.thingName, statusDetails: { progress: '0%' } })),
    );
    const exec = started.execution;
    if (!exec?.jobId) return false;
    try {
      await this.work(exec);
    } catch (err) {
      if (!GONE.has((err as Error).name)) throw err;
      this.finished.abandoned++;
    }
    return true;
  }

  private async work(exec: JobExecution): Promise<void> {
    const outcome = outcomeOf(this.behavior, this.thingName, exec);
    const workMs = workMsOf(this.behavior, this.thingName, exec);
    let version = exec.versionNumber;
    if (outcome !== 'REJECTED') {
      const steps = Math.max(0, this.behavior.progressSteps);
      for (let i = 1; i <= steps && !this.stopped; i++) {
        await this.sleepSim(workMs / (steps + 1));
        const pct = Math.round((i / (steps + 1)) * 100);
        const r = await this.update(exec, 'IN_PROGRESS', { progress: `${pct}%` }, version);
        version = r;
      }
      await this.sleepSim(workMs / (steps + 1));
    }
    if (this.stopped) return;
    const details: Record<string, string> =
      outcome === 'SUCCEEDED' ? { progress: '100%' } : { progress: 'stopped', reason: outcome === 'FAILED' ? 'simulated failure' : 'simulated rejection' };
    await this.update(exec, outcome, details, version);
    this.finished[outcome]++;
  }

  private async update(
    exec: JobExecution,
    status: string,
    statusDetails: Record<string, string>,
    expectedVersion: number | undefined,
  ): Promise<number | undefined> {
    const r = await this.gate(() =>
      this.client.send(
        new UpdateJobExecutionCommand({
          thingName: this.thingName,
          jobId: exec.jobId!,
          status: status as 'IN_PROGRESS',
          statusDetails,
          expectedVersion,
          includeJobExecutionState: true,
        }),
      ),
    );
    return r.executionState?.versionNumber;
  }

  private sleepSim(simMs: number): Promise<void> {
    return this.pause(simMs / this.behavior.timeScale, false);
  }

  /** Waits `realMs`; stop() always cuts it short, notify() only when `wakeOnNotify`. */
  private pause(realMs: number, wakeOnNotify: boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.interrupt = undefined;
        this.idling = false;
        resolve();
      };
      const timer = setTimeout(done, realMs);
      this.interrupt = done;
      this.idling = wakeOnNotify;
    });
  }
}
