/// <reference lib="dom" />
/**
 * The HTML report of a real rehearsal (controller/rehearse/report-html.ts), opened from a file in
 * headless Chromium: self-contained (no request but the page itself, no console error), one chart
 * per wave whose stacked areas reach what the result says, the tables' numbers equal to the
 * result's, the blast-radius rows of a sweep, and input text shown as text, never run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rehearse } from '../../controller/rehearse/rehearsal.js';
import { renderHtml } from '../../controller/rehearse/report-html.js';
import { launchChromium } from '../helpers/browser.js';
import { CANARY_IN_FLEET, CANARY_THEN_FLEET } from '../helpers/rehearsal-fixtures.js';

const TMP = mkdtempSync(join(tmpdir(), 'rehearse-html-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const MODEL = CANARY_IN_FLEET;
const WAVES = CANARY_THEN_FLEET;

describe('the HTML report', () => {
  it('shows every wave as a chart of executions by status, the tables and the blast radius, from the file alone', async () => {
    const dir = mkdtempSync(join(TMP, 'manifests-'));
    writeFileSync(
      join(dir, 'fw.yaml'),
      `apiVersion: iot.gitops.dev/v1alpha1\nkind: IoTJob\nmetadata:\n  name: fw\nspec: ${JSON.stringify({ document: { op: 'ota' }, waves: WAVES })}\n`,
    );
    const results = [await rehearse({ dir, model: MODEL }), await rehearse({ dir, model: MODEL, failureRate: 0.6 })];
    const shown = { ...results[0]!, jobs: [...results[0]!.jobs, { ...results[0]!.jobs[0]!, key: '<script>window.ran=1</script>' }] };
    const file = join(TMP, 'report.html');
    writeFileSync(file, renderHtml([shown, results[1]!], { title: 'Rehearsal <of> fw' }));

    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      const errors: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`file://${file}`);
      expect(requests).toEqual([`file://${file}`]);
      expect(errors).toEqual([]);
      expect(await page.title()).toBe('Rehearsal <of> fw');
      expect(await page.evaluate(() => (window as unknown as { ran?: number }).ran)).toBeUndefined();
      expect(await page.locator('section.job h2').allTextContents()).toEqual(['fw (job fw)', '<script>window.ran=1</script> (job fw)']);

      const job = results[0]!.jobs[0]!;
      const section = page.locator('section.job').first();
      for (const w of job.waves) {
        const row = section.locator(`table.waves tr[data-wave="${w.name}"]`);
        expect(await row.locator('td.exposed').textContent()).toBe(String(w.exposed));
        expect(await row.locator('td.succeeded').textContent()).toBe(String(w.succeeded));
        const svg = section.locator(`svg.wave-chart[data-wave="${w.name}"]`);
        const peak = Math.max(...w.series.map((s) => s.succeeded));
        expect(await svg.locator('polygon[data-status="succeeded"]').getAttribute('data-peak')).toBe(String(peak));
        const box = await svg.locator('polygon[data-status="succeeded"]').boundingBox();
        const frame = await svg.locator('rect').boundingBox();
        // The succeeded band reaches the share of the chart's height that its peak is of the wave's size.
        expect(box!.height / frame!.height).toBeCloseTo(
          peak / Math.max(w.size, ...w.series.map((s) => s.queued + s.inProgress + s.succeeded + s.failed + s.rejected + s.timedOut + s.canceled)),
          1,
        );
        expect(await svg.locator('line[data-marker="started"]').count()).toBe(1);
      }
      expect(await section.locator('svg.wave-chart').count()).toBe(2);
      expect(await section.locator('line[data-marker="gate passed"]').count()).toBe(2);
      expect(await section.locator('.legend span').allTextContents()).toEqual([
        'succeeded',
        'failed',
        'rejected',
        'timed out',
        'canceled',
        'in progress',
        'queued',
      ]);

      const swept = results[1]!.jobs[0]!;
      const blast = page.locator('table.blast-radius tbody tr');
      expect(await blast.count()).toBe(1);
      expect(await blast.locator('td').allTextContents()).toEqual([
        'fw',
        '60%',
        String(swept.exposed),
        expect.stringMatching(/^\+\d/),
        `${swept.outcome}: ${swept.detail}`,
      ]);
      expect(swept.outcome).toBe('held');
      await page.screenshot({ path: join(TMP, 'report.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  }, 60_000);
});
