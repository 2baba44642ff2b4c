/** Runs the package's command-line programs (from dist/, built by `npm test`) as child processes. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');

/** The built entry point of a program; fails with a clear message when dist/ has not been built. */
export function built(relative: string): string {
  const path = join(ROOT, 'dist', relative);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` (npm test does it first)`);
  return path;
}

/** A started program whose output is collected. */
export interface Program {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
}

/** Starts `node <script> ...args`. */
export function startProgram(script: string, args: string[], env: Record<string, string> = {}): Program {
  const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Waits until `predicate` holds, polling every `everyMs`; throws with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Starts the emulator CLI and waits for its `listening on URL` line; returns the program and URL. */
export async function startEmulatorCli(args: string[]): Promise<{ program: Program; url: string }> {
  const program = startProgram(built('emulator/cli.js'), args);
  const url = await waitFor(
    'the emulator to print its address',
    () => {
      if (program.child.exitCode !== null) throw new Error(`emulator exited early:\n${program.stderr()}`);
      return /^listening on (http:\/\/\S+)\n/.exec(program.stdout())?.[1];
    },
    30_000,
  );
  return { program, url };
}
