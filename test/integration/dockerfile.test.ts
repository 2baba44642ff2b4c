/**
 * The Dockerfile's runtime stage, carried out step by step in a temporary directory, since no
 * Docker engine runs here: its WORKDIR, COPY (from the build context, or from the build stage,
 * whose output is this checkout's dist/), ENV and RUN (the production-only install), then the
 * ENTRYPOINT with --help, and a short `run --local` as the image's non-root USER. What cannot be
 * checked this way (the base image's contents, the layer cache) is stated in the README.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/processes.js';

const ROOT = join(import.meta.dirname, '..', '..');

interface Instruction {
  op: string;
  args: string;
}

/** The instructions of each stage, by stage name (continuation lines joined, comments dropped). */
function stages(text: string): Map<string, Instruction[]> {
  const out = new Map<string, Instruction[]>();
  let current: Instruction[] = [];
  const lines = text.replace(/\\\n\s*/g, ' ').split('\n');
  for (const line of lines.map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) {
    const [op, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (op!.toUpperCase() === 'FROM') {
      current = [{ op: 'FROM', args }];
      out.set(/\sAS\s+(\S+)/i.exec(args)?.[1] ?? String(out.size), current);
    } else current.push({ op: op!.toUpperCase(), args });
  }
  return out;
}

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const runtime = stages(dockerfile).get('runtime')!;
let root: string;
let workdir: string;
let env: Record<string, string>;
let user: { uid: number; gid: number };
let entrypoint: string[];

/** The build host's network settings, which a RUN step also uses in a real build (Docker passes the proxy variables as build arguments). */
const NETWORK_ENV = ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];

/** Runs a RUN step's shell command without blocking the event loop (a long npm ci would stall vitest's worker). */
function run(command: string, opts: { cwd: string; env: Record<string, string>; timeoutMs: number }): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'iotjobs-image-'));
  chmodSync(root, 0o755);
  workdir = root;
  env = { PATH: process.env.PATH!, HOME: join(root, 'home') };
  const network = Object.fromEntries(NETWORK_ENV.filter((k) => process.env[k]).map((k) => [k, process.env[k]!]));
  mkdirSync(env.HOME!, { recursive: true });
  for (const { op, args } of runtime) {
    if (op === 'WORKDIR') {
      workdir = join(root, args);
      mkdirSync(workdir, { recursive: true });
    } else if (op === 'ENV') {
      for (const m of args.matchAll(/(\w+)=(\S+)/g)) env[m[1]!] = m[2]!;
    } else if (op === 'COPY') {
      const parts = args.split(/\s+/);
      const from = parts[0]!.startsWith('--from=') ? parts.shift()!.slice('--from='.length) : undefined;
      const dest = parts.pop()!;
      for (const src of parts) {
        // The build stage's /app is this checkout, built by `npm test` (its dist/ is the stage's output).
        const source = from === 'build' ? join(ROOT, src.replace(/^\/app\//, '')) : join(ROOT, src);
        const target = dest.endsWith('/') ? join(workdir, dest, src.split('/').pop()!) : join(workdir, dest);
        cpSync(source, target, { recursive: true });
      }
    } else if (op === 'RUN') {
      const r = await run(args, { cwd: workdir, env: { ...env, ...network, npm_config_cache: join(process.env.HOME ?? root, '.npm') }, timeoutMs: 240_000 });
      if (r.status !== 0) throw new Error(`RUN ${args} failed (${r.status}):\n${r.output}`);
    } else if (op === 'USER') {
      const [uid, gid] = args.split(':').map(Number);
      user = { uid: uid!, gid: gid ?? uid! };
    } else if (op === 'ENTRYPOINT') {
      entrypoint = JSON.parse(args) as string[];
    }
  }
  // Everything the image holds is world-readable, as in a real image, so the non-root user can run it.
  spawnSync('chmod', ['-R', 'a+rX', root]);
}, 300_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('the Dockerfile', () => {
  it('builds on a slim base in two stages and runs as a non-root numeric user', () => {
    const all = stages(dockerfile);
    expect([...all.keys()]).toEqual(['build', 'runtime']);
    expect(all.get('build')![0]!.args).toMatch(/^node:24-bookworm-slim AS build$/);
    expect(runtime[0]!.args).toMatch(/^node:24-bookworm-slim AS runtime$/);
    expect(user.uid).toBeGreaterThan(0);
    expect(runtime.some((i) => i.op === 'RUN' && i.args.includes('npm ci --omit=dev'))).toBe(true);
    // Node 24 does not trigger the AWS SDK's NodeVersionSupportWarning, so the image does not hide it.
    expect(runtime.some((i) => i.op === 'ENV' && i.args.includes('SUPPORT_WARNING_DISABLED'))).toBe(false);
  });

  it("uses a Node line that package.json's engines allow, the one CI runs these steps on", () => {
    const imageMajor = Number(/^node:(\d+)-/.exec(runtime[0]!.args)![1]);
    const engines = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    expect(imageMajor).toBeGreaterThanOrEqual(Number(/^>=(\d+)/.exec(engines)![1]));
    // .ci/run puts Node 24 first on PATH when the machine's is older, and says which major it chose
    // in IOTJOBS_CI_NODE_MAJOR: there the steps above (the production npm ci, the ENTRYPOINT) ran on
    // that Node, and on no older line than the image's.
    const ciMajor = process.env.IOTJOBS_CI_NODE_MAJOR;
    if (ciMajor) {
      expect(Number(process.versions.node.split('.')[0])).toBe(Number(ciMajor));
      expect(Number(ciMajor)).toBeGreaterThanOrEqual(imageMajor);
    }
  });

  it('installs the production dependencies only', () => {
    const modules = join(workdir, 'node_modules');
    for (const dep of ['@aws-sdk/client-iot', '@kubernetes/client-node', 'pino', 'prom-client', 'ajv', 'yaml', 'chokidar'])
      expect(existsSync(join(modules, dep)), dep).toBe(true);
    for (const dev of ['typescript', 'vitest', 'vite-node', 'playwright-core']) expect(existsSync(join(modules, dev)), dev).toBe(false);
  });

  it('answers --help through its ENTRYPOINT', () => {
    const [cmd, ...args] = entrypoint;
    const r = spawnSync(cmd === 'node' ? process.execPath : cmd!, [...args, '--help'], { cwd: workdir, env, encoding: 'utf8', uid: user.uid, gid: user.gid });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('iot-jobs-controller run  --kubernetes');
  });

  it('runs the controller with the emulator (--local) as that user, with nothing but the production dependencies', async () => {
    const [cmd, ...args] = entrypoint;
    const examples = join(root, 'examples');
    cpSync(join(ROOT, 'examples'), examples, { recursive: true });
    spawnSync('chmod', ['-R', 'a+rX', examples]);
    const child = spawn(
      cmd === 'node' ? process.execPath : cmd!,
      [...args, 'run', '--dir', examples, '--local', '--local-fleet', '5', '--metrics-addr', '127.0.0.1:0'],
      { cwd: workdir, env, uid: user.uid, gid: user.gid, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitFor(
        'a create action',
        () =>
          child.exitCode !== null
            ? (() => {
                throw new Error(`exited ${child.exitCode}:\n${out}`);
              })()
            : out.includes('"action":"create"') || undefined,
        30_000,
      );
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    expect(child.exitCode).toBe(0);
  });
});
