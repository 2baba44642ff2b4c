/**
 * The README's rehearsal walk-through is what the command prints: its console block is run again
 * with the built CLI and compared line by line (all but the real time taken), with the same exit
 * code. A rehearsal is repeatable, so a difference means the README is stale.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { built, ROOT, startProgram } from '../helpers/processes.js';

/** The walk-through's command (its arguments after `rehearse`), printed lines and exit code. */
function walkThrough(): { args: string[]; lines: string[]; code: number } {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /```console\n\$ npm run -s cli -- rehearse ([\s\S]*?)\n```/.exec(readme)![1]!;
  const [command, ...rest] = block.split(/(?<!\\)\n(?! )/);
  const args = command!
    .replace(/\\\n\s*/g, ' ')
    .replace(/'/g, '')
    .split(/\s+/)
    .filter(Boolean);
  const code = Number(rest.at(-1));
  const lines = rest.slice(0, -2).join('\n').split('\n');
  return { args: args.filter((a) => a !== '--html' && a !== 'rehearsal.html'), lines, code };
}

const notTimed = (lines: string[]): string[] => lines.map((l) => l.replace(/ in \d+\.\d s /, ' in … s '));

describe('the README', () => {
  it('shows what `rehearse` prints for the walk-through', async () => {
    const { args, lines, code } = walkThrough();
    expect(args).toEqual([
      '--dir',
      'examples',
      '--only',
      'sensor-firmware-2-5-0',
      '--fleet',
      'docs/rehearsal-fleet.yaml',
      '--failure-rates',
      '0.05,0.2,0.5',
      '--expect',
      'exposed<=100@0.2',
    ]);
    const p = startProgram(built('controller/main.js'), ['rehearse', ...args]);
    expect(await p.exited).toBe(code);
    const printed = [
      ...p.stdout().split('\n').slice(0, -1),
      ...p
        .stderr()
        .split('\n')
        .filter((l) => l.startsWith('expect')),
    ];
    expect(notTimed(printed)).toEqual(notTimed(lines));
  }, 60_000);
});
