/**
 * Pure: the status board as terminal text for `iot-jobs-controller status`: one block per job with
 * a stacked progress bar (one character class per status group) and the counts, the same view as
 * the status page. Colour only when asked (a TTY).
 */
import { executionTotal, finishedCount } from '../model/health.js';
import { printable } from './printable.js';
import type { BoardJob, BoardView } from './status-board.js';
import type { ExecutionStatus } from '../model/observed-job.js';

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

/** The whole view as text; `width` is the bars' (undefined: 40), `colour` whether to use ANSI colours (undefined: no). */
export function renderStatus(view: BoardView, opts: { width?: number; colour?: boolean } = {}): string {
  const style = { width: opts.width ?? 40, colour: opts.colour ?? false };
  const lines = [headerLine(view)];
  for (const p of view.sourceProblems) lines.push(`  problem: ${printable(p)}`);
  if (view.jobs.length === 0) lines.push('  (no managed jobs)');
  for (const j of view.jobs) lines.push(...jobLines(j, view.statuses, style));
  for (const t of view.templates ?? []) lines.push(templateLine(t));
  return `${lines.join('\n')}\n`;
}

/** One declared job template: its key and id, Ready or why not. */
function templateLine(t: BoardView['templates'][number]): string {
  const state = t.ready ? 'ready' : `NOT READY (${t.reason})`;
  return printable(`template ${t.key}${t.jobTemplateId && t.jobTemplateId !== t.key ? ` (${t.jobTemplateId})` : ''}: ${state}: ${t.message}`);
}

/** The first line: the source, its revision, how many manifests in which state, readiness and when. */
function headerLine(view: BoardView): string {
  const s = view.summary;
  const states = [`${s.ready} ready`];
  if (s.notReady) states.push(`${s.notReady} not ready${s.stalled ? ` (${s.stalled} stalled)` : ''}`);
  if (s.unhealthy) states.push(`${s.unhealthy} unhealthy`);
  const shown = view.jobs.length < s.manifests ? ` · showing ${view.jobs.length} of ${view.matched} matching` : '';
  const manifests = `${s.manifests} manifest${s.manifests === 1 ? '' : 's'}: ${states.join(', ')}`;
  return `${printable(view.source)} source, revision ${printable(view.revision ?? 'none yet')} · ${manifests}${shown} · ${view.ready ? 'ready' : 'NOT READY'} · ${view.generatedAt}`;
}

/** One job's block: a blank line, its key, job, Ready and health, its bar with the share done, its counts, what is wrong if anything, its waves, and its last error if any. */
function jobLines(j: BoardJob, statuses: readonly ExecutionStatus[], style: { width: number; colour: boolean }): string[] {
  const lines = [
    '',
    printable(`${j.key}  job ${j.jobId ?? '(none yet)'}  ${j.awsStatus ?? '—'}  ${stateText(j)}${j.revision ? `  rev ${j.revision}` : ''}`),
    `  [${bar(j.counts, statuses, style.width, style.colour)}]${shareDone(j)}`,
    `  ${statuses.map((s) => `${s.toLowerCase().replace('_', ' ')} ${j.counts[s]}`).join('  ')}`,
  ];
  lines.push(...attentionLines(j));
  if (j.waves) lines.push(`  waves: ${j.waves.map((w) => `${w.name} ${w.phase}`).join(' · ')}`);
  const running = j.waves?.find((w) => w.gate);
  if (running) lines.push(`  gate: ${printable(running.gate!)}`);
  if (j.lastError && j.lastError !== j.message) lines.push(`  last error: ${printable(j.lastError)}`);
  return lines;
}

/** Ready (or NOT READY and why) and the rollout's health, in a word each. */
function stateText(j: BoardJob): string {
  return `${j.ready === 'True' ? 'Ready' : `NOT READY ${j.reason}`}  ${j.health.reason}`;
}

/** " 75% (3/4)": the share of executions finished; empty without executions. */
function shareDone(j: BoardJob): string {
  const [total, done] = [executionTotal(j.counts), finishedCount(j.counts)];
  return total === 0 ? '' : ` ${Math.round((done / total) * 100)}% (${done}/${total})`;
}

/** What is wrong, in words: the Ready message when not Ready, the health message when not Healthy, and the revision AWS holds when a newer one is refused. */
function attentionLines(j: BoardJob): string[] {
  const lines: string[] = [];
  if (j.ready !== 'True' && j.message) lines.push(`  not ready: ${printable(j.message)}`);
  if (j.health.status === 'False') lines.push(`  ${j.health.reason.toLowerCase()}: ${printable(j.health.message)}`);
  if (j.revision && j.appliedRevision !== j.revision && (j.result === 'stalled' || j.result === 'error'))
    lines.push(`  applied: ${printable(j.appliedRevision ? `rev ${j.appliedRevision}` : 'nothing yet')} (rev ${printable(j.revision)} is not)`);
  return lines;
}
