/**
 * Pure: a rehearsal as one self-contained HTML page (inline style and SVG; no script, no request):
 * the summary, and per job its outcome, its waves' table, its events and per wave a chart of
 * executions by status over time (stacked areas, with the wave's start and its gate's verdict
 * marked); the warnings; with a sweep, the blast-radius table. Every input text is escaped.
 */
import { since } from './durations.js';
import type { JobTimeline, RehearsalResult, Sample, StatusCounts, WaveTimeline } from './result.js';

/** The statuses drawn, bottom to top, with their colours. */
const LAYERS: readonly { key: keyof StatusCounts; label: string; colour: string }[] = [
  { key: 'succeeded', label: 'succeeded', colour: '#2e7d32' },
  { key: 'failed', label: 'failed', colour: '#c62828' },
  { key: 'rejected', label: 'rejected', colour: '#8e24aa' },
  { key: 'timedOut', label: 'timed out', colour: '#ef6c00' },
  { key: 'canceled', label: 'canceled', colour: '#9e9e9e' },
  { key: 'inProgress', label: 'in progress', colour: '#1565c0' },
  { key: 'queued', label: 'queued', colour: '#90caf9' },
];

const CHART = { width: 720, height: 220, left: 56, right: 16, top: 12, bottom: 28 };

/** The page. */
export function renderHtml(results: readonly RehearsalResult[], o: { title: string }): string {
  const base = results[0]!;
  const body = [
    `<h1>${esc(o.title)}</h1>`,
    summary(base, results),
    ...base.jobs.map((j) => jobSection(j, base.durationMs)),
    warnings(base.warnings),
    results.length > 1 ? blastRadius(results) : '',
  ].join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(o.title)}</title>
<style>${STYLE}</style></head>
<body>
${body}
</body></html>
`;
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1000px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px}h3{font-size:15px;margin:16px 0 4px}
table{border-collapse:collapse;margin:8px 0}th,td{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right}
th:first-child,td:first-child,td.text,th.text{text-align:left}.outcome{font-weight:600}.completed{color:#2e7d32}
.held,.canceled,.aborted,.stalled{color:#c62828}.legend span{display:inline-block;margin-right:14px}
.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}
ul.events{list-style:none;padding-left:0}ul.events time{display:inline-block;width:80px;color:#555}
.warning{color:#b26a00}svg text{font-size:11px;fill:#444}`;

function summary(base: RehearsalResult, results: readonly RehearsalResult[]): string {
  const wall = results.reduce((a, r) => a + r.wallMs, 0);
  const horizon = base.horizonReached ? ' It stopped at the horizon.' : '';
  return `<p class="summary">${base.things} things; ${base.jobs.length} job${base.jobs.length === 1 ? '' : 's'}; virtual time ${since(base.durationMs)}; rehearsed in ${(wall / 1000).toFixed(1)} s${results.length > 1 ? ` (${results.length} rehearsals)` : ''}.${horizon}</p>`;
}

function jobSection(j: JobTimeline, durationMs: number): string {
  return `<section class="job" data-key="${esc(j.key)}">
<h2>${esc(j.key)} <small>(job ${esc(j.jobId)})</small></h2>
<p><span class="outcome ${esc(j.outcome)}">${esc(j.outcome)}</span>: ${esc(j.detail)}. ${j.exposed} of ${j.targeted} devices exposed.</p>
${waveTable(j.waves)}
<ul class="events">${j.events.map((e) => `<li><time>${since(e.at)}</time>${esc(e.text)}</li>`).join('')}</ul>
${legend()}
${j.waves.map((w) => `<h3>${esc(w.name)}</h3>\n${waveChart(w, durationMs)}`).join('\n')}
</section>`;
}

function waveTable(waves: readonly WaveTimeline[]): string {
  const head = ['wave', 'things', 'started', 'first start', '50% finished', '100% finished', 'gate', 'exposed', 'succeeded', 'failed'];
  const rows = waves.map(
    (w) =>
      `<tr data-wave="${esc(w.name)}"><td>${esc(w.name)}</td><td>${w.size}</td><td>${since(w.startedAt)}</td><td>${since(w.firstExecutionAt)}</td><td>${since(w.halfFinishedAt)}</td><td>${since(w.allFinishedAt)}</td><td class="text">${gate(w)}</td><td class="exposed">${w.exposed}</td><td class="succeeded">${w.succeeded}</td><td class="failed">${w.failed}</td></tr>`,
  );
  return `<table class="waves"><thead><tr>${head.map((h) => `<th${h === 'gate' ? ' class="text"' : ''}>${h}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function gate(w: WaveTimeline): string {
  if (w.failedAt !== undefined) return `failed ${since(w.failedAt)}`;
  if (w.passedAt !== undefined) return `passed ${since(w.passedAt)}`;
  return esc(w.phase);
}

function legend(): string {
  return `<p class="legend">${LAYERS.map((l) => `<span><i style="background:${l.colour}"></i>${l.label}</span>`).join('')}</p>`;
}

/** Stacked areas of the wave's executions by status, x from 0 to the rehearsal's end, y to the wave's size. */
export function waveChart(w: WaveTimeline, durationMs: number): string {
  const plot = { w: CHART.width - CHART.left - CHART.right, h: CHART.height - CHART.top - CHART.bottom };
  const yMax = Math.max(1, w.size, ...w.series.map(total));
  const x = (at: number): number => CHART.left + (plot.w * at) / Math.max(1, durationMs);
  const y = (n: number): number => CHART.top + plot.h - (plot.h * n) / yMax;
  const areas = LAYERS.map((_, i) => area(w.series, i, { x, y }));
  return `<svg class="wave-chart" data-wave="${esc(w.name)}" viewBox="0 0 ${CHART.width} ${CHART.height}" width="${CHART.width}" height="${CHART.height}" role="img">
<title>${esc(w.name)}: executions by status over time</title>
${axes(x, y, yMax, durationMs)}
${areas.join('\n')}
${markers(w, x, plot.h)}
</svg>`;
}

function total(s: Sample): number {
  return LAYERS.reduce((a, l) => a + s[l.key], 0);
}

/** One status's band: from the sum of the layers below it to that sum plus its own count, as steps. */
function area(series: readonly Sample[], index: number, scale: { x: (at: number) => number; y: (n: number) => number }): string {
  if (series.length === 0) return '';
  const { x, y } = scale;
  const layer = LAYERS[index]!;
  const below = (s: Sample): number => LAYERS.slice(0, index).reduce((a, l) => a + s[l.key], 0);
  // Steps: a sample's counts hold until the next sample (nothing is known in between).
  const edge = (level: (s: Sample) => number): string[] =>
    series.flatMap((s, i) => {
      const next = series[i + 1]?.at ?? s.at;
      return [`${x(s.at).toFixed(1)},${y(level(s)).toFixed(1)}`, `${x(next).toFixed(1)},${y(level(s)).toFixed(1)}`];
    });
  const top = edge((s) => below(s) + s[layer.key]);
  const bottom = edge(below).reverse();
  const peak = Math.max(...series.map((s) => s[layer.key]));
  return `<polygon class="layer" data-status="${layer.key}" data-peak="${peak}" fill="${layer.colour}" points="${[...top, ...bottom].join(' ')}"/>`;
}

function axes(x: (at: number) => number, y: (n: number) => number, yMax: number, durationMs: number): string {
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const anchor = (f: number): string => (f === 0 ? 'start' : f === 1 ? 'end' : 'middle');
  const xTicks = ticks.map(
    (f) => `<text x="${x(durationMs * f).toFixed(1)}" y="${CHART.height - 8}" text-anchor="${anchor(f)}">${since(durationMs * f)}</text>`,
  );
  const yTicks = [0, 0.5, 1].map((f) => `<text x="${CHART.left - 6}" y="${(y(yMax * f) + 4).toFixed(1)}" text-anchor="end">${Math.round(yMax * f)}</text>`);
  const frame = `<rect x="${CHART.left}" y="${CHART.top}" width="${CHART.width - CHART.left - CHART.right}" height="${CHART.height - CHART.top - CHART.bottom}" fill="none" stroke="#ccc"/>`;
  return [frame, ...xTicks, ...yTicks].join('\n');
}

/** Dashed lines at the wave's start and at its gate's verdict. */
function markers(w: WaveTimeline, x: (at: number) => number, plotH: number): string {
  const marks: [number | undefined, string, string][] = [
    [w.startedAt, 'started', '#555'],
    [w.passedAt, 'gate passed', '#2e7d32'],
    [w.failedAt, 'gate failed', '#c62828'],
  ];
  return marks
    .filter(([at]) => at !== undefined)
    .map(
      ([at, label, colour]) =>
        `<line class="marker" data-marker="${label}" x1="${x(at!).toFixed(1)}" x2="${x(at!).toFixed(1)}" y1="${CHART.top}" y2="${CHART.top + plotH}" stroke="${colour}" stroke-dasharray="4 3"/><text x="${(x(at!) + 3).toFixed(1)}" y="${CHART.top + 10}">${label}</text>`,
    )
    .join('\n');
}

function warnings(list: readonly string[]): string {
  if (list.length === 0) return '';
  return `<h2>Warnings</h2><ul class="warnings">${list.map((w) => `<li class="warning">${esc(w)}</li>`).join('')}</ul>`;
}

function blastRadius(results: readonly RehearsalResult[]): string {
  const rows = results
    .slice(1)
    .flatMap((r) =>
      r.jobs.map(
        (j) =>
          `<tr data-rate="${r.failureRate}"><td>${esc(j.key)}</td><td>${Math.round((r.failureRate ?? 0) * 1000) / 10}%</td><td class="exposed">${j.exposed}</td><td>${j.stoppedAt === undefined ? 'not stopped' : since(j.stoppedAt)}</td><td class="text">${esc(j.outcome)}: ${esc(j.detail)}</td></tr>`,
      ),
    );
  return `<h2>Blast radius by failure rate</h2><p>Every group of the fleet model failing at the rate.</p><table class="blast-radius"><thead><tr><th>job</th><th>failure rate</th><th>exposed</th><th>stopped</th><th class="text">how</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Text for HTML element content and attribute values. */
function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
