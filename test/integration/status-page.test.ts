/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The status page in headless Chromium (Debian's chromium, driven by playwright-core) while the
 * emulator's simulated fleet rolls two jobs out: every managed job is shown with its AWS status, a
 * stacked bar and counts that match /metrics, and the page follows the rollout by itself. Then
 * `iot-jobs-controller status` prints the same numbers in the terminal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { built, startProgram, waitFor } from '../helpers/processes.js';
import { manifest, Stack } from '../helpers/stack.js';

let stack: Stack;
let browser: Browser;
let page: Page;
const STATUSES = ['QUEUED', 'IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'REJECTED', 'REMOVED', 'CANCELED'];

beforeAll(async () => {
  // Slow enough that the page is seen mid-rollout: 30 devices, 2 a simulated minute at 20x (about 45 s).
  stack = await Stack.create({
    emulator: { timeScale: 20, fleet: { size: 30, seed: 5, workMs: 30_000, failureRate: 0.2, rejectRate: 0, pollIntervalMs: 100 } },
  });
  stack.write('slow.yaml', manifest('slow', { jobExecutionsRolloutConfig: { maximumPerMinute: 2 } }));
  stack.write('canary.yaml', manifest('canary', { targets: ['thing:device-0001'], description: 'one device' }));
  // The metrics move at each resync (5 s), the page every 2 s: a steady window holds a page refresh.
  // No rollout is judged Degraded here (20% of the fleet fails), so only a refused change needs attention.
  await stack.start(['--resync-seconds', '5', '--degraded-failure-ratio', '1']);
  browser = await launchChromium();
  page = await browser.newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** What the page shows: job → { awsStatus, counts by status, bar segments }. */
async function shown(): Promise<Record<string, { jobId: string; awsStatus: string; counts: Record<string, number>; segments: number }>> {
  return page.$$eval('tr.job', (rows) =>
    Object.fromEntries(
      rows.map((tr) => {
        const counts = Object.fromEntries(
          [...tr.querySelectorAll<HTMLElement>('.count')].map((c) => [c.dataset.status!, Number(c.querySelector('b')!.textContent)]),
        );
        return [
          (tr as HTMLElement).dataset.key!,
          {
            jobId: tr.querySelector('.job-id')!.textContent!,
            awsStatus: tr.querySelector('.aws-status')!.textContent!,
            counts,
            segments: tr.querySelectorAll('.bar span').length,
          },
        ];
      }),
    ),
  );
}

/** iotjobs_job_executions from /metrics: job → status → value. */
async function metrics(): Promise<Record<string, Record<string, number>>> {
  const text = await (await fetch(`${stack.app.server!.url}/metrics`)).text();
  const out: Record<string, Record<string, number>> = {};
  for (const m of text.matchAll(/^iotjobs_job_executions\{job_id="([^"]+)",status="([^"]+)"\} (\S+)$/gm)) (out[m[1]!] ??= {})[m[2]!] = Number(m[3]);
  return out;
}

/**
 * The page's numbers against /metrics. Both move while the fleet works, so a comparison counts
 * only when /metrics read the same just before the page fetched its data and just after the page
 * showed it: the page's numbers were then taken while the metrics held those values.
 */
async function compareWhenSteady(): Promise<{ page: Awaited<ReturnType<typeof shown>>; metrics: Record<string, Record<string, number>> }> {
  return waitFor(
    'a steady moment to compare the page with /metrics',
    async () => {
      const before = await metrics();
      const stamp = await page.getAttribute('body', 'data-generated-at');
      await page.waitForFunction((old) => document.body.dataset.generatedAt !== old, stamp, { timeout: 10_000 });
      const now = await shown();
      const after = await metrics();
      // A job created a moment ago has no observation (and no series) yet: the page shows — for it.
      const observed = Object.values(now).every((j) => j.awsStatus !== '—');
      return observed && JSON.stringify(before) === JSON.stringify(after) ? { page: now, metrics: after } : undefined;
    },
    40_000,
    100,
  );
}

describe('the status page', () => {
  it('shows every job mid-rollout, with counts that match /metrics', async () => {
    // Executions appear as the rollout reaches their devices, so mid-rollout means some finished and fewer than 30 exist.
    await stack.until(
      'the rollout under way',
      () => {
        const d = stack.job('slow')?.jobProcessDetails;
        return d && d.numberOfSucceededThings + d.numberOfFailedThings >= 3;
      },
      30_000,
    );
    await page.goto(stack.app.server!.url);
    await page.waitForSelector('tr.job[data-key="slow"] .count');
    const mid = await compareWhenSteady();
    const slow = mid.page.slow!;
    expect(slow.awsStatus).toBe('IN_PROGRESS');
    expect(STATUSES.reduce((a, st) => a + slow.counts[st]!, 0)).toBeLessThan(30);
    expect(slow.counts.SUCCEEDED! + slow.counts.FAILED!).toBeGreaterThan(0);
    expect(slow.segments).toBeGreaterThanOrEqual(1);
    for (const key of ['slow', 'canary']) {
      const jobId = mid.page[key]!.jobId;
      expect(Object.keys(mid.page[key]!.counts)).toEqual(STATUSES);
      expect(mid.page[key]!.counts).toEqual(mid.metrics[jobId]);
    }
    expect(await page.textContent('#summary')).toMatch(
      /^directory source, revision sha256:[0-9a-f]+ · 2 manifests: 2 ready, 0 not ready \(0 stalled\), 0 unhealthy · ready · updated /,
    );
  }, 60_000);

  it('follows the rollout by itself to the end, still matching /metrics', async () => {
    await stack.until('the rollout to end', () => stack.job('slow')?.status === 'COMPLETED', 60_000);
    const end = await waitFor(
      'the page to show the end',
      async () => {
        const s = await compareWhenSteady();
        return s.page.slow?.awsStatus === 'COMPLETED' ? s : undefined;
      },
      20_000,
      500,
    );
    expect(end.page.slow!.counts).toEqual(end.metrics.slow);
    expect(end.page.slow!.counts.SUCCEEDED! + end.page.slow!.counts.FAILED!).toBe(30);
  }, 90_000);

  it('is printed in the terminal by `iot-jobs-controller status`, with bars', async () => {
    const p = startProgram(built('controller/main.js'), ['status', '--url', stack.app.server!.url]);
    expect(await p.exited).toBe(0);
    const out = p.stdout();
    const c = (await metrics()).slow!;
    expect(out).toContain('slow  job slow  COMPLETED');
    expect(out).toContain(`succeeded ${c.SUCCEEDED}  failed ${c.FAILED}`);
    expect(out).toMatch(/\[[█▓▒░]+\] 100%/);
    expect(out).toMatch(/slow {2}job slow {2}COMPLETED {2}Ready {2}Healthy {2}rev sha256:/);
    const down = startProgram(built('controller/main.js'), ['status', '--url', 'http://127.0.0.1:1']);
    expect(await down.exited).toBe(2);
    expect(down.stderr()).toContain('cannot read http://127.0.0.1:1/status.json');
  });

  it('shows a refused change as not ready, with why and the revision AWS still holds, on the page and in the terminal (regression: it read COMPLETED with no error)', async () => {
    stack.write('frozen.yaml', manifest('frozen', { targets: ['thing:device-0002'], document: { v: 1 } }));
    const first = await stack.until('frozen on the board, Ready', () => stack.app.board.view().jobs.find((j) => j.key === 'frozen' && j.ready === 'True'));
    stack.write('frozen.yaml', manifest('frozen', { targets: ['thing:device-0002'], document: { v: 2 } }));
    const refused = await stack.until('the change refused', () => stack.app.board.view().jobs.find((j) => j.key === 'frozen' && j.result === 'stalled'));
    expect(refused).toMatchObject({ ready: 'False', reason: 'NeedsAttention', appliedRevision: first.revision });
    expect(refused.revision).not.toBe(first.revision);
    expect(refused.lastError).toContain('document cannot be changed on an existing job');
    await page.reload();
    const row = await waitFor(
      'the page to show the refusal',
      () =>
        page
          .$eval('tr.job[data-key="frozen"]', (tr) => [
            tr.querySelector('.state')!.textContent,
            tr.querySelector('.error')!.textContent,
            tr.querySelector('.applied')?.textContent,
          ])
          .catch(() => undefined),
      10_000,
    );
    expect(row).toEqual(['NeedsAttention', expect.stringContaining('document cannot be changed on an existing job'), `applied: ${first.revision}`]);
    const p = startProgram(built('controller/main.js'), ['status', '--attention', '--url', stack.app.server!.url]);
    expect(await p.exited).toBe(0);
    const out = p.stdout();
    expect(out).toContain('frozen  job frozen');
    expect(out).toContain('NOT READY NeedsAttention');
    expect(out).toContain(`applied: rev ${first.revision} (rev ${refused.revision} is not)`);
    expect([...out.matchAll(/^(\S+) {2}job /gm)].map((m) => m[1])).toEqual(['frozen']);
    expect(out).toContain('3 manifests: 2 ready, 1 not ready (1 stalled) · showing 1 of 1 matching');
  });

  it('lists the job templates below the jobs, each Ready with its ARN or why not; the section is hidden while none is declared', async () => {
    expect(await page.isHidden('#templates')).toBe(true);
    stack.emu.service.call('CreateJobTemplate', { jobTemplateId: 'hand-made', description: 'by hand', document: '{"op":"mine"}' });
    const template = (name: string): string =>
      `apiVersion: iot.gitops.dev/v1alpha1\nkind: IoTJobTemplate\nmetadata:\n  name: ${name}\nspec:\n  description: base\n  document: {op: ota}\n`;
    stack.write('templates.yaml', `${template('ota-base')}---\n${template('hand-made')}`);
    const rows = await waitFor(
      'the page to show both templates',
      async () => {
        const shownRows = await page.$$eval('tr.template', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
        return shownRows.length === 2 && shownRows.every((r) => r[2] !== '') ? shownRows : undefined;
      },
      20_000,
      200,
    );
    expect(await page.isVisible('#templates')).toBe(true);
    expect(rows).toEqual([
      [
        'hand-made',
        'hand-made',
        'NotOwned',
        'arn:aws:iot:us-east-1:123456789012:jobtemplate/hand-made',
        expect.stringContaining('job template hand-made exists in AWS and is managed by no controller'),
      ],
      ['ota-base', 'ota-base', 'Ready', 'arn:aws:iot:us-east-1:123456789012:jobtemplate/ota-base', ''],
    ]);
  });
});
