/**
 * `npm run bench:kubernetes`: Kubernetes mode on the tests' real kube-apiserver and etcd, with the
 * emulator and the controller each in their own process. It prints:
 *   - the time from an IoTJob's create request to its CreateJob, p50 and p99, one IoTJob at a
 *     time (target: p50 ≤ 100 ms);
 *   - N IoTJobs created at once: the time until every job exists and until every IoTJob reports
 *     Ready (throttled, target: both within 1.1 × N / TPS, the budgets pipeline), the mutating AWS
 *     calls (target: exactly N CreateJob), and the API requests the controller made per IoTJob
 *     (finalizer and status patches, events);
 *   - the controller's RSS.
 * Nine in ten IoTJobs target an empty thing group (their jobs complete at once); one in ten a
 * group whose only device never answers (those jobs stay IN_PROGRESS).
 * Flags: --size 1000  --probes 50  --modes off,10  --workers 16  --node-options "--max-old-space-size=128"
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fmt, pct, progress, sleep, startNode, stopProc as stop, until, type Proc } from '../../controller/bench/common.js';
import { pipelineTarget } from '../../controller/bench/read-back.js';
import type { KubeRest } from '../../controller/kube/rest.js';
import { applyCrd, createNamespace, kubeRest, startKubeCluster, type KubeCluster } from '../helpers/kube-cluster.js';

const ROOT = join(import.meta.dirname, '..', '..');
const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '1000' },
    probes: { type: 'string', default: '50' },
    modes: { type: 'string', default: 'off,10' },
    workers: { type: 'string', default: '16' },
    'node-options': { type: 'string', default: '--max-old-space-size=128' },
  },
});
/** NODE_OPTIONS for the controller process (the chart's default heap cap). */
const NODE_OPTIONS = values['node-options']!;
const SIZE = Number(values.size);
const PROBES = Number(values.probes);
const MODES = values.modes!.split(',');
/** The controller's --workers. */
const WORKERS = values.workers!;
const ENV = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'AKIDBENCH',
  AWS_SECRET_ACCESS_KEY: 'x',
  KUBECONFIG: '',
};
const MUTATING = ['CreateJob', 'UpdateJob', 'CancelJob', 'DeleteJob', 'TagResource'];

function start(script: string, args: string[], nodeOptions = ''): Proc {
  return startNode(join(ROOT, 'dist', script), args, { ...ENV, NODE_OPTIONS: nodeOptions });
}

type Calls = { calls: { operation: string; path: string; at: number; outcome: string }[] };
type Summary = Record<string, Record<string, number>>;
const json = async <T>(url: string): Promise<T> => (await (await fetch(url)).json()) as T;

function iotJob(ns: string, name: string, group: string): Record<string, unknown> {
  return {
    apiVersion: 'iot.gitops.dev/v1alpha1',
    kind: 'IoTJob',
    metadata: { name, namespace: ns },
    spec: { targets: [`thingGroup:${group}`], document: { operation: 'bench', name } },
  };
}

/** The API server's request counter for the controller's writes, from its /metrics. */
async function apiWrites(rest: KubeRest): Promise<Record<string, number>> {
  const text = await rest.request<string>('GET', '/metrics', { accept: 'text/plain' });
  const out: Record<string, number> = {};
  for (const line of String(text).split('\n')) {
    const m = /^apiserver_request_total\{(.*)\} (\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (!['iotjobs', 'events'].includes(labels.resource!) || !['PATCH', 'POST', 'PUT'].includes(labels.verb!)) continue;
    const key = `${labels.verb} ${labels.resource}${labels.subresource ? `/${labels.subresource}` : ''}`;
    out[key] = (out[key] ?? 0) + Number(m[2]);
  }
  return out;
}

async function scenario(cluster: KubeCluster, rest: KubeRest, mode: string): Promise<void> {
  const throttled = mode !== 'off';
  const ns = `bench-${mode}`;
  await createNamespace(rest, ns);
  const emu = start('emulator/cli.js', ['--port', '0', ...(throttled ? ['--throttle-tps', mode] : [])]);
  const emuUrl = await until('the emulator', () => /listening on (\S+)/.exec(emu.lines.join('\n'))?.[1], 20_000, 50);
  let ctl: Proc | undefined;
  try {
    for (const p of ['/thing-groups/idle', '/thing-groups/active', '/things/silent-1']) await fetch(`${emuUrl}${p}`, { method: 'POST', body: '{}' });
    await fetch(`${emuUrl}/thing-groups/addThingToThingGroup`, { method: 'PUT', body: JSON.stringify({ thingGroupName: 'active', thingName: 'silent-1' }) });
    ctl = start(
      'controller/main.js',
      [
        'run',
        '--kubernetes',
        '--namespace',
        ns,
        '--kubeconfig',
        cluster.kubeconfig,
        '--endpoint',
        emuUrl,
        '--account',
        '123456789012',
        '--metrics-addr',
        '127.0.0.1:0',
        '--workers',
        WORKERS,
        '--aws-tps',
        throttled ? mode : '10000',
        '--resync-seconds',
        '60',
      ],
      NODE_OPTIONS,
    );
    const c = ctl;
    const metricsUrl = await until('the controller', () => c.lines.map((l) => /"url":"([^"]+)","msg":"serving/.exec(l)?.[1]).find(Boolean), 30_000, 50);
    await until('the controller to be ready', async () => ((await fetch(`${metricsUrl}/readyz`)).status === 200 ? true : undefined), 30_000, 100);
    progress(`throttling ${mode}: controller ready; ${PROBES} probes`);

    // Latency: one IoTJob at a time, from the create request to the CreateJob call.
    const lat: number[] = [];
    for (let i = 0; i < PROBES; i++) {
      const name = `probe-${i}`;
      const since = (await json<{ last: number }>(`${emuUrl}/_emulator/calls/summary`)).last;
      const sent = Date.now();
      await rest.request('POST', `/apis/iot.gitops.dev/v1alpha1/namespaces/${ns}/iotjobs`, { body: iotJob(ns, name, 'idle') });
      const at = await until(
        `the CreateJob of ${name}`,
        async () =>
          (await json<Calls>(`${emuUrl}/_emulator/calls?since=${since}`)).calls.find(
            (e) => e.operation === 'CreateJob' && e.path === `/jobs/${name}` && e.outcome === 'ok',
          )?.at,
        30_000,
        5,
      );
      lat.push(at - sent);
      await sleep(throttled ? 300 : 150);
    }

    // Convergence: SIZE IoTJobs created at once (8 requests in flight).
    const before = await apiWrites(rest);
    const created0 = (await json<{ summary: Summary }>(`${emuUrl}/_emulator/calls/summary`)).summary.CreateJob?.ok ?? 0;
    progress(`creating ${fmt(SIZE)} IoTJobs`);
    const t0 = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = next++; i < SIZE; i = next++)
          await rest.request('POST', `/apis/iot.gitops.dev/v1alpha1/namespaces/${ns}/iotjobs`, {
            body: iotJob(ns, `job-${i}`, i % 10 === 0 ? 'active' : 'idle'),
          });
      }),
    );
    const posted = (Date.now() - t0) / 1000;
    await until(
      'every CreateJob',
      async () => (((await json<{ summary: Summary }>(`${emuUrl}/_emulator/calls/summary`)).summary.CreateJob?.ok ?? 0) - created0 >= SIZE ? true : undefined),
      3_600_000,
      250,
    );
    const jobsAt = (Date.now() - t0) / 1000;
    progress(`every job created after ${fmt(jobsAt, 1)} s; waiting for every IoTJob to report Ready`);
    const readyCount = async (): Promise<number> => {
      const list = await rest.request<{ items: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }[] }>(
        'GET',
        `/apis/iot.gitops.dev/v1alpha1/namespaces/${ns}/iotjobs`,
      );
      return list.items.filter((o) => o.metadata.name.startsWith('job-') && o.status?.conditions?.some((k) => k.type === 'Ready' && k.status === 'True'))
        .length;
    };
    await until('every IoTJob Ready', async () => ((await readyCount()) >= SIZE ? true : undefined), 3_600_000, 1_000);
    const readyAt = (Date.now() - t0) / 1000;
    const after = await apiWrites(rest);
    const summary = (await json<{ summary: Summary }>(`${emuUrl}/_emulator/calls/summary`)).summary;
    const mutating: Record<string, number> = {};
    for (const op of MUTATING) {
      const n = (summary[op]?.ok ?? 0) - (op === 'CreateJob' ? created0 : 0);
      if (n > 0) mutating[op] = n;
    }
    // The bench's own POSTs of IoTJobs are left out; the rest are the controller's.
    const writes: Record<string, number> = {};
    for (const [k, v] of Object.entries(after)) if (k !== 'POST iotjobs' && v - (before[k] ?? 0) > 0) writes[k] = v - (before[k] ?? 0);
    const metrics = await (await fetch(`${metricsUrl}/metrics`)).text();
    const rss = Number(/^process_resident_memory_bytes (\S+)$/m.exec(metrics)?.[1]) / 1024 / 1024;
    const errors = Number(/^iotjobs_reconcile_total\{result="error"\} (\S+)$/m.exec(metrics)?.[1]);
    const heap = Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(metrics)?.[1]) / 1024 / 1024;
    console.log(`\n== Kubernetes mode, throttling ${throttled ? `${mode} TPS (controller limited to ${mode} TPS per operation)` : 'off'}`);
    console.log(
      `IoTJob create -> CreateJob over ${PROBES} IoTJobs: p50 ${fmt(pct(lat, 50))} ms, p99 ${fmt(pct(lat, 99))} ms, max ${fmt(Math.max(...lat))} ms  target p50 <= 100 ms: ${pct(lat, 50) <= 100 ? 'met' : 'NOT met'}`,
    );
    console.log(`  each probe, in order (ms): ${lat.join(' ')}`);
    const target = throttled ? pipelineTarget(SIZE, Number(mode)) : undefined;
    console.log(
      `${fmt(SIZE)} IoTJobs created in ${fmt(posted, 1)} s: every job in AWS after ${fmt(jobsAt, 1)} s, every IoTJob Ready after ${fmt(readyAt, 1)} s${target ? `  target both <= ${fmt(target, 1)} s (1.1 x N / TPS): ${jobsAt <= target && readyAt <= target ? 'met' : 'NOT met'}` : ''}`,
    );
    console.log(
      `  mutating AWS calls ${JSON.stringify(mutating)} (CreateJob counted from the first of the ${fmt(SIZE)})  target exactly ${fmt(SIZE)} CreateJob: ${mutating.CreateJob === SIZE && Object.keys(mutating).length === 1 ? 'met' : 'NOT met'}`,
    );
    console.log(
      `  API writes by the controller until then: ${Object.entries(writes)
        .map(([k, v]) => `${k} ${fmt(v)} (${fmt(v / SIZE, 2)} per IoTJob)`)
        .join(', ')}`,
    );
    console.log(`controller RSS ${fmt(rss, 1)} MB, V8 heap in use ${fmt(heap, 1)} MB (NODE_OPTIONS: ${NODE_OPTIONS || 'none'}); reconcile errors ${errors}`);
  } finally {
    if (process.env.BENCH_LOG) (await import('node:fs')).writeFileSync(process.env.BENCH_LOG, ctl?.lines.join('\n') ?? '');
    if (ctl) await stop(ctl);
    await stop(emu);
  }
}

const cluster = await startKubeCluster();
const rest = kubeRest(cluster);
try {
  await applyCrd(rest);
  for (const mode of MODES) await scenario(cluster, rest, mode);
} finally {
  rest.close();
  await cluster.stop();
}
