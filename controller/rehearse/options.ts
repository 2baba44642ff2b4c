/**
 * The `rehearse` command line: flags to RehearseOptions, each checked; a UsageError naming the
 * flag otherwise. Reads no file (the fleet model is read by the command).
 */
import { parseArgs } from 'node:util';
import { parseExpectation, type Expectation } from './expect.js';

/** What `rehearse` was asked to do. */
export interface RehearseOptions {
  dir: string;
  fleet: string;
  only?: string[];
  onlyFiles?: string[];
  /** The failure rates of the sweep (the base rehearsal always runs too). */
  failureRates: number[];
  html?: string;
  json: boolean;
  expectations: Expectation[];
  horizonDays: number;
  warnDays: number;
  approveAll: boolean;
  gateIntervalSeconds?: number;
  resyncSeconds?: number;
  awsTps?: number;
}

/** A command line that cannot be used. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const REHEARSE_HELP = `Usage:
  iot-jobs-controller rehearse --dir PATH --fleet FLEET.yaml [options]
      runs the manifests' rollout against a modelled fleet in virtual time and reports what it does
      exit 0 when it ran, 1 when an --expect assertion fails, 2 when the input is invalid

Options:
  --dir PATH                   directory of IoTJob manifests
  --fleet FILE                 the fleet model (YAML or JSON; docs/fleet-model.md)
  --only KEY                   rehearse this manifest (and what it depends on); repeatable
  --only-file PATH             rehearse the manifests of this file (relative to --dir; a pull request's changed
                               files); repeatable
  --failure-rates R,R,...      also rehearse with every group failing at each rate (0 to 1): the blast-radius table
  --expect '[KEY:]METRIC OP VALUE[@RATE]'
                               an assertion, e.g. 'exposed<=500@0.3' (metrics: exposed, succeeded, failed,
                               hours, outcome); repeatable; exit 1 when one fails
  --html FILE                  write a self-contained HTML report with charts
  --json                       print the results as JSON instead of text
  --approvals auto|none        manual approvals are given at once (auto, the default) or never
  --horizon-days N             stop after this much virtual time (default 30)
  --warn-days N                warn about a rollout that needs longer (default 7)
  --gate-interval-seconds N    the controller's gate interval (default 30)
  --resync-seconds N           the controller's resync interval (default 60)
  --aws-tps N                  the controller's AWS request rate per operation (default 10)
  --help                       this text
`;

/** Parses `rehearse`'s arguments (after the command word). */
export function parseRehearseArgs(argv: readonly string[]): RehearseOptions | 'help' {
  const v = parse(argv);
  if (v.help) return 'help';
  if (!v.dir) throw new UsageError('--dir is required');
  if (!v.fleet) throw new UsageError('--fleet is required (a fleet model: docs/fleet-model.md)');
  const expectations = (v.expect ?? []).map(parseExpectation);
  const rates = rateList(v['failure-rates']);
  for (const e of expectations) if (e.rate !== undefined && !rates.includes(e.rate)) rates.push(e.rate);
  return {
    dir: v.dir,
    fleet: v.fleet,
    only: v.only,
    onlyFiles: v['only-file'],
    failureRates: rates,
    html: v.html,
    json: v.json ?? false,
    expectations,
    horizonDays: numberOf('horizon-days', v['horizon-days'], 30, { min: 0.001, max: 3650 })!,
    warnDays: numberOf('warn-days', v['warn-days'], 7, { min: 0, max: 3650 })!,
    approveAll: approvals(v.approvals),
    gateIntervalSeconds: numberOf('gate-interval-seconds', v['gate-interval-seconds'], undefined, { min: 0.1, max: 3600 }),
    resyncSeconds: numberOf('resync-seconds', v['resync-seconds'], undefined, { min: 1, max: 86_400 }),
    awsTps: numberOf('aws-tps', v['aws-tps'], undefined, { min: 0.1, max: 10_000 }),
  };
}

function parse(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        dir: { type: 'string' },
        fleet: { type: 'string' },
        only: { type: 'string', multiple: true },
        'only-file': { type: 'string', multiple: true },
        'failure-rates': { type: 'string' },
        expect: { type: 'string', multiple: true },
        html: { type: 'string' },
        json: { type: 'boolean' },
        approvals: { type: 'string' },
        'horizon-days': { type: 'string' },
        'warn-days': { type: 'string' },
        'gate-interval-seconds': { type: 'string' },
        'resync-seconds': { type: 'string' },
        'aws-tps': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function rateList(text: string | undefined): number[] {
  if (text === undefined) return [];
  return text.split(',').map((part) => {
    const n = Number(part.trim());
    if (part.trim() === '' || !(n >= 0 && n <= 1)) throw new UsageError(`--failure-rates: each rate must be a number from 0 to 1, got "${part}"`);
    return n;
  });
}

function numberOf(flag: string, text: string | undefined, fallback: number | undefined, range: { min: number; max: number }): number | undefined {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === '' || !(n >= range.min && n <= range.max))
    throw new UsageError(`--${flag} must be a number from ${range.min} to ${range.max}, got "${text}"`);
  return n;
}

function approvals(text: string | undefined): boolean {
  if (text === undefined || text === 'auto') return true;
  if (text === 'none') return false;
  throw new UsageError(`--approvals must be auto or none, got "${text}"`);
}
