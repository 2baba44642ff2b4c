/**
 * `iot-jobs-controller rehearse`: reads the fleet model, rehearses the manifests once with the
 * model's own rates and once per --failure-rates rate, prints the report (text, or JSON with
 * --json), writes --html, and judges --expect. Resolves to the exit code: 0 when it ran, 1 when an
 * assertion failed, 2 when the input is invalid (flags, fleet model or manifests).
 */
import { writeFileSync } from 'node:fs';
import { readFleetModel } from '../../emulator/fleet/model-file.js';
import type { FleetModel } from '../../emulator/fleet/model.js';
import { ExpectationError, unmet, type Unmet } from './expect.js';
import { renderHtml } from './report-html.js';
import { parseRehearseArgs, REHEARSE_HELP, UsageError, type RehearseOptions } from './options.js';
import { rehearse, RehearsalInputError } from './rehearsal.js';
import type { RehearsalResult } from './result.js';
import { renderText } from './report-text.js';

const DAY_MS = 86_400_000;

/** Where the command writes. */
export interface CommandIO {
  out(text: string): void;
  err(text: string): void;
}

/** Runs the command; resolves to its exit code. */
export async function rehearseCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  let o: RehearseOptions | 'help';
  let model: FleetModel;
  try {
    o = parseRehearseArgs(argv);
    if (o === 'help') return (io.out(REHEARSE_HELP), 0);
    model = readFleetModel(o.fleet);
  } catch (err) {
    if (!(err instanceof UsageError) && !(err instanceof ExpectationError) && !isFileError(err)) throw err;
    io.err(`iot-jobs-controller rehearse: ${(err as Error).message}\nRun with --help for usage.\n`);
    return 2;
  }
  let results: RehearsalResult[];
  try {
    results = await rehearseAll(o, model, io);
  } catch (err) {
    if (!(err instanceof RehearsalInputError)) throw err;
    for (const p of err.problems) io.err(`error  ${p}\n`);
    io.err(
      `rehearse: ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'} with the manifests, the options or the fleet model; nothing was rehearsed\n`,
    );
    return 2;
  }
  return report(o, results, io);
}

/** The base rehearsal, then one per sweep rate, each announced on stderr. */
async function rehearseAll(o: RehearseOptions, model: FleetModel, io: CommandIO): Promise<RehearsalResult[]> {
  const common = {
    dir: o.dir,
    only: o.only,
    onlyFiles: o.onlyFiles,
    model,
    approveAll: o.approveAll,
    horizonMs: o.horizonDays * DAY_MS,
    warnDays: o.warnDays,
    gateIntervalSeconds: o.gateIntervalSeconds,
    resyncSeconds: o.resyncSeconds,
    awsTps: o.awsTps,
  };
  const results = [await rehearse(common)];
  for (const rate of o.failureRates) {
    io.err(`rehearsing with every group failing at ${Math.round(rate * 1000) / 10}%\n`);
    results.push(await rehearse({ ...common, failureRate: rate }));
  }
  return results;
}

/** Prints the results, writes the HTML, and judges the assertions. */
function report(o: RehearseOptions, results: RehearsalResult[], io: CommandIO): number {
  const failed = unmet(o.expectations, results);
  if (o.json) io.out(`${JSON.stringify({ results, expectations: o.expectations.map((e) => e.text), unmet: failed.map(words) }, null, 2)}\n`);
  else io.out(renderText(results));
  if (o.html) {
    writeFileSync(o.html, renderHtml(results, { title: `Rehearsal of ${o.dir}` }));
    io.err(`wrote ${o.html}\n`);
  }
  for (const u of failed) io.err(`expect failed  ${words(u)}\n`);
  if (o.expectations.length > 0 && failed.length === 0)
    io.err(`expect: all ${o.expectations.length} assertion${o.expectations.length === 1 ? '' : 's'} hold\n`);
  return failed.length > 0 ? 1 : 0;
}

function words(u: Unmet): string {
  return `${u.expectation.text}: ${u.why}`;
}

/** A fleet model file that cannot be read, parsed or used (its message names the file). */
function isFileError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'FleetModelError' || /: (cannot be read|not YAML|not JSON)/.test(err.message));
}
