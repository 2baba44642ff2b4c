/**
 * The AWS side of the app, built from settings: one IoT client, the account lookup and the
 * metered, rate-limited port every IoT call goes through. The only place the client is made.
 */
import { IoTClient, type IoTClientConfig } from '@aws-sdk/client-iot';
import type { Slots } from '../lib/slots.js';
import type { Clock } from '../model/clock.js';
import type { Metrics } from '../observability/metrics.js';
import { AccountResolver } from './account.js';
import { SdkJobTemplates } from './job-templates.js';
import { MeteredIot } from './metered-iot.js';
import { SdkIotJobs } from './sdk-iot-jobs.js';

/** How to reach AWS IoT. */
export interface AwsSettings {
  region: string;
  endpoint?: string;
  /** The account for shorthand targets; learned on first need when undefined. */
  account?: string;
  /** Static credentials (tests, --local); the SDK's default provider chain when undefined. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  maxAttempts: number;
  controllerId: string;
  /** Requests per second per operation. */
  tps: number;
  /** How requests are sent (an in-process handler for a rehearsal); the SDK's HTTP handler when undefined. */
  requestHandler?: IoTClientConfig['requestHandler'];
}

/** The built AWS side. */
export interface AwsPort {
  jobs: SdkIotJobs;
  /** Job templates, through the same paced, metered door as the jobs. */
  templates: SdkJobTemplates;
  accounts: AccountResolver;
  /** Closes the client's connections. */
  close(): void;
}

/** Builds the client, the account lookup and the port. */
export function createAwsPort(s: AwsSettings, deps: { clock: Clock; metrics: Metrics; slots?: Slots }): AwsPort {
  const client = new IoTClient({
    region: s.region,
    endpoint: s.endpoint,
    credentials: s.credentials,
    maxAttempts: s.maxAttempts,
    requestHandler: s.requestHandler,
  });
  const iot = new MeteredIot({ client, clock: deps.clock, metrics: deps.metrics, tps: s.tps, slots: deps.slots });
  const jobs = new SdkIotJobs({ iot, controllerId: s.controllerId, partition: () => accounts.partition() });
  // The account lookup goes through the port, so it is paced and metered like every IoT call.
  const accounts: AccountResolver = new AccountResolver(jobs, s.region, s.account);
  return { jobs, templates: new SdkJobTemplates(iot), accounts, close: () => client.destroy() };
}
