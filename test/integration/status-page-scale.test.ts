/// <reference lib="dom" />
/**
 * The status page at 10,000 jobs, in headless Chromium against the real HTTP server: the summary
 * counts every job, the page shows one page of them, the filter finds the few that need attention,
 * and each refresh moves a page's worth of bytes, not the whole board. The bytes are printed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { serveMetrics, type MetricsServer } from '../../controller/observability/http-server.js';
import { Metrics } from '../../controller/observability/metrics.js';
import { StatusBoard } from '../../controller/observability/status-board.js';
import { PAGE_SIZE } from '../../controller/observability/status-page.js';
import { launchChromium } from '../helpers/browser.js';
import { aDesired, anObserved } from '../helpers/builders.js';

const JOBS = 10_000;
let server: MetricsServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  const board = new StatusBoard({
    source: { kind: 'directory', status: () => ({ revision: 'r1', problems: [] }) },
    ready: () => true,
    now: Date.now,
  });
  const counts = { ...anObserved().counts, SUCCEEDED: 900, FAILED: 20, QUEUED: 80 };
  for (let i = 0; i < JOBS; i++) {
    const key = `fleet/job-${String(i).padStart(5, '0')}`;
    if (i % 1000 === 7)
      board.record({
        key,
        outcome: 'stalled',
        result: 'stalled',
        revision: 'r1',
        action: { kind: 'noop', stalled: true, reason: `ConfigMap ${key} does not exist` },
      });
    else
      board.record({
        key,
        desired: aDesired(),
        observed: anObserved('IN_PROGRESS', { jobId: `job-${i}`, counts }),
        health: { status: 'True', reason: 'Healthy', message: '20 of 1000 executions (2%) failed, timed out or were rejected' },
        outcome: 'unchanged',
        result: 'success',
        revision: 'r1',
        action: { kind: 'noop', jobId: `job-${i}`, reason: 'in sync' },
      });
  }
  server = await serveMetrics(new Metrics(), { ready: () => true, live: () => true }, { host: '127.0.0.1', port: 0 }, { board });
  browser = await launchChromium();
  page = await browser.newPage();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** The bytes of the next /status.json the page fetches, and the page once it has drawn it. */
async function nextRefresh(): Promise<number> {
  const res = await page.waitForResponse((r) => r.url().includes('/status.json'), { timeout: 10_000 });
  const bytes = (await res.body()).length;
  await page.waitForFunction(() => document.body.dataset.generatedAt !== undefined);
  return bytes;
}

describe('the status page at 10,000 jobs', () => {
  it('shows the summary of all and one page of jobs, and a refresh moves a page, not the board', async () => {
    const first = nextRefresh();
    await page.goto(server.url);
    await first;
    const refresh = await nextRefresh();
    expect(await page.$$eval('tr.job', (rows) => rows.length)).toBe(PAGE_SIZE);
    expect(await page.textContent('#summary')).toMatch(/ · 10000 manifests: 9990 ready, 10 not ready \(10 stalled\), 0 unhealthy · ready · /);
    expect(await page.textContent('#page')).toBe(' 1–100 of 10000 ');
    const whole = (await (await fetch(`${server.url}/status.json`)).text()).length;
    console.log(
      `status page at ${JOBS} jobs: ${refresh} bytes per refresh (a page of ${PAGE_SIZE}); the whole board is ${whole} bytes (${(whole / refresh).toFixed(0)}x)`,
    );
    expect(refresh * 50).toBeLessThan(whole);
    expect(refresh).toBeLessThan(150_000);
  });

  it('pages, and finds the ones needing attention and a job by its id', async () => {
    await page.click('#next');
    await page.waitForFunction(() => document.querySelector('#page')!.textContent === ' 101–200 of 10000 ');
    expect(await page.getAttribute('tr.job', 'data-key')).toBe('fleet/job-00100');
    await page.check('#attention');
    await page.waitForFunction(() => document.querySelector('#page')!.textContent === ' 1–10 of 10 ');
    const rows = await page.$$eval('tr.job', (trs) =>
      trs.map((tr) => [(tr as HTMLElement).dataset.key, tr.querySelector('.state')!.textContent, tr.querySelector('.error')!.textContent]),
    );
    expect(rows[0]).toEqual(['fleet/job-00007', 'NeedsAttention', 'ConfigMap fleet/job-00007 does not exist']);
    await page.uncheck('#attention');
    await page.fill('#filter', 'job-4242');
    await page.waitForFunction(() => document.querySelector('#page')!.textContent === ' 1–1 of 1 ');
    expect(await page.$$eval('tr.job', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.key))).toEqual(['fleet/job-04242']);
  });
});
