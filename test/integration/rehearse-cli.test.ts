/**
 * `iot-jobs-controller rehearse` as a user runs it (the built CLI, a child process): on the staged
 * example of examples/, with a failure sweep, --expect, --json and --html; and its exit codes: 0 when
 * it ran, 1 when an assertion fails, 2 for invalid input, each saying what and where.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { built, startProgram } from '../helpers/processes.js';

const TMP = mkdtempSync(join(tmpdir(), 'rehearse-cli-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

/** The groups the staged example names: canary 10 inside ten-percent 50 inside fleet 500. */
const FLEET = join(TMP, 'fleet.yaml');
writeFileSync(
  FLEET,
  `seed: 3
defaults: {failureRate: 0.02, rejectRate: 0, workSeconds: {min: 30, max: 120}, acceptSeconds: {min: 1, max: 10}}
groups:
  - {name: canary, size: 10}
  - {name: ten-percent, size: 50, includes: [canary]}
  - {name: fleet, size: 500, includes: [ten-percent]}
`,
);
const EXAMPLE = ['--dir', 'examples', '--only', 'sensor-firmware-2-5-0', '--fleet', FLEET];
/** A model without the example's canary and ten-percent groups. */
const ONLY_FLEET = join(TMP, 'only-fleet.yaml');
writeFileSync(ONLY_FLEET, 'groups:\n  - {name: fleet, size: 10}\n');

async function rehearse(...args: string[]): Promise<{ code: number | string; out: string; err: string }> {
  const p = startProgram(built('controller/main.js'), ['rehearse', ...args]);
  const code = await p.exited;
  return { code, out: p.stdout(), err: p.stderr() };
}

describe('iot-jobs-controller rehearse', () => {
  it('rehearses the staged example and a failure sweep, prints the waves and the blast radius, writes the HTML, and exits 0 when every assertion holds', async () => {
    const html = join(TMP, 'report.html');
    const r = await rehearse(...EXAMPLE, '--failure-rates', '0,0.8', '--expect', 'outcome==completed', '--expect', 'exposed<=10@0.8', '--html', html);
    expect(r.err).toContain('expect: all 2 assertions hold');
    expect(r.code).toBe(0);
    expect(r.out).toContain('sensor-firmware-2-5-0');
    for (const wave of ['canary', 'ten-percent', 'fleet']) expect(r.out).toContain(wave);
    expect(r.out).toMatch(/blast radius/i);
    expect(r.out).toMatch(/80(\.0)?%/);
    expect(readFileSync(html, 'utf8')).toMatch(/^<!DOCTYPE html>/i);
  }, 60_000);

  it('exits 1 and says which assertion failed and what was found', async () => {
    const r = await rehearse(...EXAMPLE, '--failure-rates', '0.8', '--expect', 'exposed<=5@0.8', '--expect', 'hours<1000');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^expect failed {2}exposed<=5@0.8: sensor-firmware-2-5-0: exposed is 10$/m);
    expect(r.err).not.toContain('hours<1000');
  }, 60_000);

  it('prints JSON for CI with --json, whole however large', async () => {
    const r = await rehearse(...EXAMPLE, '--json', '--failure-rates', '0,0.01,0.02,0.03,0.04');
    expect(r.code).toBe(0);
    expect(r.out.length).toBeGreaterThan(50_000);
    const json = JSON.parse(r.out) as { results: { things: number; jobs: { key: string; outcome: string; exposed: number; waves: { name: string }[] }[] }[] };
    expect(json.results).toHaveLength(6);
    expect(json.results[0]!.things).toBe(500);
    expect(json.results[0]!.jobs.map((j) => [j.key, j.outcome, j.exposed, j.waves.map((w) => w.name)])).toEqual([
      ['sensor-firmware-2-5-0', 'completed', 500, ['canary', 'ten-percent', 'fleet']],
    ]);
  }, 60_000);

  it('exits 2 for an invalid fleet model, naming the file and the field', async () => {
    const bad = join(TMP, 'bad-fleet.yaml');
    writeFileSync(bad, 'groups:\n  - {name: canary, size: 10, failureRate: 2}\n');
    const r = await rehearse('--dir', 'examples', '--fleet', bad);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${bad}: groups[0].failureRate: must be <= 1`);
  }, 30_000);

  it('exits 2 for an invalid manifest, naming the file, line and field, and rehearses nothing', async () => {
    const dir = mkdtempSync(join(TMP, 'manifests-'));
    writeFileSync(
      join(dir, 'bad.yaml'),
      'apiVersion: iot.gitops.dev/v1alpha1\nkind: IoTJob\nmetadata:\n  name: bad\nspec:\n  targets: [thingGroup:canary]\n  document: {op: ota}\n  rollout: fast\n',
    );
    const r = await rehearse('--dir', dir, '--fleet', FLEET);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error {2}bad\.yaml:\d+: spec\.rollout: /m);
    expect(r.err).toContain('nothing was rehearsed');
    expect(r.out).toBe('');
  }, 30_000);

  it.each([
    [['--dir', 'examples'], '--fleet is required'],
    [['--fleet', FLEET], '--dir is required'],
    [['--dir', 'examples', '--fleet', FLEET, '--failure-rates', '0.1,x'], '--failure-rates: each rate must be a number from 0 to 1, got "x"'],
    [['--dir', 'examples', '--fleet', FLEET, '--expect', 'exposed 5'], "--expect 'exposed 5': must look like"],
    [['--dir', 'examples', '--fleet', FLEET, '--only', 'nope'], '--only nope: no manifest has this key'],
    [['--dir', 'examples', '--fleet', join(TMP, 'missing.yaml')], `${join(TMP, 'missing.yaml')}: cannot be read`],
    [['--dir', 'examples', '--fleet', FLEET, '--bogus'], "Unknown option '--bogus'"],
    [
      ['--dir', 'examples', '--fleet', ONLY_FLEET, '--only', 'sensor-firmware-2-5-0'],
      'spec.waves[0].targets[0]: thingGroup:canary is not a thing group of the fleet model',
    ],
  ])(
    'exits 2 for %j, saying why',
    async (args, why) => {
      const r = await rehearse(...args);
      expect(r.code).toBe(2);
      expect(r.err).toContain(why);
    },
    30_000,
  );

  it('prints its usage with --help', async () => {
    const r = await rehearse('--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('iot-jobs-controller rehearse --dir PATH --fleet FLEET.yaml');
  }, 30_000);
});
