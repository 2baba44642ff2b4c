/**
 * ministack, an independent AWS emulator from PyPI, for the contract tests. It is installed with
 * pip into a git-ignored virtualenv (.cache/ministack-venv, reused when present) and started on a
 * loopback port with its IoT mTLS listener off.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** The ministack release the contract tests were written against. */
export const MINISTACK_VERSION = '1.5.33';

const ROOT = join(import.meta.dirname, '..', '..');
const VENV = join(ROOT, '.cache', 'ministack-venv');
const BIN = join(VENV, 'bin', 'ministack');

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
}

/** Installs ministack into the cache virtualenv unless that version is there already. */
export function installMinistack(): string {
  const marker = join(VENV, `.ministack-${MINISTACK_VERSION}`);
  if (existsSync(BIN) && existsSync(marker)) return BIN;
  mkdirSync(join(ROOT, '.cache'), { recursive: true });
  const python = process.env.PYTHON ?? 'python3';
  if (!existsSync(join(VENV, 'bin', 'python'))) run(python, ['-m', 'venv', VENV]);
  run(join(VENV, 'bin', 'pip'), ['install', '--quiet', `ministack==${MINISTACK_VERSION}`]);
  run('touch', [marker]);
  return BIN;
}

/** A free loopback TCP port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A running ministack. */
export interface Ministack {
  url: string;
  stop(): Promise<void>;
}

/** Starts ministack on a free loopback port and waits until /_ministack/ready answers 200. */
export async function startMinistack(): Promise<Ministack> {
  const bin = installMinistack();
  const port = await freePort();
  const child: ChildProcess = spawn(bin, [], {
    env: { ...process.env, GATEWAY_PORT: String(port), BIND_HOST: '127.0.0.1', IOT_MTLS_ENABLED: '0', LOG_LEVEL: 'WARNING' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`ministack exited with ${child.exitCode}:\n${output}`);
    try {
      const r = await fetch(`${url}/_ministack/ready`);
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`ministack did not become ready on ${url} within 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
