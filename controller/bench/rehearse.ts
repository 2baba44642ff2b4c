/**
 * `npm run bench:rehearse`: the `rehearse` command as a user runs it (a child process of the built
 * CLI) on 100,000 devices in three waves (canary 1,000 inside ten-percent 10,000 inside the fleet)
 * with an exponential rollout, abort criteria and gated, baked waves. It prints, for one rehearsal
 * and for a sweep of five failure rates (which also runs the base rehearsal): the real time, the
 * peak RSS (VmHWM of the process), and the virtual time the rollout took.
 * Targets (issue 12): one rehearsal ≤ 20 s and ≤ 1 GB RSS on 2 cores; the sweep ≤ 60 s.
 * Flags: --devices 100000  --rates 0,0.02,0.05,0.2,0.5
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fmt } from './common.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'main.js');
const { values } = parseArgs({ options: { devices: { type: 'string', default: '100000' }, rates: { type: 'string', default: '0,0.02,0.05,0.2,0.5' } } });
const devices = Number(values.devices);

const MANIFEST = `apiVersion: iot.gitops.dev/v1alpha1
kind: IoTJob
metadata:
  name: firmware-3-0-0
spec:
  document: {operation: firmware-update, version: 3.0.0}
  jobExecutionsRolloutConfig:
    maximumPerMinute: 1000
    exponentialRate: {baseRatePerMinute: 50, incrementFactor: 2, rateIncreaseCriteria: {numberOfNotifiedThings: 500}}
  abortConfig:
    criteriaList: [{failureType: FAILED, action: CANCEL, thresholdPercentage: 30, minNumberOfExecutedThings: 200}]
  onGateFailure: Hold
  waves:
    - name: canary
      targets: [thingGroup:canary]
      gate: {minSucceededRatio: 0.95, minFinished: ${Math.floor(devices / 100) - 50}, bakeMinutes: 60}
    - name: ten-percent
      targets: [thingGroup:ten-percent]
      gate: {maxFailedRatio: 0.05, minFinished: ${Math.floor((devices * 8) / 100)}, bakeMinutes: 120}
    - name: fleet
      targets: [thingGroup:fleet]
`;

const FLEET = `seed: 7
defaults:
  failureRate: 0.01
  rejectRate: 0.005
  workSeconds: {median: 300, p95: 1800}
  acceptSeconds: {median: 5, p95: 120}
groups:
  - {name: canary, size: ${devices / 100}}
  - {name: ten-percent, size: ${devices / 10}, includes: [canary]}
  - {name: fleet, size: ${devices}, includes: [ten-percent], silentRate: 0.001}
`;

/** What one run of the command took. */
interface Run {
  code: number | null;
  wallMs: number;
  peakRssMb: number;
  stdout: string;
}

/** Runs the CLI with `args`, sampling the child's peak RSS (VmHWM) until it exits. */
function runCli(args: string[]): Promise<Run> {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, 'rehearse', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  let peakKb = 0;
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const probe = setInterval(() => {
    try {
      const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
    } catch {
      // The process has exited between two probes.
    }
  }, 50);
  return new Promise((resolve) =>
    // 'close', not 'exit': stdout may still hold unread output when the process exits.
    child.on('close', (code) => {
      clearInterval(probe);
      resolve({ code, wallMs: performance.now() - started, peakRssMb: peakKb / 1024, stdout });
    }),
  );
}

/** The virtual hours each rehearsal in the JSON took, and each job's outcome. */
function summary(stdout: string): string[] {
  const { results } = JSON.parse(stdout) as { results: { failureRate?: number; durationMs: number; jobs: { outcome: string; exposed: number }[] }[] };
  return results.map(
    (r) =>
      `failure rate ${r.failureRate === undefined ? 'model' : r.failureRate}: ${(r.durationMs / 3_600_000).toFixed(1)} h of rollout, ` +
      r.jobs.map((j) => `${j.outcome}, ${fmt(j.exposed)} devices exposed`).join('; '),
  );
}

const dir = mkdtempSync(join(tmpdir(), 'bench-rehearse-'));
try {
  writeFileSync(join(dir, 'firmware.yaml'), MANIFEST);
  const fleet = join(dir, '..', `${dir.split('/').pop()}-fleet.yaml`);
  writeFileSync(fleet, FLEET);
  console.log(`rehearse: ${fmt(devices)} devices, three waves, exponential rollout (node ${process.version})`);
  const one = await runCli(['--dir', dir, '--fleet', fleet, '--json']);
  if (one.code !== 0) throw new Error(`rehearse exited ${one.code}`);
  for (const line of summary(one.stdout)) console.log(`  ${line}`);
  console.log(`  one rehearsal: ${(one.wallMs / 1000).toFixed(1)} s (target ≤ 20 s), peak RSS ${fmt(one.peakRssMb)} MB (target ≤ 1,024 MB)`);
  const sweep = await runCli(['--dir', dir, '--fleet', fleet, '--json', '--failure-rates', values.rates]);
  if (sweep.code !== 0) throw new Error(`rehearse --failure-rates exited ${sweep.code}`);
  for (const line of summary(sweep.stdout)) console.log(`  ${line}`);
  const n = values.rates.split(',').length;
  console.log(
    `  sweep of ${n} failure rates (plus the base rehearsal): ${(sweep.wallMs / 1000).toFixed(1)} s (target ≤ 60 s), peak RSS ${fmt(sweep.peakRssMb)} MB`,
  );
  rmSync(fleet, { force: true });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
