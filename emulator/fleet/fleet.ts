/**
 * The simulated fleet: N things in one thing group, each run by a SimulatedDevice over the real
 * data-plane SDK client. Things and the group are created through the real control-plane client,
 * so the fleet works against any endpoint that serves both planes.
 */
import { Agent } from 'node:http';
import { AddThingToThingGroupCommand, CreateThingCommand, CreateThingGroupCommand, IoTClient } from '@aws-sdk/client-iot';
import { IoTJobsDataPlaneClient } from '@aws-sdk/client-iot-jobs-data-plane';
import { withDefaults } from '../core/defaults.js';
import { gate, SimulatedDevice, type DeviceBehavior, type Outcome } from './device.js';

/** How to build a fleet. */
export interface FleetOptions extends Partial<DeviceBehavior> {
  size: number;
  endpoint: string;
  region?: string;
  groupName?: string;
  thingPrefix?: string;
  /** Most requests in flight at once across the fleet (and the sockets they use). */
  maxSockets?: number;
  /** Called when a device's call fails unexpectedly. */
  onError?: (thingName: string, err: unknown) => void;
}

/** Defaults: a 20-second update per device in simulated time, 5% failures, 2% rejections. */
export const DEFAULT_BEHAVIOR: DeviceBehavior = {
  seed: 42,
  workMs: 20_000,
  progressSteps: 3,
  failureRate: 0.05,
  rejectRate: 0.02,
  pollIntervalMs: 5_000,
  timeScale: 1,
};

/** Dummy credentials: the emulator does not check signatures, but the SDK insists on signing. */
export const DUMMY_CREDENTIALS = { accessKeyId: 'AKIAEMULATOR00000000', secretAccessKey: 'emulator-secret-access-key' };

/** The name of the i-th device: device-0001, device-0002, … */
export function deviceName(prefix: string, i: number, size: number): string {
  return `${prefix}${String(i + 1).padStart(Math.max(4, String(size).length), '0')}`;
}

/** A running fleet. */
export class Fleet {
  readonly devices = new Map<string, SimulatedDevice>();
  private runs: Promise<void>[] = [];
  private readonly agent: Agent;
  readonly groupName: string;
  readonly control: IoTClient;
  readonly data: IoTJobsDataPlaneClient;

  constructor(private readonly opts: FleetOptions) {
    this.groupName = opts.groupName ?? 'fleet';
    this.agent = new Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 32 });
    const common = {
      endpoint: opts.endpoint,
      region: opts.region ?? 'us-east-1',
      credentials: DUMMY_CREDENTIALS,
      requestHandler: { httpAgent: this.agent },
      maxAttempts: 5,
    };
    this.control = new IoTClient(common);
    this.data = new IoTJobsDataPlaneClient(common);
  }

  /** Creates the group and the things (idempotently) and adds the things to the group. */
  async provision(concurrency = 16): Promise<void> {
    await this.control.send(new CreateThingGroupCommand({ thingGroupName: this.groupName }));
    const names = Array.from({ length: this.opts.size }, (_, i) => deviceName(this.opts.thingPrefix ?? 'device-', i, this.opts.size));
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < names.length; i = next++) {
        await this.control.send(new CreateThingCommand({ thingName: names[i]!, attributePayload: { attributes: { fleet: this.groupName } } }));
        await this.control.send(new AddThingToThingGroupCommand({ thingGroupName: this.groupName, thingName: names[i]! }));
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const behavior = withDefaults(DEFAULT_BEHAVIOR, this.opts);
    const inFlight = gate(this.opts.maxSockets ?? 32);
    for (const name of names) this.devices.set(name, new SimulatedDevice(name, this.data, behavior, { onError: this.opts.onError, gate: inFlight }));
  }

  /** Starts every device's loop. */
  start(): void {
    this.runs = [...this.devices.values()].map((d) => d.run());
  }

  /** Wakes one device (used with the in-process notification hook). */
  notify(thingName: string): void {
    this.devices.get(thingName)?.notify();
  }

  /** Attempts finished so far, summed over the fleet. */
  totals(): Record<Outcome | 'abandoned', number> {
    const t = { SUCCEEDED: 0, FAILED: 0, REJECTED: 0, abandoned: 0 };
    for (const d of this.devices.values()) for (const k of Object.keys(t) as (keyof typeof t)[]) t[k] += d.finished[k];
    return t;
  }

  /** Stops every device and waits for their loops to end. */
  async stop(): Promise<void> {
    for (const d of this.devices.values()) d.stop();
    await Promise.all(this.runs);
    this.control.destroy();
    this.data.destroy();
    this.agent.destroy();
  }
}
