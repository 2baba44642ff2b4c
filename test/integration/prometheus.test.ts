/**
 * The metrics with a real Prometheus (Debian's `prometheus` package): it scrapes the controller
 * while the emulator's simulated fleet rolls a job out, and PromQL returns the execution counts
 * AWS reports; `promtool check metrics` finds nothing to say about /metrics; the chart's alert
 * rules pass `promtool check rules`, load into Prometheus healthy, and a `promtool test rules`
 * case fires the failure-ratio alert (and the others where they should); every query of the
 * Grafana dashboard runs without error.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART, CHART_ALERTS, helmTemplate } from '../helpers/helm.js';
import { waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/python-tools.js';
import { manifest, Stack } from '../helpers/stack.js';
import { requireProgram } from '../helpers/tools.js';

let stack: Stack;
let prometheus: ChildProcess | undefined;
let promUrl: string;
let promLog = '';
const dir = mkdtempSync(join(tmpdir(), 'iotjobs-prom-'));
const rulesFile = join(dir, 'rules.yml');

/** The chart's alert rules, rendered by Helm, as a Prometheus rule file. */
function renderRules(): void {
  const rule = helmTemplate({ 'prometheusRule.enabled': true, 'prometheusRule.jobLabel': 'iot-jobs-controller' }).find((o) => o.kind === 'PrometheusRule')!;
  writeFileSync(rulesFile, stringify({ groups: rule.spec.groups }));
}

async function query(
  expr: string,
): Promise<{ status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } }> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  return (await res.json()) as never;
}

beforeAll(async () => {
  const bin = requireProgram('prometheus', 'prometheus');
  requireProgram('promtool', 'prometheus');
  renderRules();
  stack = await Stack.create({
    emulator: { timeScale: 300, fleet: { size: 20, seed: 11, workMs: 60_000, failureRate: 0.3, rejectRate: 0.1, pollIntervalMs: 100 } },
  });
  stack.write('fw.yaml', manifest('fw', { description: 'firmware 2.4', jobExecutionsRolloutConfig: { maximumPerMinute: 10 } }));
  const app = await stack.start();
  const target = new URL(app.server!.url).host;
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  writeFileSync(
    join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [rulesFile],
      scrape_configs: [{ job_name: 'iot-jobs-controller', static_configs: [{ targets: [target] }] }],
    }),
  );
  prometheus = spawn(
    bin,
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prometheus.stderr!.on('data', (d: Buffer) => (promLog = (promLog + d.toString()).slice(-20_000)));
  await waitFor(
    'Prometheus to be ready',
    async () => {
      if (prometheus!.exitCode !== null) throw new Error(`prometheus exited ${prometheus!.exitCode}:\n${promLog}`);
      return (
        (await fetch(`${promUrl}/-/ready`).then(
          (r) => r.status,
          () => 0,
        )) === 200 || undefined
      );
    },
    30_000,
    200,
  );
}, 120_000);

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    prometheus.kill('SIGTERM');
    await new Promise((r) => prometheus!.once('exit', r));
  }
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a real Prometheus scraping the controller', () => {
  it('returns the execution counts AWS reports, once the rollout ends', async () => {
    await stack.until('the rollout to end', () => stack.job('fw')?.status === 'COMPLETED', 60_000);
    const d = stack.job('fw')!.jobProcessDetails;
    const expected = {
      QUEUED: d.numberOfQueuedThings,
      IN_PROGRESS: d.numberOfInProgressThings,
      SUCCEEDED: d.numberOfSucceededThings,
      FAILED: d.numberOfFailedThings,
      TIMED_OUT: d.numberOfTimedOutThings,
      REJECTED: d.numberOfRejectedThings,
      REMOVED: d.numberOfRemovedThings,
      CANCELED: d.numberOfCanceledThings,
    };
    expect(expected.SUCCEEDED + expected.FAILED + expected.REJECTED).toBe(20);
    expect(expected.FAILED + expected.REJECTED).toBeGreaterThan(0);
    const got = await waitFor(
      'Prometheus to hold the final counts',
      async () => {
        const r = await query('iotjobs_job_executions{job_id="fw"}');
        const byStatus = Object.fromEntries(r.data.result.map((s) => [s.metric.status, Number(s.value[1])]));
        return JSON.stringify(byStatus) === JSON.stringify({ ...byStatus, ...expected }) && Object.keys(byStatus).length === 8 ? byStatus : undefined;
      },
      30_000,
      500,
    );
    expect(got).toEqual(expected);
    const ratio = await query('iotjobs_job_failure_ratio{job_id="fw"}');
    expect(Number(ratio.data.result[0]!.value[1])).toBeCloseTo((expected.FAILED + expected.REJECTED) / 20, 5);
    const info = await query('iotjobs_job_info{job_id="fw"}');
    expect(info.data.result[0]!.metric).toMatchObject({ status: 'COMPLETED', source: 'fw' });
  }, 90_000);

  it('serves metrics that promtool check metrics has nothing to say about', async () => {
    const text = await (await fetch(`${stack.app.server!.url}/metrics`)).text();
    expect(text).toContain('iotjobs_job_executions{job_id="fw",status="SUCCEEDED"}');
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it("loads the chart's alert rules healthy", async () => {
    const res = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as {
      data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
    };
    const rules = res.data.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.name)).toEqual(CHART_ALERTS);
    await waitFor(
      'every rule evaluated',
      async () => {
        const again = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as typeof res;
        const all = again.data.groups.flatMap((g) => g.rules);
        return all.every((r) => r.health === 'ok') || undefined;
      },
      15_000,
      500,
    );
  });

  it('runs every query of the Grafana dashboard without error, and the main panel has data', async () => {
    const dash = JSON.parse(readFileSync(join(CHART, 'files', 'dashboard.json'), 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
    const exprs = dash.panels.flatMap((p) =>
      (p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr.replaceAll('$job_id', '.*').replaceAll('$__rate_interval', '1m') })),
    );
    expect(exprs.length).toBeGreaterThan(15);
    for (const { title, expr } of exprs) {
      const r = await query(expr);
      expect(`${title}: ${r.status} ${r.error ?? ''}`).toBe(`${title}: success `);
    }
    const main = await query(exprs.find((e) => e.title === 'Executions by status, per job')!.expr);
    expect(main.data.result.length).toBe(8);
  });
});

describe('promtool', () => {
  it("check rules passes on the chart's rules", () => {
    const r = spawnSync('promtool', ['check', 'rules', rulesFile], { encoding: 'utf8' });
    expect(r.stdout).toContain(`SUCCESS: ${CHART_ALERTS.length} rules found`);
    expect(r.status).toBe(0);
  });

  it('test rules: the failure-ratio alert fires for a failing job after its `for`, and not for a healthy one', () => {
    const tests = {
      rule_files: [rulesFile],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            { series: 'iotjobs_job_failure_ratio{job="iot-jobs-controller",instance="c:9464",job_id="fw-bad"}', values: '0.5x30' },
            { series: 'iotjobs_job_executions{job="iot-jobs-controller",instance="c:9464",job_id="fw-bad",status="SUCCEEDED"}', values: '6x30' },
            { series: 'iotjobs_job_executions{job="iot-jobs-controller",instance="c:9464",job_id="fw-bad",status="FAILED"}', values: '6x30' },
            { series: 'iotjobs_job_failure_ratio{job="iot-jobs-controller",instance="c:9464",job_id="fw-ok"}', values: '0.05x30' },
            { series: 'iotjobs_job_executions{job="iot-jobs-controller",instance="c:9464",job_id="fw-ok",status="SUCCEEDED"}', values: '95x30' },
            { series: 'iotjobs_job_failure_ratio{job="iot-jobs-controller",instance="c:9464",job_id="fw-young"}', values: '1x30' },
            { series: 'iotjobs_job_executions{job="iot-jobs-controller",instance="c:9464",job_id="fw-young",status="FAILED"}', values: '2x30' },
            { series: 'up{job="iot-jobs-controller",instance="c:9464"}', values: '1x5 0x25' },
            { series: 'iotjobs_source_problems{job="iot-jobs-controller",instance="c:9464"}', values: '0x5 1x25' },
            { series: 'iotjobs_wave_phase{job="iot-jobs-controller",instance="c:9464",job_id="fw",wave="canary",phase="Held"}', values: '0x5 1x25' },
            { series: 'iotjobs_wave_phase{job="iot-jobs-controller",instance="c:9464",job_id="fw",wave="canary",phase="Running"}', values: '1x5 0x25' },
            { series: 'iotjobs_deletions_held{job="iot-jobs-controller",instance="c:9464"}', values: '0x5 3x25' },
            { series: 'iotjobs_jobs_gone{job="iot-jobs-controller",instance="c:9464"}', values: '0x30' },
            { series: 'iotjobs_job_healthy{job="iot-jobs-controller",instance="c:9464",job_id="fw-aborted",reason="Healthy"}', values: '1x5 _x25' },
            { series: 'iotjobs_job_healthy{job="iot-jobs-controller",instance="c:9464",job_id="fw-aborted",reason="Aborted"}', values: '_x5 0x25' },
            { series: 'iotjobs_job_healthy{job="iot-jobs-controller",instance="c:9464",job_id="fw-bad",reason="Degraded"}', values: '0x30' },
            { series: 'iotjobs_template_ready{job="iot-jobs-controller",instance="c:9464",template_id="ota-base",reason="ChangeRefused"}', values: '0x30' },
            { series: 'iotjobs_template_ready{job="iot-jobs-controller",instance="c:9464",template_id="fine",reason="Synced"}', values: '1x30' },
          ],
          alert_rule_test: [
            { eval_time: '5m', alertname: 'IoTJobFailureRatioHigh', exp_alerts: [] },
            {
              eval_time: '15m',
              alertname: 'IoTJobFailureRatioHigh',
              exp_alerts: [
                {
                  exp_labels: { severity: 'warning', job_id: 'fw-bad' },
                  exp_annotations: {
                    summary: 'IoT job fw-bad is failing on 50% of its devices',
                    description:
                      'More than 10% of the finished executions of job fw-bad failed, were rejected or timed out. Consider state: Canceled, or an abortConfig.',
                  },
                },
              ],
            },
            { eval_time: '8m', alertname: 'IoTJobsControllerDown', exp_alerts: [] },
            {
              eval_time: '15m',
              alertname: 'IoTJobsControllerDown',
              exp_alerts: [
                {
                  exp_labels: { severity: 'warning' },
                  exp_annotations: {
                    summary: 'iot-jobs-controller is down',
                    description: 'No target of job iot-jobs-controller has been up for 5m: IoTJobs are not being reconciled.',
                  },
                },
              ],
            },
            { eval_time: '12m', alertname: 'IoTJobsDeletionsHeld', exp_alerts: [] },
            {
              eval_time: '20m',
              alertname: 'IoTJobsDeletionsHeld',
              exp_alerts: [
                {
                  exp_labels: { severity: 'warning', job: 'iot-jobs-controller', instance: 'c:9464' },
                  exp_annotations: {
                    summary: "iot-jobs-controller's deletion guard is holding IoTJob deletions",
                    description:
                      '3 IoTJobs deleted together are held (finalizer kept, nothing done in AWS). Approve each with the annotation iot.gitops.dev/approve-deletion=true if the removal is intended; otherwise remove the finalizers so their jobs keep running.',
                  },
                },
              ],
            },
            { eval_time: '25m', alertname: 'IoTJobGone', exp_alerts: [] },
            { eval_time: '5m', alertname: 'IoTJobTemplateNotReady', exp_alerts: [] },
            {
              eval_time: '15m',
              alertname: 'IoTJobTemplateNotReady',
              exp_alerts: [
                {
                  exp_labels: { severity: 'warning', template_id: 'ota-base', reason: 'ChangeRefused' },
                  exp_annotations: {
                    summary: 'Job template ota-base is not as declared (ChangeRefused)',
                    description:
                      "The job template ota-base could not be made to match its manifest (ChangeRefused): a change AWS cannot make (ChangeRefused: set replacePolicy: Recreate or revert), a template of that id the controller does not own (NotOwned), or AWS refused it (Invalid). Jobs made from it keep running; new ones get what AWS holds. The log, the status page and the IoTJobTemplate's status say why.",
                  },
                },
              ],
            },
            { eval_time: '4m', alertname: 'IoTJobAborted', exp_alerts: [] },
            {
              eval_time: '7m',
              alertname: 'IoTJobAborted',
              exp_alerts: [
                {
                  exp_labels: { severity: 'warning', job_id: 'fw-aborted', reason: 'Aborted' },
                  exp_annotations: {
                    summary: 'Job fw-aborted was canceled in AWS (Aborted)',
                    description:
                      "AWS canceled job fw-aborted though its IoTJob keeps it active: its abort criteria were met (Aborted), or someone canceled it outside the controller (CanceledInAWS). The IoTJob's Healthy condition has AWS's reason code and comment.",
                  },
                },
              ],
            },
            { eval_time: '12m', alertname: 'IoTJobRolloutHeld', exp_alerts: [] },
            {
              eval_time: '20m',
              alertname: 'IoTJobRolloutHeld',
              exp_alerts: [
                {
                  exp_labels: { severity: 'warning', job_id: 'fw', wave: 'canary' },
                  exp_annotations: {
                    summary: 'The staged rollout of job fw is held at wave canary',
                    description:
                      "Wave canary of job fw failed its gate; no later wave starts. The IoTJob's status (or the status page) says why in words. Fix the release, change the gate, or set onGateFailure: Cancel.",
                  },
                },
              ],
            },
            {
              eval_time: '20m',
              alertname: 'IoTJobsSourceFailing',
              exp_alerts: [
                {
                  exp_labels: { severity: 'warning', job: 'iot-jobs-controller', instance: 'c:9464' },
                  exp_annotations: {
                    summary: "iot-jobs-controller's source is failing (a bad commit?)",
                    description: 'The manifests have been refused for 10m; the last good revision stays in force. The log names the file, line and field.',
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    const file = join(dir, 'alerts.test.yml');
    writeFileSync(file, stringify(tests));
    const r = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });
});
