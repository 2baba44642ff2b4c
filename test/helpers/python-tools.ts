/**
 * Third-party Python tools the tests run against, each pip-installed at a pinned version into its
 * own git-ignored virtualenv under .cache/ (reused when present): ministack, an independent AWS
 * emulator, for the contract tests; and the AWS CLI, to show the emulator serves other AWS clients.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** The ministack release the contract tests were written against. */
export const MINISTACK_VERSION = '1.5.33';
/** The AWS CLI (v1, from PyPI) release the CLI test uses. */
export const AWSCLI_VERSION = '1.46.3';

const ROOT = join(import.meta.dirname, '..', '..');

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
}

/**
 * Installs `pkg==version` into .cache/<venv> unless that version is there already, and returns the
 * path of the named console script.
 */
export function installPythonTool(venv: string, pkg: string, version: string, script: string): string {
  const dir = join(ROOT, '.cache', venv);
  const bin = join(dir, 'bin', script);
  const marker = join(dir, `.${pkg}-${version}`);
  if (existsSync(bin) && existsSync(marker)) return bin;
  mkdirSync(join(ROOT, '.cache'), { recursive: true });
  if (!existsSync(join(dir, 'bin', 'python'))) run(process.env.PYTHON ?? 'python3', ['-m', 'venv', dir]);
  run(join(dir, 'bin', 'pip'), ['install', '--quiet', `${pkg}==${version}`]);
  run('touch', [marker]);
  return bin;
}

/** Installs ministack into .cache/ministack-venv. */
export function installMinistack(): string {
  return installPythonTool('ministack-venv', 'ministack', MINISTACK_VERSION, 'ministack');
}

/** Installs the AWS CLI into .cache/awscli-venv. */
export function installAwsCli(): string {
  return installPythonTool('awscli-venv', 'awscli', AWSCLI_VERSION, 'aws');
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
