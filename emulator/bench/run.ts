/**
 * `npm run bench:emulator`: the emulator's benchmark. The server runs in its own process (the CLI
 * from dist/) and this process is the one client, so each figure is what one SDK client sees.
 *
 *   1. CreateJob and DescribeJob requests per second over HTTP (target: ≥ 3,000 DescribeJob/s),
 *      with the stub server's DescribeJob rate as the same-run baseline.
 *   2. RSS of the emulator holding 10,000 jobs × 10 executions (target: ≤ 300 MB).
 *   3. A 10,000-thing fleet rollout at the default rate (1,000 a minute), on a scaled clock.
 *
 * Flags: --jobs N (10000), --fleet N (10000), --seconds N (5, per rate measurement),
 * --concurrency N (64), --time-scale N (60, for the fleet rollout).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AddThingToThingGroupCommand, CreateJobCommand, CreateThingCommand, CreateThingGroupCommand, DescribeJobCommand, IoTClient } from '@aws-sdk/client-iot';

const HERE = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '10000' },
    fleet: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '64' },
    'time-scale': { type: 'string', default: '60' },
  },
});
const JOBS = Number(values.jobs);
const FLEET = Number(values.fleet);
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const TIME_SCALE = Number(values['time-scale']);

interface Server {
  child: ChildProcess;
  url: string;
}

function start(script: string, args: string[]): Promise<Server> {
  const child = spawn(process.execPath, [join(HERE, script), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: process.env,
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
  });
}

async function stop(s: Server): Promise<void> {
  s.child.removeAllListeners('exit');
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await exited;
}

function client(url: string): IoTClient {
  return new IoTClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' },
    maxAttempts: 1,
    requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: CONCURRENCY }) },
  });
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** Runs `op` from CONCURRENCY workers, `count` times in all or for `seconds`; returns rate and latencies. */
async function load(
  op: (i: number) => Promise<unknown>,
  limit: { count?: number; seconds?: number },
): Promise<{ n: number; rps: number; p50: number; p99: number; errors: number }> {
  const lat: number[] = [];
  let next = 0;
  let errors = 0;
  const t0 = performance.now();
  const deadline = limit.seconds ? t0 + limit.seconds * 1000 : Infinity;
  const worker = async (): Promise<void> => {
    for (let i = next++; (limit.count === undefined || i < limit.count) && performance.now() < deadline; i = next++) {
      const s = performance.now();
      try {
        await op(i);
      } catch {
        errors++;
      }
      lat.push(performance.now() - s);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { n: lat.length, rps: lat.length / secs, p50: pct(lat, 50), p99: pct(lat, 99), errors };
}

/** One GET over a keep-alive agent with a plain node:http client, resolving when the body has been read. */
function rawGet(agent: Agent, url: string, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { agent, headers: { authorization: SIGNED_IOT } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

const SIGNED_IOT = 'AWS4-HMAC-SHA256 Credential=AKIDBENCH/20260601/us-east-1/iot/aws4_request, SignedHeaders=host, Signature=00';

const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

async function requestRates(): Promise<void> {
  const emu = await start('../cli.js', ['--port', '0']);
  const stub = await start('stub-server.js', []);
  const iot = client(emu.url);
  const base = client(stub.url);
  try {
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'g' }));
    for (let i = 0; i < 10; i++) {
      await iot.send(new CreateThingCommand({ thingName: `t${i}` }));
      await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'g', thingName: `t${i}` }));
    }
    const targets = ['arn:aws:iot:us-east-1:123456789012:thinggroup/g'];
    const create = await load((i) => iot.send(new CreateJobCommand({ jobId: `job-${i}`, targets, document: '{"op":"bench"}' })), { count: JOBS });
    const describe = await load((i) => iot.send(new DescribeJobCommand({ jobId: `job-${i % JOBS}` })), { seconds: SECONDS });
    const stubDescribe = await load(() => base.send(new DescribeJobCommand({ jobId: 'stub' })), { seconds: SECONDS });
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const raw = await load((i) => rawGet(agent, emu.url, `/jobs/job-${i % JOBS}`), { seconds: SECONDS });
    const rawStub = await load(() => rawGet(agent, stub.url, '/jobs/stub'), { seconds: SECONDS });
    agent.destroy();
    const rss = rssMb(emu.child.pid!);
    console.log(`\n== Request rates: one SDK client process, ${CONCURRENCY} in flight, server in its own process`);
    console.log(
      `CreateJob   ${fmt(create.rps)} req/s  p50 ${fmt(create.p50, 2)} ms  p99 ${fmt(create.p99, 2)} ms  (${fmt(create.n)} jobs, ${create.errors} errors; each job has 10 executions)`,
    );
    console.log(
      `DescribeJob ${fmt(describe.rps)} req/s  p50 ${fmt(describe.p50, 2)} ms  p99 ${fmt(describe.p99, 2)} ms  (${fmt(describe.n)} calls, ${describe.errors} errors)  target >= 3,000/s: ${describe.rps >= 3000 ? 'met' : 'NOT met'}`,
    );
    console.log(`baseline    ${fmt(stubDescribe.rps)} req/s  DescribeJob against a fixed-response node:http server, same client, same run`);
    console.log(
      `ratio       emulator DescribeJob / baseline = ${fmt(describe.rps / stubDescribe.rps, 2)} (near 1: the SDK client, not the emulator, sets the pace)`,
    );
    console.log(`\n== The same DescribeJob calls from a plain node:http keep-alive client (no SDK), same run`);
    console.log(
      `emulator    ${fmt(raw.rps)} req/s  p50 ${fmt(raw.p50, 2)} ms  p99 ${fmt(raw.p99, 2)} ms  (${raw.errors} errors)  target >= 3,000/s: ${raw.rps >= 3000 ? 'met' : 'NOT met'}`,
    );
    console.log(`baseline    ${fmt(rawStub.rps)} req/s  fixed-response node:http server`);
    console.log(`ratio       emulator / baseline = ${fmt(raw.rps / rawStub.rps, 2)}`);
    console.log(`\n== Memory: ${fmt(JOBS)} jobs x 10 executions`);
    console.log(`RSS ${fmt(rss, 1)} MB  target <= 300 MB: ${rss <= 300 ? 'met' : 'NOT met'}`);
  } finally {
    iot.destroy();
    base.destroy();
    await stop(emu);
    await stop(stub);
  }
}

async function fleetRollout(): Promise<void> {
  const t0 = performance.now();
  const emu = await start('../cli.js', [
    '--port',
    '0',
    '--fleet',
    String(FLEET),
    '--time-scale',
    String(TIME_SCALE),
    '--fleet-work-seconds',
    '30',
    '--fleet-poll-seconds',
    '60',
    '--fleet-failure-rate',
    '0.02',
    '--fleet-reject-rate',
    '0.01',
  ]);
  const provisionS = (performance.now() - t0) / 1000;
  const iot = client(emu.url);
  try {
    await fetch(`${emu.url}/_emulator/calls`, { method: 'DELETE' });
    const t1 = performance.now();
    await iot.send(
      new CreateJobCommand({ jobId: 'fleet-rollout', targets: ['arn:aws:iot:us-east-1:123456789012:thinggroup/fleet'], document: '{"op":"ota"}' }),
    );
    let job;
    for (;;) {
      job = (await iot.send(new DescribeJobCommand({ jobId: 'fleet-rollout' }))).job!;
      if (job.status === 'COMPLETED') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const wallS = (performance.now() - t1) / 1000;
    const d = job.jobProcessDetails!;
    const summary = (await (await fetch(`${emu.url}/_emulator/calls/summary`)).json()) as { summary: Record<string, Record<string, number>> };
    const calls = Object.entries(summary.summary)
      .map(([op, o]) => `${op} ${fmt(Object.values(o).reduce((a, b) => a + b, 0))}`)
      .join(', ');
    const rss = rssMb(emu.child.pid!);
    console.log(`\n== Fleet rollout: ${fmt(FLEET)} things, default rate (1,000 a minute), 30 s of work each, time scale ${TIME_SCALE}`);
    console.log(`provisioning (things + group over HTTP): ${fmt(provisionS, 1)} s`);
    console.log(
      `rollout to COMPLETED: ${fmt(wallS, 1)} s wall = ${fmt((wallS * TIME_SCALE) / 60, 1)} simulated minutes (floor: ${fmt(Math.ceil(FLEET / 1000) - 1)} minutes of rollout + 30 s of work)`,
    );
    console.log(`outcomes: ${fmt(d.numberOfSucceededThings!)} succeeded, ${fmt(d.numberOfFailedThings!)} failed, ${fmt(d.numberOfRejectedThings!)} rejected`);
    console.log(`data-plane and control-plane calls during the rollout: ${calls}`);
    console.log(`throughput: ${fmt(FLEET / wallS)} executions finished per wall second; emulator RSS ${fmt(rss, 1)} MB`);
  } finally {
    iot.destroy();
    await stop(emu);
  }
}

await requestRates();
await fleetRollout();
