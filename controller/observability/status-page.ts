/**
 * The read-only status page served at `/`: one static HTML document whose small script fetches
 * /status.json every two seconds and draws the summary (how many manifests are ready, stalled,
 * unhealthy) and one page of jobs, each with its AWS status, Ready and health, a stacked bar of its
 * executions by status, the revision (and the one applied, when a change is refused) and what is
 * wrong. A filter (needing attention, or text) and paging keep each refresh small at 10,000 jobs:
 * the server sends only the page shown. Below, when any are declared, the job templates: each
 * with its id, Ready or why not, and its ARN. No framework. Every number comes from /status.json, which
 * the same reconcile reports as /metrics feed.
 */

/** Jobs per page. */
export const PAGE_SIZE = 100;

/** Colours of the execution statuses, shared by the page's bars and legend. */
export const STATUS_COLOURS: Record<string, string> = {
  SUCCEEDED: '#2e7d32',
  FAILED: '#c62828',
  TIMED_OUT: '#ef6c00',
  REJECTED: '#6a1b9a',
  CANCELED: '#757575',
  REMOVED: '#bdbdbd',
  IN_PROGRESS: '#1565c0',
  QUEUED: '#90caf9',
};

/** The page. */
export function statusPageHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>iot-jobs-controller</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #222; }
  h1 { font-size: 1.2rem; margin: 0 0 .5rem; }
  h2 { font-size: 1rem; margin: 1.5rem 0 .5rem; }
  #summary { color: #555; margin-bottom: 1rem; }
  #problems { color: #c62828; white-space: pre-wrap; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #eee; vertical-align: top; }
  th { font-weight: 600; color: #555; }
  .bar { display: flex; width: 18rem; height: .9rem; background: #f3f3f3; border-radius: 3px; overflow: hidden; }
  .bar span { display: block; height: 100%; }
  .counts { font-size: 12px; color: #555; margin-top: .2rem; }
  .counts b { font-weight: 600; }
  .error { color: #c62828; max-width: 30rem; }
  .waves { font-size: 12px; margin-top: .3rem; }
  .wave[data-phase="Held"], .wave[data-phase="Failed"] { color: #c62828; font-weight: 600; }
  .wave[data-phase="Passed"] { color: #2e7d32; }
  .gate { color: #555; }
  .legend span { display: inline-block; margin-right: 1rem; font-size: 12px; }
  .legend i { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; vertical-align: -1px; border-radius: 2px; }
  .controls { margin: .5rem 0; display: flex; gap: 1rem; align-items: center; }
  .state[data-ready="False"], .state[data-ready="Unknown"] { color: #c62828; font-weight: 600; }
  .health[data-health="False"] { color: #c62828; font-weight: 600; }
  .applied { font-size: 12px; color: #c62828; }
</style>
</head>
<body>
<h1>iot-jobs-controller</h1>
<div id="summary">loading…</div>
<div id="problems"></div>
<div class="controls">
  <label><input type="checkbox" id="attention"> only those needing attention</label>
  <input type="search" id="filter" placeholder="filter by manifest or job id">
  <button id="prev">previous</button><span id="page"></span><button id="next">next</button>
</div>
<div class="legend" id="legend"></div>
<table>
  <thead><tr><th>manifest</th><th>job</th><th>AWS status</th><th>ready</th><th>health</th><th>executions</th><th>revision</th><th>message</th></tr></thead>
  <tbody id="jobs"></tbody>
</table>
<section id="templates" hidden>
<h2>job templates</h2>
<table>
  <thead><tr><th>manifest</th><th>template</th><th>ready</th><th>ARN</th><th>message</th></tr></thead>
  <tbody></tbody>
</table>
</section>
<script>
const COLOURS = ${JSON.stringify(STATUS_COLOURS)};
const PAGE_SIZE = ${PAGE_SIZE};
let offset = 0;
const el = (tag, attrs, text) => { const e = document.createElement(tag); Object.assign(e, attrs || {}); if (text !== undefined) e.textContent = text; return e; };
function row(job, statuses) {
  const tr = el('tr', { className: 'job' });
  tr.dataset.key = job.key;
  tr.append(el('td', {}, job.key), el('td', { className: 'job-id' }, job.jobId || '—'), el('td', { className: 'aws-status' }, job.awsStatus || '—'));
  const state = el('td', { className: 'state', title: job.message }, job.ready === 'True' ? 'Ready' : job.reason);
  state.dataset.ready = job.ready;
  const health = el('td', { className: 'health', title: job.health.message }, job.health.reason);
  health.dataset.health = job.health.status;
  tr.append(state, health);
  const total = statuses.reduce((a, s) => a + job.counts[s], 0);
  const bar = el('div', { className: 'bar', title: total + ' executions' });
  const counts = el('div', { className: 'counts' });
  for (const s of statuses) {
    const n = job.counts[s];
    if (total > 0 && n > 0) { const seg = el('span'); seg.style.width = (100 * n / total) + '%'; seg.style.background = COLOURS[s]; seg.title = s + ' ' + n; bar.append(seg); }
    const c = el('span', { className: 'count' });
    c.dataset.status = s;
    c.append(s.toLowerCase().replace('_', ' ') + ' ', el('b', {}, String(n)), '  ');
    counts.append(c);
  }
  const cell = el('td');
  cell.append(bar, counts);
  if (job.waves) {
    const waves = el('div', { className: 'waves' });
    for (const w of job.waves) {
      const span = el('span', { className: 'wave', title: w.gate || '' }, w.name + ' ' + w.phase);
      span.dataset.phase = w.phase;
      waves.append(span, ' · ');
    }
    waves.lastChild && waves.lastChild.remove();
    const running = job.waves.find((w) => w.gate);
    if (running) waves.append(el('div', { className: 'gate' }, running.gate));
    cell.append(waves);
  }
  const rev = el('td', { className: 'revision' }, job.revision || '');
  if (job.revision && job.appliedRevision !== job.revision && (job.result === 'stalled' || job.result === 'error'))
    rev.append(el('div', { className: 'applied' }, 'applied: ' + (job.appliedRevision || 'nothing yet')));
  const words = [job.ready === 'True' ? '' : job.message, job.health.status === 'False' ? job.health.message : '', job.lastError && job.lastError !== job.message ? job.lastError : ''];
  tr.append(cell, rev, el('td', { className: 'error' }, words.filter(Boolean).join(' — ')));
  return tr;
}
function templateRow(t) {
  const tr = el('tr', { className: 'template' });
  tr.dataset.key = t.key;
  const state = el('td', { className: 'state', title: t.message }, t.ready ? 'Ready' : t.reason);
  state.dataset.ready = t.ready ? 'True' : 'False';
  tr.append(el('td', {}, t.key), el('td', { className: 'template-id' }, t.jobTemplateId || '—'), state, el('td', { className: 'arn' }, t.jobTemplateArn || '—'), el('td', { className: 'error' }, t.ready ? '' : t.message));
  return tr;
}
async function refresh() {
  try {
    const q = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(offset), show: document.getElementById('attention').checked ? 'attention' : 'all', q: document.getElementById('filter').value });
    const view = await (await fetch('status.json?' + q, { cache: 'no-store' })).json();
    const s = view.summary;
    document.getElementById('summary').textContent = view.source + ' source, revision ' + (view.revision || 'none yet') + ' · ' + s.manifests + ' manifests: ' + s.ready + ' ready, ' + s.notReady + ' not ready (' + s.stalled + ' stalled), ' + s.unhealthy + ' unhealthy · ' + (view.ready ? 'ready' : 'not ready') + ' · updated ' + view.generatedAt;
    document.getElementById('page').textContent = view.matched === 0 ? ' none match ' : ' ' + (view.offset + 1) + '–' + (view.offset + view.jobs.length) + ' of ' + view.matched + ' ';
    document.getElementById('prev').disabled = view.offset === 0;
    document.getElementById('next').disabled = view.offset + view.jobs.length >= view.matched;
    document.getElementById('problems').textContent = view.sourceProblems.join('\\n');
    const legend = document.getElementById('legend');
    legend.replaceChildren(...view.statuses.map((s) => { const sp = el('span'); const i = el('i'); i.style.background = COLOURS[s]; sp.append(i, s); return sp; }));
    document.getElementById('jobs').replaceChildren(...view.jobs.map((j) => row(j, view.statuses)));
    const templates = document.getElementById('templates');
    templates.hidden = view.templates.length === 0;
    templates.querySelector('tbody').replaceChildren(...view.templates.map(templateRow));
    document.body.dataset.generatedAt = view.generatedAt;
  } catch (err) {
    document.getElementById('summary').textContent = 'cannot reach the controller: ' + err;
  }
}
document.getElementById('prev').onclick = () => { offset = Math.max(0, offset - PAGE_SIZE); refresh(); };
document.getElementById('next').onclick = () => { offset += PAGE_SIZE; refresh(); };
document.getElementById('attention').onchange = () => { offset = 0; refresh(); };
document.getElementById('filter').oninput = () => { offset = 0; refresh(); };
refresh();
setInterval(refresh, 2000);
</script>
</body>
</html>
`;
}
