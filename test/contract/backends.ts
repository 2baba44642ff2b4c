/**
 * The backends the contract suite runs against, driven only through the real AWS SDK clients over
 * HTTP: our emulator (always, on a fake clock the tests can move) and ministack (for the
 * operations it implements). Where ministack departs from AWS semantics, a case asserts what it
 * really does and records the departure by name; the emulator is always held to AWS semantics.
 */
import { IoTClient } from '@aws-sdk/client-iot';
import { IoTJobsDataPlaneClient } from '@aws-sdk/client-iot-jobs-data-plane';
import { inject } from 'vitest';
import { FakeClock } from '../../emulator/core/clock.js';
import { startEmulator, type Emulator } from '../../emulator/index.js';
import { watchConformance } from '../helpers/aws-model.js';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

/** Known ways ministack departs from AWS IoT Jobs semantics (IOT-JOBS-SEMANTICS.md). */
export const DEPARTURES = {
  'delete-is-instant': 'DeleteJob removes the job at once: no DELETION_IN_PROGRESS, the jobId is reusable at once, no 10-deletion limit',
  'list-ignores-maxResults': 'ListJobs and ListJobExecutionsForThing return one page whatever maxResults is, with no nextToken',
  'list-jobs-ignores-thingGroupName': 'ListJobs ignores the thingGroupName filter',
  'whole-second-timestamps': 'timestamps are whole epoch seconds, not seconds with fractions',
  'execution-forceCanceled-unset': 'an execution canceled by CancelJob with force has no forceCanceled flag',
} as const;
export type Departure = keyof typeof DEPARTURES;

/** A backend under contract test. */
export interface Backend {
  name: 'emulator' | 'ministack';
  url: string;
  iot: IoTClient;
  data: IoTJobsDataPlaneClient;
  /** Forgets all state. */
  reset(): Promise<void>;
  /** Whether the backend serves this operation. */
  implements(operation: string): boolean;
  /** Whether the backend is known to depart from AWS in this way. */
  departs(d: Departure): boolean;
  /** Moves the backend's clock; only where time can be controlled (our emulator). */
  advance?(ms: number): void;
  close(): Promise<void>;
}

/** Departures observed in this run, by backend: printed at the end of the suite. */
export const observedDepartures = new Map<string, Set<Departure>>();

/** Records that a case saw the backend depart from AWS as documented. */
export function recordDeparture(b: Backend, d: Departure): void {
  if (!observedDepartures.has(b.name)) observedDepartures.set(b.name, new Set());
  observedDepartures.get(b.name)!.add(d);
}

function clients(url: string, accessKeyId: string): { iot: IoTClient; data: IoTJobsDataPlaneClient } {
  const config = { endpoint: url, region: REGION, credentials: { accessKeyId, secretAccessKey: 'contract-test' }, maxAttempts: 1 };
  return { iot: new IoTClient(config), data: new IoTJobsDataPlaneClient(config) };
}

/** Our emulator, in this process, on a fake clock. */
export async function emulatorBackend(): Promise<Backend> {
  const clock = new FakeClock(Date.UTC(2026, 5, 1, 12, 0, 0, 250));
  const emu: Emulator = await startEmulator({ clock, deletionBaseMs: 30_000 });
  // Every request the emulator accepts and every answer it gives must fit the AWS models.
  const conformance = watchConformance(emu.server);
  const c = clients(emu.url, 'AKIDCONTRACTTEST0000');
  return {
    name: 'emulator',
    url: emu.url,
    ...c,
    reset: async () => {
      const r = await fetch(`${emu.url}/_emulator/reset`, { method: 'POST' });
      if (!r.ok) throw new Error(`reset failed: ${r.status}`);
    },
    implements: () => true,
    departs: () => false,
    advance: (ms) => {
      clock.advance(ms);
      emu.service.tick();
    },
    close: async () => {
      c.iot.destroy();
      c.data.destroy();
      await emu.close();
      conformance.assertNone();
    },
  };
}

/** ministack, started by the global setup. A 12-digit access key id makes it use that account. */
export function ministackBackend(): Backend {
  const url = inject('ministackUrl');
  const c = clients(url, ACCOUNT);
  const missing = new Set(['AssociateTargetsWithJob', 'DescribeThingGroup']);
  const departures = new Set<Departure>(Object.keys(DEPARTURES) as Departure[]);
  return {
    name: 'ministack',
    url,
    ...c,
    reset: async () => {
      const r = await fetch(`${url}/_ministack/reset`, { method: 'POST' });
      if (!r.ok) throw new Error(`reset failed: ${r.status}`);
    },
    implements: (op) => !missing.has(op),
    departs: (d) => departures.has(d),
    close: async () => {
      c.iot.destroy();
      c.data.destroy();
    },
  };
}

export const thingArn = (name: string): string => `arn:aws:iot:${REGION}:${ACCOUNT}:thing/${name}`;
export const groupArn = (name: string): string => `arn:aws:iot:${REGION}:${ACCOUNT}:thinggroup/${name}`;
export const jobArn = (id: string): string => `arn:aws:iot:${REGION}:${ACCOUNT}:job/${id}`;
