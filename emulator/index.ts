/**
 * The local AWS IoT Jobs service: one state machine (core/) reachable in-process through
 * IotJobsService and over the real AWS REST wire format through the HTTP server (wire/), with an
 * optional simulated fleet (fleet/). `startEmulator` wires them together; the CLI and the tests
 * use it.
 */
import { ScaledClock, SystemClock, type Clock } from './core/clock.js';
import { IotJobsService } from './core/service.js';
import { Fleet, type FleetModelOptions, type FleetOptions } from './fleet/fleet.js';
import { autoSave, loadStateFile } from './state-file.js';
import type { FaultConfig } from './wire/faults.js';
import { serve, type RunningServer } from './wire/server.js';

export { FakeClock, ScaledClock, SystemClock, type Clock } from './core/clock.js';
export { ServiceError, type ErrorCode } from './core/errors.js';
export { IotJobsService, OPERATIONS, type OperationName, type ServiceConfig } from './core/service.js';
export { Fleet, DUMMY_CREDENTIALS, type FleetOptions, type FleetModelOptions, type Totals } from './fleet/fleet.js';
export {
  FleetModelError,
  validateFleetModel,
  fleetModelProblems,
  type FleetModel,
  type GroupModel,
  type GroupBehavior,
  type WorkSeconds,
} from './fleet/model.js';
export { readFleetModel } from './fleet/model-file.js';
export type { FaultConfig } from './wire/faults.js';
export type { CallEntry } from './wire/call-log.js';

/** Everything `startEmulator` can be told. */
export interface EmulatorOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  account?: string;
  region?: string;
  /** Simulated milliseconds per real millisecond; ignored when `clock` is given. */
  timeScale?: number;
  clock?: Clock;
  faults?: FaultConfig;
  /** Save the state here after changes and load it at start. */
  stateFile?: string;
  /** How long a deleted job stays DELETION_IN_PROGRESS (simulated ms, plus 10 ms per execution). */
  deletionBaseMs?: number;
  /**
   * Run a simulated fleet: `{ size }` devices in thing group `fleet` (unless told otherwise), or the
   * groups of `{ model }` (docs/fleet-model.md; a FleetModelError, and no server, when it does not hold).
   */
  fleet?: Omit<FleetOptions, 'endpoint' | 'region'> | Omit<FleetModelOptions, 'endpoint' | 'region'>;
}

/** A running emulator. */
export interface Emulator {
  url: string;
  service: IotJobsService;
  server: RunningServer;
  fleet?: Fleet;
  /** Stops the fleet, saves the state file and closes the server. */
  close(): Promise<void>;
}

/** Whether fleet options ask for a fleet: a model (even of empty groups) or a size above 0. */
function hasDevices(fleet: NonNullable<EmulatorOptions['fleet']>): boolean {
  return 'model' in fleet || fleet.size > 0;
}

/** Provisions the fleet, wakes its devices on the service's notifications and starts them; returns the unsubscribe. */
async function runFleet(fleet: Fleet, service: IotJobsService): Promise<() => void> {
  await fleet.provision();
  const unsubscribe = service.onNotify((thing) => fleet.notify(thing));
  fleet.start();
  return unsubscribe;
}

/** Starts the service, its HTTP server and, if asked, the fleet. Faults apply after the fleet is provisioned. */
export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const clock = opts.clock ?? (opts.timeScale && opts.timeScale !== 1 ? new ScaledClock(opts.timeScale) : new SystemClock());
  const service = new IotJobsService({ account: opts.account, region: opts.region, clock, deletionBaseMs: opts.deletionBaseMs });
  const saver = opts.stateFile ? (loadStateFile(service, opts.stateFile), autoSave(service, opts.stateFile)) : undefined;
  const server = await serve(service, { host: opts.host, port: opts.port });
  let fleet: Fleet | undefined;
  let unsubscribe = (): void => undefined;
  try {
    if (opts.fleet && hasDevices(opts.fleet)) {
      fleet = new Fleet({ timeScale: clock.scale, ...opts.fleet, endpoint: server.url, region: service.partition.region });
      unsubscribe = await runFleet(fleet, service);
    }
    server.faults.set(opts.faults ?? {});
  } catch (err) {
    await server.close();
    throw err;
  }
  return {
    url: server.url,
    service,
    server,
    fleet,
    close: async () => {
      unsubscribe();
      await fleet?.stop();
      saver?.stop();
      await server.close();
    },
  };
}
