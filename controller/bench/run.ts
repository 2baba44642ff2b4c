/**
 * `npm run bench:controller`: the controller against the emulator, each in its own process, for N
 * manifests with throttling off and at AWS's 10 TPS. For each scenario it prints:
 *   - mutating calls for the first convergence (target: exactly one CreateJob per job);
 *   - the time until every job was created and until every job was read back (a DescribeJob
 *     after its CreateJob); throttled, the target is 1.1 × N / TPS for both (the budgets pipeline);
 *   - calls in one resync with nothing changed (target: ≤ ceil(N/250) ListJobs, DescribeJob only
 *     for non-terminal jobs, no mutating call);
 *   - time from a file write to its CreateJob, p50 and p99 (target: p50 ≤ 300 ms);
 *   - the controller's RSS (target: ≤ 200 MB at 10,000 jobs).
 * Nine in ten manifests target an empty thing group (their jobs complete at once); one in ten
 * targets a group with a device that never answers (those jobs stay IN_PROGRESS).
 * Flags: --sizes 1000,10000  --modes off,10  --probes 30  --node-options "--max-old-space-size=160"
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fmt, pct, progress, sleep, startNode, stopProc as stop, until, type Proc } from './common.js';
import { pipelineTarget, ReadBackTracker } from './read-back.js';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000' },
    modes: { type: 'string', default: 'off,10' },
    probes: { type: 'string', default: '30' },
    'node-options': { type: 'string', default: '' },
  },
});
/** NODE_OPTIONS for the controller process, e.g. --max-old-space-size=160 (empty: V8's defaults). */
const NODE_OPTIONS = values['node-options']!;
const SIZES = values.sizes!.split(',').map(Number);
const MODES = values.modes!.split(',');
const PROBES = Number(values.probes);
const ENV = { ...process.env, AWS_ACCESS_KEY_ID: 'AKIDBENCH', AWS_SECRET_ACCESS_KEY: 'x' };
const MUTATING = ['CreateJob', 'UpdateJob', 'CancelJob', 'DeleteJob', 'TagResource', 'CancelJobExecution', 'DeleteJobExecution'];

function start(script: string, args: string[], nodeOptions = ''): Proc {
  return startNode(join(DIST, script), args, { ...ENV, NODE_OPTIONS: nodeOptions });
}

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const r = await fetch(url, init);
  return (await r.json()) as T;
}

type Summary = Record<string, Record<string, number>>;
const total = (s: Summary, op: string): number => Object.values(s[op] ?? {}).reduce((a, b) => a + b, 0);
const ok = (s: Summary, op: string): number => s[op]?.ok ?? 0;

function manifest(name: string, group: string): string {
  return `apiVersion: iot.gitops.dev/v1alpha1\nkind: IoTJob\nmetadata:\n  name: ${name}\nspec:\n  targets: [thingGroup:${group}]\n  document: {operation: bench, name: ${name}}\n`;
}

function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

async function scenario(n: number, mode: string): Promise<void> {
  const throttled = mode !== 'off';
  const active = Math.ceil(n / 10);
  const resyncSeconds = throttled ? Math.max(20, Math.ceil(active / 10) + 30) : Math.max(5, Math.ceil(n / 1000) * 2);
  const emu = start('emulator/cli.js', ['--port', '0', ...(throttled ? ['--throttle-tps', mode] : [])]);
  const emuUrl = await until('the emulator', () => /listening on (\S+)/.exec(emu.lines.join('\n'))?.[1], 20_000, 50);
  const dir = mkdtempSync(join(tmpdir(), 'iotjobs-bench-'));
  let ctl: Proc | undefined;
  try {
    for (const [m, p] of [
      ['POST', '/thing-groups/idle'],
      ['POST', '/thing-groups/active'],
      ['POST', '/things/silent-1'],
    ] as const)
      await fetch(`${emuUrl}${p}`, { method: m, body: '{}' });
    await fetch(`${emuUrl}/thing-groups/addThingToThingGroup`, { method: 'PUT', body: JSON.stringify({ thingGroupName: 'active', thingName: 'silent-1' }) });
    await fetch(`${emuUrl}/_emulator/calls`, { method: 'DELETE' });
    for (let i = 0; i < n; i++) writeFileSync(join(dir, `job-${i}.yaml`), manifest(`job-${i}`, i % 10 === 0 ? 'active' : 'idle'));
    const t0 = Date.now();
    ctl = start(
      'controller/main.js',
      [
        'run',
        '--dir',
        dir,
        '--endpoint',
        emuUrl,
        '--metrics-addr',
        '127.0.0.1:0',
        '--resync-seconds',
        String(resyncSeconds),
        '--workers',
        '16',
        '--aws-tps',
        throttled ? mode : '10000',
        '--account',
        '123456789012',
      ],
      NODE_OPTIONS,
    );
    const c = ctl;
    const metricsUrl = await until('the controller', () => c.lines.map((l) => /"url":"([^"]+)","msg":"serving/.exec(l)?.[1]).find(Boolean), 30_000, 50);
    const summary = (): Promise<{ summary: Summary; last: number }> => json(`${emuUrl}/_emulator/calls/summary`);
    progress(`${fmt(n)} manifests, throttling ${mode}: controller started`);
    const jobs = new ReadBackTracker(
      emuUrl,
      Array.from({ length: n }, (_, i) => `job-${i}`),
      0,
    );
    const convergeS = ((await jobs.until('first convergence', () => jobs.allCreatedAt(), 3_600_000)) - t0) / 1000;
    const readBackS = ((await jobs.until('every job read back', () => jobs.allReadBackAt(), 3_600_000)) - t0) / 1000;
    const first = (await summary()).summary;
    const mutating = Object.fromEntries(MUTATING.map((op) => [op, total(first, op)]).filter(([, v]) => (v as number) > 0));
    // One resync with nothing changed: the calls between two "resync" log lines (each is written
    // after that pass's ListJobs, before its reconciles). The first passes read each finished job
    // once; the window measured is the first in which no finished job is read.
    progress(`converged in ${fmt(convergeS, 1)} s; waiting for the resyncs to settle`);
    const resyncTimes = (): number[] => c.lines.filter((l) => l.includes('"msg":"resync"')).map((l) => Date.parse(JSON.parse(l).time as string));
    const since0 = (await summary()).last;
    let window: Summary = {};
    let windows = 0;
    let settled = false;
    // At 10 TPS, first reads of 9,000 finished jobs take ~30 resyncs; after four windows the last one is reported as it is.
    for (let k = resyncTimes().length; windows < 4; windows++, k++) {
      const at = k;
      await until('two resyncs', () => (resyncTimes().length >= at + 2 ? true : undefined), resyncSeconds * 4_000, 200);
      const [from, to] = [resyncTimes()[at]!, resyncTimes()[at + 1]!];
      const calls = (await json<{ calls: { operation: string; outcome: string; at: number }[] }>(`${emuUrl}/_emulator/calls?since=${since0}`)).calls;
      window = {};
      for (const e of calls) if (e.at > from && e.at <= to) (window[e.operation] ??= {})[e.outcome] = (window[e.operation]?.[e.outcome] ?? 0) + 1;
      progress(`resync window ${windows + 1}: ${JSON.stringify(window)}`);
      if (ok(window, 'DescribeJob') <= active) {
        settled = true;
        break;
      }
    }
    // Latency: one manifest at a time, from the file write to the CreateJob call.
    const lat: number[] = [];
    const since = (await summary()).last;
    for (let i = 0; i < PROBES; i++) {
      const name = `probe-${i}`;
      const wrote = Date.now();
      writeAtomic(join(dir, `${name}.yaml`), manifest(name, 'idle'));
      const at = await until(
        `the CreateJob of ${name}`,
        async () => {
          const calls = (await json<{ calls: { operation: string; path: string; at: number; outcome: string }[] }>(`${emuUrl}/_emulator/calls?since=${since}`))
            .calls;
          return calls.find((e) => e.operation === 'CreateJob' && e.path === `/jobs/${name}` && e.outcome === 'ok')?.at;
        },
        60_000,
        20,
      );
      lat.push(at - wrote);
      await sleep(throttled ? 400 : 150);
    }
    const metrics = await (await fetch(`${metricsUrl}/metrics`)).text();
    const rss = Number(/^process_resident_memory_bytes (\S+)$/m.exec(metrics)?.[1]) / 1024 / 1024;
    const heap = Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(metrics)?.[1]) / 1024 / 1024;
    const errors = Number(/^iotjobs_reconcile_total\{result="error"\} (\S+)$/m.exec(metrics)?.[1]);
    const ops =
      Object.entries(window)
        .map(([op, o]) => `${op} ${fmt(Object.values(o).reduce((a, b) => a + b, 0))}`)
        .join(', ') || 'none';
    const windowMutating = MUTATING.reduce((a, op) => a + total(window, op), 0);
    console.log(
      `\n== ${fmt(n)} manifests, throttling ${throttled ? `${mode} TPS (controller limited to ${mode} TPS per operation)` : 'off'}; ${fmt(active)} jobs stay IN_PROGRESS`,
    );
    console.log(
      `first convergence: ${fmt(convergeS, 1)} s; mutating calls ${JSON.stringify(mutating)}  target exactly ${fmt(n)} CreateJob: ${mutating.CreateJob === n && Object.keys(mutating).length === 1 ? 'met' : 'NOT met'}`,
    );
    const target = throttled ? pipelineTarget(n, Number(mode)) : undefined;
    console.log(
      `every job created after ${fmt(convergeS, 1)} s, every job read back (a DescribeJob after its CreateJob) after ${fmt(readBackS, 1)} s${target ? `  target both <= ${fmt(target, 1)} s (1.1 x N / TPS): ${readBackS <= target && convergeS <= target ? 'met' : 'NOT met'}` : ''}`,
    );
    console.log(
      `one resync with nothing changed (window ${Math.min(windows + 1, 4)}${settled ? '' : ', not settled: first reads of finished jobs still under way'}): ${ops}`,
    );
    const retried = Object.values(window).reduce((a, o) => a + (o.ThrottlingException ?? 0), 0);
    console.log(
      `  target <= ${Math.ceil(n / 250)} ListJobs, <= ${fmt(active)} DescribeJob (non-terminal), no mutating call: ${ok(window, 'ListJobs') <= Math.ceil(n / 250) && ok(window, 'DescribeJob') <= active && windowMutating === 0 ? 'met' : 'NOT met'} (ThrottlingException answers retried: ${retried})`,
    );
    console.log(
      `file write -> CreateJob over ${PROBES} manifests: p50 ${fmt(pct(lat, 50))} ms, p99 ${fmt(pct(lat, 99))} ms  target p50 <= 300 ms: ${pct(lat, 50) <= 300 ? 'met' : 'NOT met'}`,
    );
    console.log(
      `controller RSS ${fmt(rss, 1)} MB, V8 heap in use ${fmt(heap, 1)} MB (NODE_OPTIONS: ${NODE_OPTIONS || 'none, V8 defaults'})${n >= 10_000 ? `  target <= 200 MB: ${rss <= 200 ? 'met' : 'NOT met'}` : ''}; reconcile errors ${errors}`,
    );
  } finally {
    if (ctl) await stop(ctl);
    await stop(emu);
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const n of SIZES) for (const mode of MODES) await scenario(n, mode);
