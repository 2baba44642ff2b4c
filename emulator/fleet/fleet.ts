/**
 * The simulated fleet: things in thing groups, each run by a SimulatedDevice over the real
 * data-plane SDK client. The fleet is `size` things in one group (FleetOptions, `--fleet N`) or
 * the groups of a fleet model (FleetModelOptions, `--fleet-model FILE`), where each device has the
 * behaviour of the group that lists it directly. Things and groups are created through the real
 * control-plane client, so the fleet works against any endpoint that serves both planes.
 */
import { Agent } from 'node:http';
import { AddThingToThingGroupCommand, CreateThingCommand, CreateThingGroupCommand, IoTClient } from '@aws-sdk/client-iot';
import { IoTJobsDataPlaneClient } from '@aws-sdk/client-iot-jobs-data-plane';
import { type DeviceBehavior, type Outcome } from './behavior.js';
import { gate, SimulatedDevice } from './device.js';
import { groupBehaviors, membersOf, modelLayout, singleGroupLayout, type FleetLayout, type PlannedThing } from './layout.js';
import type { FleetModel } from './model.js';

export { DEFAULT_BEHAVIOR } from './behavior.js';
export { deviceName } from './layout.js';

/** What every fleet is told: where the service is, and how its calls go. */
interface FleetConnection {
  endpoint: string;
  region?: string;
  /** Most requests in flight at once across the fleet (and the sockets they use). */
  maxSockets?: number;
  /** Called when a device's call fails unexpectedly. */
  onError?: (thingName: string, err: unknown) => void;
}

/** How to build a fleet of `size` things in one group. */
export interface FleetOptions extends Partial<DeviceBehavior>, FleetConnection {
  size: number;
  groupName?: string;
  thingPrefix?: string;
}

/** How to build a fleet from a model; seed (over the model's), poll interval, progress steps and time scale apply to every device. */
export interface FleetModelOptions extends Partial<Pick<DeviceBehavior, 'seed' | 'progressSteps' | 'pollIntervalMs' | 'timeScale'>>, FleetConnection {
  model: FleetModel;
}

/** The behaviour a model's fleet takes from its options rather than from its groups. */
const FLEET_WIDE = ['seed', 'progressSteps', 'pollIntervalMs', 'timeScale'] as const;

/** Attempts finished, by outcome, plus those abandoned because the execution went away. */
export type Totals = Record<Outcome | 'abandoned', number>;

/** Dummy credentials: the emulator does not check signatures, but the SDK insists on signing. */
export const DUMMY_CREDENTIALS = { accessKeyId: 'AKIAEMULATOR00000000', secretAccessKey: 'emulator-secret-access-key' };

/** The layout either kind of options describes (a FleetModelError for a model that does not hold). */
export function layoutOf(opts: FleetOptions | FleetModelOptions): FleetLayout {
  if ('model' in opts) return modelLayout(opts.model);
  return singleGroupLayout(opts.size, opts.groupName ?? 'fleet', opts.thingPrefix ?? 'device-');
}

/** A running fleet. */
export class Fleet {
  readonly devices = new Map<string, SimulatedDevice>();
  readonly layout: FleetLayout;
  private runs: Promise<void>[] = [];
  private readonly agent: Agent;
  /** The first group (the only one without a model). */
  readonly groupName: string;
  readonly control: IoTClient;
  readonly data: IoTJobsDataPlaneClient;

  constructor(private readonly opts: FleetOptions | FleetModelOptions) {
    this.layout = layoutOf(opts);
    this.groupName = this.layout.groups[0]!;
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

  /** Creates the groups and the things (idempotently) and adds each thing to every group it is a member of. */
  async provision(concurrency = 16): Promise<void> {
    for (const group of this.layout.groups) await this.control.send(new CreateThingGroupCommand({ thingGroupName: group }));
    const things = this.layout.things;
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < things.length; i = next++) await this.create(things[i]!);
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const inFlight = gate(this.opts.maxSockets ?? 32);
    const behaviors = this.behaviors();
    for (const t of things)
      this.devices.set(t.name, new SimulatedDevice(t.name, this.data, behaviors.get(t.group)!, { onError: this.opts.onError, gate: inFlight }));
  }

  private async create(thing: PlannedThing): Promise<void> {
    await this.control.send(new CreateThingCommand({ thingName: thing.name, attributePayload: { attributes: { fleet: thing.group } } }));
    for (const group of thing.memberOf) await this.control.send(new AddThingToThingGroupCommand({ thingGroupName: group, thingName: thing.name }));
  }

  private behaviors(): Map<string, DeviceBehavior> {
    const given: Partial<DeviceBehavior> = 'model' in this.opts ? Object.fromEntries(FLEET_WIDE.map((k) => [k, this.opts[k]])) : this.opts;
    return groupBehaviors(this.layout, given);
  }

  /** Starts every device's loop. */
  start(): void {
    this.runs = [...this.devices.values()].map((d) => d.run());
  }

  /** Wakes one device (used with the in-process notification hook). */
  notify(thingName: string): void {
    this.devices.get(thingName)?.notify();
  }

  /** The devices that are members of `group` (directly or through its includes); every device without one. */
  devicesIn(group?: string): SimulatedDevice[] {
    if (group === undefined) return [...this.devices.values()];
    return membersOf(this.layout, group).flatMap((t) => this.devices.get(t.name) ?? []);
  }

  /** Attempts finished so far, summed over the fleet, or over the members of `group`. */
  totals(group?: string): Totals {
    const t = { SUCCEEDED: 0, FAILED: 0, REJECTED: 0, abandoned: 0 };
    for (const d of this.devicesIn(group)) for (const k of Object.keys(t) as (keyof typeof t)[]) t[k] += d.finished[k];
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
