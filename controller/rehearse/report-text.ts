/**
 * Pure: a rehearsal as terminal text. For the base rehearsal, per job: the outcome in words, a table
 * of its waves, its events, and a chart of each wave's finished executions over time; then the
 * warnings; then, with a sweep, the blast-radius table. Plain text, no colour.
 */
import { printable } from '../observability/printable.js';
import { since } from './durations.js';
import type { JobTimeline, RehearsalResult, Sample, WaveTimeline } from './result.js';

const SPARKS = ' ▁▂▃▄▅▆▇█';

/** The report; `width` is the chart's (default 60 columns). */
export function renderText(results: readonly RehearsalResult[], o: { width?: number } = {}): string {
  const base = results[0]!;
  const width = o.width ?? 60;
  const lines = base.jobs.flatMap((j) => jobBlock(j, base.durationMs, width));
  if (base.warnings.length > 0) lines.push('', ...base.warnings.map((w) => `warning  ${printable(w)}`));
  if (results.length > 1) lines.push('', ...blastRadius(results));
  lines.push('', footer(results));
  return `${lines.join('\n')}\n`;
}

function jobBlock(j: JobTimeline, durationMs: number, width: number): string[] {
  return [
    `${printable(j.key)} (job ${printable(j.jobId)}): ${j.outcome.toUpperCase()} — ${printable(j.detail)}`,
    `  ${j.exposed} of ${j.targeted} devices exposed${j.createdAt === undefined ? ', never created' : `; created ${since(j.createdAt)}`}${j.stoppedAt === undefined ? '' : `, stopped ${since(j.stoppedAt)}`}`,
    '',
    ...table(j.waves).map((l) => `  ${l}`),
    '',
    ...j.events.map((e) => `  ${since(e.at).padStart(8)}  ${printable(e.text)}`),
    '',
    ...chart(j.waves, durationMs, width).map((l) => `  ${l}`),
    '',
  ];
}

const COLUMNS = ['wave', 'things', 'started', 'first start', '50% done', '100% done', 'gate', 'exposed', 'succeeded', 'failed'];

/** The waves' table, columns padded to their widest cell. */
export function table(waves: readonly WaveTimeline[]): string[] {
  const rows = waves.map((w) => [
    printable(w.name),
    String(w.size),
    since(w.startedAt),
    since(w.firstExecutionAt),
    since(w.halfFinishedAt),
    since(w.allFinishedAt),
    gateCell(w),
    String(w.exposed),
    String(w.succeeded),
    String(w.failed),
  ]);
  return columns(COLUMNS, rows, new Set([0, 6]));
}

/** A header and rows as lines, each column as wide as its widest cell: the `left` columns (text) padded at the end, the others (numbers, times) at the start. */
function columns(head: readonly string[], rows: readonly string[][], left: ReadonlySet<number>): string[] {
  const widths = head.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (left.has(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)];
}

/** The gate's verdict: passed or failed at a time, or the wave's phase. */
function gateCell(w: WaveTimeline): string {
  if (w.failedAt !== undefined) return `failed ${since(w.failedAt)}`;
  if (w.passedAt !== undefined) return `passed ${since(w.passedAt)}`;
  return w.phase.toLowerCase();
}

/** One sparkline per wave: the share of its things finished, over the whole rehearsal. */
export function chart(waves: readonly WaveTimeline[], durationMs: number, width: number): string[] {
  const label = Math.max(...waves.map((w) => w.name.length));
  const lines = waves.map((w) => `${printable(w.name).padEnd(label)} │${spark(w, durationMs, width)}│ ${lastFinished(w)}/${w.size} finished`);
  const end = since(durationMs);
  const axis = `${''.padEnd(label)} ${since(0)}${end.padStart(Math.max(end.length + 1, width + 2 - since(0).length))}`;
  return [...lines, axis];
}

function finishedOf(s: Sample): number {
  return s.succeeded + s.failed + s.rejected + s.timedOut;
}

function lastFinished(w: WaveTimeline): number {
  const last = w.series[w.series.length - 1];
  return last ? finishedOf(last) : 0;
}

/** `width` characters; column i shows the last sample at or before its time (the series ends when the rollout stopped). */
function spark(w: WaveTimeline, durationMs: number, width: number): string {
  let k = -1;
  let out = '';
  for (let i = 0; i < width; i++) {
    const t = (durationMs * (i + 1)) / width;
    while (k + 1 < w.series.length && w.series[k + 1]!.at <= t) k++;
    const share = k < 0 || w.size === 0 ? 0 : finishedOf(w.series[k]!) / w.size;
    out += SPARKS[Math.min(SPARKS.length - 1, Math.ceil(share * (SPARKS.length - 1)))];
  }
  return out;
}

/** Per job and failure rate: the devices exposed before the rollout stopped, the time to stop, and how. */
function blastRadius(results: readonly RehearsalResult[]): string[] {
  const rows = results
    .slice(1)
    .flatMap((r) =>
      r.jobs.map((j) => [
        printable(j.key),
        percent(r.failureRate),
        String(j.exposed),
        j.stoppedAt === undefined ? 'not stopped' : since(j.stoppedAt),
        `${j.outcome}: ${printable(j.detail)}`,
      ]),
    );
  return [
    'blast radius by failure rate (every group failing at the rate)',
    ...columns(['job', 'failure rate', 'exposed', 'stopped', 'how'], rows, new Set([0, 4])),
  ];
}

function percent(rate: number | undefined): string {
  return rate === undefined ? 'model' : `${Math.round(rate * 1000) / 10}%`;
}

function footer(results: readonly RehearsalResult[]): string {
  const base = results[0]!;
  const wall = results.reduce((a, r) => a + r.wallMs, 0);
  const runs = results.length === 1 ? '' : `, ${results.length} rehearsals,`;
  const horizon = base.horizonReached ? '; stopped at the horizon' : '';
  return `rehearsed ${base.things} things${runs} in ${(wall / 1000).toFixed(1)} s (virtual time ${since(base.durationMs)}${horizon})`;
}
