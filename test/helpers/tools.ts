/** Debian programs the tests run (installed by .ci/run): a clear failure when one is missing, never a skip. */
import { spawnSync } from 'node:child_process';

/** The path of a program on PATH; throws naming the Debian package when it is missing. */
export function requireProgram(name: string, debianPackage: string): string {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const path = r.stdout.trim();
  if (r.status !== 0 || !path) throw new Error(`${name} is not installed: apt-get install ${debianPackage} (.ci/run does this)`);
  return path;
}
