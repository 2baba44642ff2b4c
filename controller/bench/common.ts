/**
 * What the benchmarks share: child processes whose stdout lines are kept, polling with a deadline,
 * percentiles and number formatting.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** A child process and the lines it has written to stdout. */
export interface Proc {
  child: ChildProcess;
  lines: string[];
}

/** Starts `node script ...args` with `env`; stderr is discarded. */
export function startNode(script: string, args: string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const p: Proc = { child, lines: [] };
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    p.lines.push(...parts);
  });
  child.stderr!.on('data', () => undefined);
  return p;
}

/** Sends SIGTERM and waits for the exit. */
export async function stopProc(p: Proc): Promise<void> {
  if (p.child.exitCode !== null) return;
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGTERM');
  await exited;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns something other than undefined; throws after `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** The p-th percentile (nearest rank) of some numbers; NaN for none. */
export const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

/** A number with thousands separators and `d` decimals. */
export const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/** A progress line on stderr with the time of day. */
export const progress = (msg: string): void => {
  process.stderr.write(`  ${new Date().toISOString().slice(11, 19)} ${msg}\n`);
};
