/**
 * Pure: the status board as terminal text for `iot-jobs-controller status`: one block per job with
 * a stacked progress bar (one character class per status group) and the counts, the same view as
 * the status page. Colour only when asked (a TTY).
 */
import { printable } from './printable.js';
import type { BoardView } from './status-board.js';

/** Bar characters and ANSI colours per execution status. */
const STYLE: Record<string, { ch: string; ansi: number }> = {
  SUCCEEDED: { ch: '█', ansi: 32 },
  FAILED: { ch: '█', ansi: 31 },
  TIMED_OUT: { ch: '▓', ansi: 33 },
  REJECTED: { ch: '▓', ansi: 35 },
  CANCELED: { ch: '▒', ansi: 90 },
  REMOVED: { ch: '▒', ansi: 37 },
  IN_PROGRESS: { ch: '▒', ansi: 34 },
  QUEUED: { ch: '░', ansi: 36 },
};

/** One stacked bar of `width` characters; each status gets its share, rounded so they add up. */
export function bar(counts: Record<string, number>, statuses: readonly string[], width: number, colour: boolean): string {
  const total = statuses.reduce((a, s) => a + (counts[s] ?? 0), 0);
  if (total === 0) return '·'.repeat(width);
  let out = '';
  let used = 0;
  let cum = 0;
  for (const s of statuses) {
    cum += counts[s] ?? 0;
    const upto = Math.round((cum / total) * width);
    const n = upto - used;
    used = upto;
    if (n <= 0) continue;
    const st = STYLE[s] ?? { ch: '#', ansi: 0 };
    out += colour ? `\x1b[${st.ansi}m${st.ch.repeat(n)}\x1b[0m` : st.ch.repeat(n);
  }
  return out;
}

/** The whole view as text. */
export function renderStatus(view: BoardView, opts: { width?: number; colour?: boolean } = {}): string {
  const width = opts.width ?? 40;
  const colour = opts.colour ?? false;
  const lines = [`${printable(view.source)} source, revision ${printable(view.revision ?? 'none yet')} · ${view.jobs.length} manifest${view.jobs.length === 1 ? '' : 's'} · ${view.ready ? 'ready' : 'NOT READY'} · ${view.generatedAt}`];
  for (const p of view.sourceProblems) lines.push(`  problem: ${printable(p)}`);
  if (view.jobs.length === 0) lines.push('  (no managed jobs)');
  for (const j of view.jobs) {
    const total = view.statuses.reduce((a, s) => a + j.counts[s], 0);
    const done = total - j.counts.QUEUED - j.counts.IN_PROGRESS;
    const pct = total === 0 ? '' : ` ${Math.round((done / total) * 100)}%`;
    lines.push('');
    lines.push(printable(`${j.key}  job ${j.jobId ?? '(none yet)'}  ${j.awsStatus ?? '—'}${j.revision ? `  rev ${j.revision}` : ''}`));
    lines.push(`  [${bar(j.counts, view.statuses, width, colour)}]${pct}`);
    lines.push(`  ${view.statuses.map((s) => `${s.toLowerCase().replace('_', ' ')} ${j.counts[s]}`).join('  ')}`);
    if (j.lastError) lines.push(`  last error: ${printable(j.lastError)}`);
  }
  return `${lines.join('\n')}\n`;
}
