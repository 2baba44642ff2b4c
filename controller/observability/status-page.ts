/**
 * The read-only status page served at `/`: one static HTML document whose small script fetches
 * /status.json every two seconds and draws every managed job with its AWS status, a stacked bar of
 * its executions by status, the revision and the last error. No framework: a table and a dozen
 * lines of DOM code are all it needs. Every number it shows comes from /status.json, which the
 * same reconcile reports as /metrics feed.
 */

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
</style>
</head>
<body>
<h1>iot-jobs-controller</h1>
<div id="summary">loading…</div>
<div id="problems"></div>
<div class="legend" id="legend"></div>
<table>
  <thead><tr><th>manifest</th><th>job</th><th>AWS status</th><th>executions</th><th>revision</th><th>last error</th></tr></thead>
  <tbody id="jobs"></tbody>
</table>
<script>
const COLOURS = ${JSON.stringify(STATUS_COLOURS)};
const el = (tag, attrs, text) => { const e = document.createElement(tag); Object.assign(e, attrs || {}); if (text !== undefined) e.textContent = text; return e; };
function row(job, statuses) {
  const tr = el('tr', { className: 'job' });
  tr.dataset.key = job.key;
  tr.append(el('td', {}, job.key), el('td', { className: 'job-id' }, job.jobId || '—'), el('td', { className: 'aws-status' }, job.awsStatus || '—'));
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
  tr.append(cell, el('td', { className: 'revision' }, job.revision || ''), el('td', { className: 'error' }, job.lastError || ''));
  return tr;
}
async function refresh() {
  try {
    const view = await (await fetch('status.json', { cache: 'no-store' })).json();
    document.getElementById('summary').textContent = view.source + ' source, revision ' + (view.revision || 'none yet') + ' · ' + view.jobs.length + ' manifests · ' + (view.ready ? 'ready' : 'not ready') + ' · updated ' + view.generatedAt;
    document.getElementById('problems').textContent = view.sourceProblems.join('\\n');
    const legend = document.getElementById('legend');
    legend.replaceChildren(...view.statuses.map((s) => { const sp = el('span'); const i = el('i'); i.style.background = COLOURS[s]; sp.append(i, s); return sp; }));
    document.getElementById('jobs').replaceChildren(...view.jobs.map((j) => row(j, view.statuses)));
    document.body.dataset.generatedAt = view.generatedAt;
  } catch (err) {
    document.getElementById('summary').textContent = 'cannot reach the controller: ' + err;
  }
}
refresh();
setInterval(refresh, 2000);
</script>
</body>
</html>
`;
}
