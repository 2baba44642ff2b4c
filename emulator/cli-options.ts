/**
 * Command-line options of iot-jobs-emulator: the help text and the mapping from flags to
 * EmulatorOptions. iot-jobs-emulator runs the local AWS IoT Jobs service (control plane and jobs data plane on one
 * port) with an optional simulated fleet. The first line on stdout is `listening on http://HOST:PORT`.
 */
import { parseArgs } from 'node:util';
import { readFleetModel } from './fleet/model-file.js';
import type { EmulatorOptions } from './index.js';
import type { FaultConfig } from './wire/faults.js';

/** The --help text. */
export const HELP = `Usage: iot-jobs-emulator --port PORT [options]

A local AWS IoT Jobs service: the IoT control plane (jobs, executions, things, thing groups, tags)
and the IoT jobs data plane, on one port, in the AWS REST wire format. Point any AWS SDK or the AWS
CLI at it with --endpoint-url / endpoint and any credentials.

Options:
  --host HOST               address to bind (default 127.0.0.1)
  --port PORT               port to listen on; 0 picks a free one (required)
  --account ID              account id in ARNs (default 123456789012)
  --region REGION           region in ARNs (default us-east-1)
  --time-scale N            simulated seconds per real second (default 1)
  --state-file PATH         save state here after changes and load it at start
  --deletion-seconds N      how long a deleted job stays DELETION_IN_PROGRESS (default 5, simulated)

Simulated fleet:
  --fleet N                 create and run N simulated things in thing group "fleet"
  --fleet-group NAME        the fleet's thing group (default fleet)
  --fleet-seed N            seed of the devices' outcomes (default 42)
  --fleet-work-seconds N    simulated time one execution takes (default 20)
  --fleet-failure-rate R    share of attempts that fail (default 0.05)
  --fleet-reject-rate R     share of attempts the device rejects (default 0.02)
  --fleet-poll-seconds N    real seconds between idle polls (default 5)
  --fleet-model FILE        instead of --fleet N: thing groups (a canary inside the fleet, ...),
                            each with its size and its devices' behaviour, from a YAML or JSON
                            file (docs/fleet-model.md); --fleet-seed and --fleet-poll-seconds apply

Fault injection (all off by default; change at runtime with PUT/PATCH /_emulator/faults):
  --throttle-tps N          ThrottlingException above N requests per second per operation (AWS: 10)
  --unavailable-rate R      share of requests answered 503 ServiceUnavailableException
  --server-error-rate R     share of requests answered 500 InternalFailureException
  --latency-ms N            added latency per request
  --latency-jitter-ms N     up to this much more latency, at random
  --drop-rate R             share of requests whose connection is dropped
  --lost-response-rate R    share of requests carried out whose response is then lost
  --fault-seed N            seed of the random faults

Admin endpoints: GET /_emulator/health, POST /_emulator/reset, GET /_emulator/state,
GET|DELETE /_emulator/calls, GET /_emulator/calls/summary, GET|PUT|PATCH /_emulator/faults,
PUT /_emulator/s3-objects.
`;

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  host: { type: 'string' },
  port: { type: 'string' },
  account: { type: 'string' },
  region: { type: 'string' },
  'time-scale': { type: 'string' },
  'state-file': { type: 'string' },
  'deletion-seconds': { type: 'string' },
  fleet: { type: 'string' },
  'fleet-group': { type: 'string' },
  'fleet-seed': { type: 'string' },
  'fleet-work-seconds': { type: 'string' },
  'fleet-failure-rate': { type: 'string' },
  'fleet-reject-rate': { type: 'string' },
  'fleet-poll-seconds': { type: 'string' },
  'fleet-model': { type: 'string' },
  'throttle-tps': { type: 'string' },
  'unavailable-rate': { type: 'string' },
  'server-error-rate': { type: 'string' },
  'latency-ms': { type: 'string' },
  'latency-jitter-ms': { type: 'string' },
  'drop-rate': { type: 'string' },
  'lost-response-rate': { type: 'string' },
  'fault-seed': { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

/** Reads a numeric flag; undefined when absent; throws a message naming the flag when not a number in range. */
function num(values: Values, flag: keyof typeof OPTIONS, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const raw = values[flag];
  if (raw === undefined || typeof raw !== 'string') return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new Error(`--${flag} must be a number from ${min} to ${max}, got "${raw}"`);
  return n;
}

/** Reads a flag given in simulated seconds, as milliseconds; undefined when absent. */
function ms(values: Values, flag: keyof typeof OPTIONS): number | undefined {
  const seconds = num(values, flag);
  return seconds === undefined ? undefined : seconds * 1000;
}

/** The fault settings the flags give; absent flags are left out. */
function faultsFromArgs(values: Values): FaultConfig {
  const faults: FaultConfig = {
    throttleTps: num(values, 'throttle-tps'),
    unavailableRate: num(values, 'unavailable-rate', 0, 1),
    serverErrorRate: num(values, 'server-error-rate', 0, 1),
    latencyMs: num(values, 'latency-ms'),
    latencyJitterMs: num(values, 'latency-jitter-ms'),
    dropRate: num(values, 'drop-rate', 0, 1),
    lostResponseRate: num(values, 'lost-response-rate', 0, 1),
    seed: num(values, 'fault-seed'),
  };
  for (const k of Object.keys(faults) as (keyof FaultConfig)[]) if (faults[k] === undefined) delete faults[k];
  return faults;
}

/** What the fleet flags read early give: the size and the times. */
interface FleetRead {
  size: number;
  workMs?: number;
  pollIntervalMs?: number;
}

/** Reports a device's unexpected error on stderr. */
function onDeviceError(thing: string, err: unknown): void {
  process.stderr.write(`device ${thing}: ${(err as Error).name}: ${(err as Error).message}\n`);
}

/** The simulated fleet's options from the flags, given its size and times already read. */
function fleetFromArgs(values: Values, read: FleetRead): NonNullable<EmulatorOptions['fleet']> {
  return {
    size: read.size,
    groupName: values['fleet-group'],
    seed: num(values, 'fleet-seed'),
    workMs: read.workMs,
    failureRate: num(values, 'fleet-failure-rate', 0, 1),
    rejectRate: num(values, 'fleet-reject-rate', 0, 1),
    pollIntervalMs: read.pollIntervalMs,
    onError: onDeviceError,
  };
}

/** The flags a fleet model sets per group, which --fleet-model therefore refuses. */
const PER_GROUP_FLAGS = ['fleet', 'fleet-group', 'fleet-work-seconds', 'fleet-failure-rate', 'fleet-reject-rate'] as const;

/** The fleet of --fleet-model: the model read from its file (an Error naming the file and the field when it does not hold). */
function fleetFromModel(values: Values, file: string, read: FleetRead): NonNullable<EmulatorOptions['fleet']> {
  const clash = PER_GROUP_FLAGS.find((flag) => values[flag] !== undefined);
  if (clash === 'fleet') throw new Error('--fleet and --fleet-model are exclusive: give the fleet as a size or as a model, not both');
  if (clash) throw new Error(`--${clash} does not go with --fleet-model: set it per group in the model`);
  return { model: readFleetModel(file), seed: num(values, 'fleet-seed'), pollIntervalMs: read.pollIntervalMs, onError: onDeviceError };
}

/** The fleet the flags ask for: a model, `--fleet N` with N above 0, or none. */
function fleetOptions(values: Values, read: FleetRead): EmulatorOptions['fleet'] {
  const file = values['fleet-model'];
  if (file !== undefined) return fleetFromModel(values, file, read);
  return read.size > 0 ? fleetFromArgs(values, read) : undefined;
}

/**
 * Builds the emulator options from parsed flags. Flags are read (and a bad one reported) in a
 * fixed order: port, faults, fleet size and times, deletion, time scale, then the fleet's other flags (or its model) when there is a fleet.
 */
export function optionsFromArgs(argv: string[]): EmulatorOptions | 'help' {
  const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
  if (values.help) return 'help';
  const port = num(values, 'port', 0, 65535);
  if (port === undefined) throw new Error('--port is required (0 picks a free port)');
  const faults = faultsFromArgs(values);
  const fleet = { size: num(values, 'fleet', 0, 1_000_000) ?? 0, workMs: ms(values, 'fleet-work-seconds'), pollIntervalMs: ms(values, 'fleet-poll-seconds') };
  const deletionBaseMs = ms(values, 'deletion-seconds');
  return {
    host: values.host ?? '127.0.0.1',
    port,
    account: values.account,
    region: values.region,
    timeScale: num(values, 'time-scale', Number.MIN_VALUE, 1_000_000),
    stateFile: values['state-file'],
    deletionBaseMs,
    faults,
    fleet: fleetOptions(values, fleet),
  };
}
