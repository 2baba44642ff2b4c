/**
 * Reading a fleet model: YAML or JSON by the file's name, every error starting with the file's
 * path, and the emulator's --fleet-model flag (exclusive with --fleet N; the per-group flags refused).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { optionsFromArgs } from '../../../../emulator/cli-options.js';
import { parseFleetModel, readFleetModel } from '../../../../emulator/fleet/model-file.js';
import { validateFleetModel } from '../../../../emulator/fleet/model.js';
import { STAGED } from './staged-model.js';

const dir = mkdtempSync(join(tmpdir(), 'fleet-model-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

const YAML = `seed: 5
groups:
  - name: canary
    size: 10
    failureRate: 0.5
  - name: fleet
    size: 30
    includes: [canary]
    failureRate: 0
    workSeconds: { min: 10, max: 20 }
`;

describe('a model file', () => {
  it('is YAML, or JSON when its name ends in .json', () => {
    const model = readFleetModel(file('fleet.yaml', YAML));
    expect(model.groups.map((g) => [g.name, g.size])).toEqual([
      ['canary', 10],
      ['fleet', 30],
    ]);
    expect(readFleetModel(file('fleet.json', JSON.stringify(model)))).toEqual(model);
  });

  it('of docs/fleet-model.md is valid, and is the model the unit tests use', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', '..', '..', 'docs', 'fleet-model.md'), 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(doc)![1]!;
    expect(validateFleetModel(parseFleetModel(yaml, 'docs/fleet-model.md'))).toEqual(STAGED);
  });

  it('names the file and the field when the model does not hold', () => {
    const path = file('bad.yaml', YAML.replace('failureRate: 0.5', 'failureRate: 1.5'));
    expect(() => readFleetModel(path)).toThrow(`${path}: groups[0].failureRate: must be <= 1`);
  });

  it('names the file when it cannot be read or parsed', () => {
    expect(() => readFleetModel(join(dir, 'missing.yaml'))).toThrow(`${join(dir, 'missing.yaml')}: cannot be read: ENOENT`);
    expect(() => parseFleetModel('{"groups": [', 'm.json')).toThrow(/^m\.json: not JSON: /);
    expect(() => parseFleetModel('groups: [\n', 'm.yaml')).toThrow(/^m\.yaml: not YAML: /);
    expect(() => parseFleetModel('seed: 1\nseed: 2\n', 'm.yml')).toThrow(/^m\.yml: not YAML: Map keys must be unique/);
  });
});

describe('--fleet-model', () => {
  it('gives the emulator the model, with --fleet-seed and --fleet-poll-seconds', () => {
    const opts = optionsFromArgs(['--port', '0', '--fleet-model', file('f.yaml', YAML), '--fleet-seed', '9', '--fleet-poll-seconds', '2']);
    expect(opts).toMatchObject({ fleet: { model: { seed: 5 }, seed: 9, pollIntervalMs: 2000 } });
  });

  it('is exclusive with --fleet N, and refuses the flags a model sets per group', () => {
    const path = file('g.yaml', YAML);
    expect(() => optionsFromArgs(['--port', '0', '--fleet', '5', '--fleet-model', path])).toThrow('--fleet and --fleet-model are exclusive');
    expect(() => optionsFromArgs(['--port', '0', '--fleet-failure-rate', '0.1', '--fleet-model', path])).toThrow(
      '--fleet-failure-rate does not go with --fleet-model: set it per group in the model',
    );
  });

  it('reports a bad model as the flag error it is', () => {
    expect(() => optionsFromArgs(['--port', '0', '--fleet-model', file('h.yaml', 'groups: []\n')])).toThrow(
      /h\.yaml: groups: must NOT have fewer than 1 items/,
    );
  });

  it('leaves --fleet N as it was', () => {
    const opts = optionsFromArgs(['--port', '0', '--fleet', '3', '--fleet-failure-rate', '0.1']);
    expect(opts).toMatchObject({ fleet: { size: 3, failureRate: 0.1 } });
    expect(optionsFromArgs(['--port', '0'])).toMatchObject({ fleet: undefined });
  });
});
