/**
 * The dependency rule (ARCHITECTURE.md): model/ and plan/ stay pure (no SDK, no fs, no http, no
 * pino, no prom-client, no clock, no environment); every layer imports only the layers below it;
 * only aws/ imports the AWS SDK.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', 'controller');
const FORBIDDEN = [
  /from '@aws-sdk\//,
  /from '@kubernetes\//,
  /from 'node:(fs|http|https|net|child_process)/,
  /from 'pino'/,
  /from 'prom-client'/,
  /from 'chokidar'/,
  /Date\.now\(/,
  /new Date\(\)/,
  /process\./,
];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('architecture', () => {
  it.each(['model', 'plan'])('%s/ imports no I/O and reads no clock', (folder) => {
    const offending = files(join(ROOT, folder)).flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .filter((line) => FORBIDDEN.some((re) => re.test(line)))
        .map((line) => `${f}: ${line.trim()}`),
    );
    expect(offending).toEqual([]);
  });

  it('loads @kubernetes/client-node only on demand (regression: its 45 MB of heap cost directory mode 2.5 s -> 3.7 s and 121 -> 168 MB RSS at 1,000 jobs)', () => {
    const eager = files(ROOT).flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .filter((line) => /^import (?!type ).*from '@kubernetes\/client-node'/.test(line))
        .map((line) => `${f.slice(ROOT.length + 1)}: ${line.trim()}`),
    );
    expect(eager).toEqual([]);
  });

  it('only main.ts reads process.env or argv (benchmarks, which are not the product, aside)', () => {
    const readers = files(ROOT)
      .map((f) => f.slice(ROOT.length + 1))
      .filter((f) => !f.startsWith('bench/') && /process\.(env|argv)/.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(readers.sort()).toEqual(['main.ts']);
  });

  it('every folder imports only the layers below it (config, model < plan, lib < observability < aws, kube < sources < runtime < modes < app < rehearse < cli)', () => {
    const offending = files(ROOT).flatMap((f) => {
      const rel = f.slice(ROOT.length + 1);
      const layer = layerOf(rel);
      const allowed = MAY_IMPORT[layer];
      if (!allowed) return [`${rel}: the folder ${layer}/ has no place in the layer table`];
      return importsOf(f)
        .map((target) => ({ target, to: target.split('/')[0]! }))
        .filter(({ to }) => to !== layer && !allowed.includes(to))
        .map(({ target }) => `${rel} imports ${target}`);
    });
    expect(offending).toEqual([]);
  });

  it('only aws/ imports the AWS SDK (the emulator, for --local, aside)', () => {
    const importers = files(ROOT)
      .map((f) => f.slice(ROOT.length + 1))
      .filter((f) => !f.startsWith('aws/') && !f.startsWith('bench/') && /from '@aws-sdk\//.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(importers).toEqual([]);
  });
});

/** Which controller folders each folder may import (config.ts is `config`, main.ts, the command line, is `cli`; the other top-level files are `app`). */
const MAY_IMPORT: Record<string, string[]> = {
  config: [],
  model: [],
  plan: ['model'],
  lib: ['model'],
  observability: ['model', 'plan'],
  aws: ['model', 'plan', 'lib', 'observability'],
  kube: ['config', 'model', 'plan', 'lib', 'observability'],
  sources: ['model', 'plan', 'lib', 'observability', 'kube'],
  runtime: ['model', 'plan', 'lib', 'observability', 'aws', 'sources'],
  modes: ['config', 'model', 'plan', 'lib', 'observability', 'aws', 'kube', 'sources', 'runtime'],
  app: ['config', 'model', 'plan', 'lib', 'observability', 'aws', 'kube', 'sources', 'runtime', 'modes'],
  rehearse: ['config', 'model', 'plan', 'lib', 'observability', 'aws', 'kube', 'sources', 'runtime', 'modes', 'app'],
  cli: ['config', 'model', 'plan', 'lib', 'observability', 'aws', 'kube', 'sources', 'runtime', 'modes', 'app', 'rehearse'],
  bench: ['config', 'model', 'plan', 'lib', 'observability', 'aws', 'kube', 'sources', 'runtime', 'modes', 'app', 'rehearse'],
};

/** The layer of a controller-relative path. */
function layerOf(rel: string): string {
  if (rel.includes('/')) return rel.split('/')[0]!;
  if (rel === 'config.ts' || rel === 'config.js') return 'config';
  return rel === 'main.ts' || rel === 'main.js' ? 'cli' : 'app';
}

/** The controller-relative targets of a file's relative imports ("runtime/clock.js"; a top-level file is "app/<name>"). */
function importsOf(file: string): string[] {
  const out: string[] = [];
  for (const m of readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
    const abs = join(file, '..', m[1]!);
    if (!abs.startsWith(ROOT + '/')) continue;
    const rel = abs.slice(ROOT.length + 1);
    out.push(rel.includes('/') ? rel : `${layerOf(rel)}/${rel}`);
  }
  return out;
}
