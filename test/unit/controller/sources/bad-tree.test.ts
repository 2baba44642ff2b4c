/**
 * Issue 9: a tree that cannot be read whole is a refused snapshot with located problems, never an
 * exception, a silent freeze or a removal. Every case here failed before the fix: the dangling link
 * froze the source (scan gave up in silence), the loop and the alias bomb escaped start() (a crash
 * loop), the emptied or .YAML-renamed file removed its jobs, and bad bytes were sent as U+FFFD.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../../controller/observability/logger.js';
import { Metrics } from '../../../../controller/observability/metrics.js';
import { FakeClock } from '../../../helpers/fake-clock.js';
import { compileManifestValidator } from '../../../../controller/sources/crd-schema.js';
import { DirectorySource, ParseCache, readSnapshot, TextCache } from '../../../../controller/sources/directory-source.js';

const validate = compileManifestValidator();
const manifest = (name: string, extra = ''): string =>
  `apiVersion: iot.gitops.dev/v1alpha1\nkind: IoTJob\nmetadata: {name: ${name}}\nspec:\n  targets: [thing:t1]\n  document: {}\n${extra}`;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bad-tree-'));
  writeFileSync(join(dir, 'good.yaml'), manifest('good'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const problemsOf = (root = dir) => readSnapshot(root, validate).problems;

describe('reading a tree', () => {
  it('refuses a dangling *.yaml link, naming where it points (regression: the source froze in silence)', () => {
    symlinkSync('gone.yaml', join(dir, 'a.yaml'));
    expect(problemsOf()).toEqual([{ file: 'a.yaml', message: 'the link points to gone.yaml, which does not exist' }]);
  });

  it('refuses a dangling link of any name: it may have been a directory of manifests', () => {
    symlinkSync('gone', join(dir, 'jobs'));
    expect(problemsOf()).toEqual([{ file: 'jobs', message: 'the link points to gone, which does not exist' }]);
  });

  it('refuses a symlink loop (regression: ELOOP escaped start(), so a bad commit was a crash loop)', () => {
    symlinkSync('b.yaml', join(dir, 'a.yaml'));
    symlinkSync('a.yaml', join(dir, 'b.yaml'));
    expect(problemsOf().map((p) => [p.file, p.message])).toEqual([
      ['a.yaml', 'the link cannot be followed: it is a loop of links'],
      ['b.yaml', 'the link cannot be followed: it is a loop of links'],
    ]);
  });

  it('refuses a link to a directory outside the tree, whose manifests would not be read', () => {
    const outside = mkdtempSync(join(tmpdir(), 'outside-'));
    try {
      symlinkSync(outside, join(dir, 'more'));
      expect(problemsOf()).toEqual([{ file: 'more', message: 'the link points outside the synced directory' }]);
    } finally {
      rmSync(outside, { recursive: true });
    }
  });

  it('refuses non-UTF-8 bytes at their line and offset (regression: replaced by U+FFFD and sent to AWS)', () => {
    const text = manifest('a', '  description: "caf');
    writeFileSync(join(dir, 'a.yaml'), Buffer.concat([Buffer.from(text), Buffer.from([0xe9]), Buffer.from('"\n')]));
    expect(problemsOf()).toEqual([{ file: 'a.yaml', line: 7, message: `the file is not UTF-8: invalid byte 0xe9 at offset ${text.length}` }]);
  });

  it('keeps a genuine U+FFFD and reads the next invalid byte after it', () => {
    const text = manifest('a', '  description: "\uFFFD');
    writeFileSync(join(dir, 'a.yaml'), Buffer.concat([Buffer.from(text), Buffer.from([0xff, 0x22, 0x0a])]));
    expect(problemsOf()).toEqual([{ file: 'a.yaml', line: 7, message: `the file is not UTF-8: invalid byte 0xff at offset ${Buffer.byteLength(text)}` }]);
  });

  it('refuses a special file named *.yaml rather than blocking on it or skipping it', () => {
    execFileSync('mkfifo', [join(dir, 'pipe.yaml')]);
    expect(problemsOf()).toEqual([{ file: 'pipe.yaml', message: 'is not a regular file; a manifest must be one' }]);
  });

  it('reads .YAML and .Yml files as manifests (regression: a rename to .YAML removed its jobs)', () => {
    writeFileSync(join(dir, 'b.YAML'), manifest('b'));
    writeFileSync(join(dir, 'c.Yml'), manifest('c'));
    writeFileSync(join(dir, 'notes.txt'), 'not a manifest');
    expect(readSnapshot(dir, validate).jobs.map((j) => j.key)).toEqual(['b', 'c', 'good']);
  });

  it('refuses an emptied manifest file instead of removing its jobs', () => {
    writeFileSync(join(dir, 'a.yaml'), '');
    expect(problemsOf()).toEqual([{ file: 'a.yaml', message: 'the file holds no IoTJob or IoTJobTemplate; delete the file to remove its jobs' }]);
  });

  it('reports an unreadable file (EACCES, injected: tests run as root) and an unreadable directory', () => {
    mkdirSync(join(dir, 'locked'));
    writeFileSync(join(dir, 'secret.yaml'), manifest('s'));
    const denied = (path: string): Error => Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: 'EACCES' });
    const fs = {
      readFile: (p: string) =>
        p.endsWith('secret.yaml')
          ? (() => {
              throw denied(p);
            })()
          : nodeFs.readFileSync(p),
      readdir: (p: string) =>
        p.endsWith('locked')
          ? (() => {
              throw denied(p);
            })()
          : nodeFs.readdirSync(p),
    };
    expect(readSnapshot(dir, validate, { fs }).problems).toEqual([
      { file: 'locked', message: `the directory cannot be read: EACCES: permission denied, open '${join(dir, 'locked')}'` },
      { file: 'secret.yaml', message: `the file cannot be read: EACCES: permission denied, open '${join(dir, 'secret.yaml')}'` },
    ]);
  });

  it('gives the same bad tree the same revision, and a different bad tree another', () => {
    symlinkSync('gone.yaml', join(dir, 'a.yaml'));
    const first = readSnapshot(dir, validate).revision;
    expect(readSnapshot(dir, validate).revision).toBe(first);
    rmSync(join(dir, 'a.yaml'));
    symlinkSync('other.yaml', join(dir, 'a.yaml'));
    expect(readSnapshot(dir, validate).revision).not.toBe(first);
  });

  it('keeps a bad file bad through the caches, and sees it fixed', () => {
    const caches = { cache: new ParseCache(), texts: new TextCache() };
    writeFileSync(join(dir, 'a.yaml'), Buffer.from([0x6b, 0x3a, 0x20, 0xc3, 0x28, 0x0a]));
    for (let i = 0; i < 2; i++)
      expect(readSnapshot(dir, validate, caches).problems).toEqual([
        { file: 'a.yaml', line: 1, message: 'the file is not UTF-8: invalid byte 0xc3 at offset 3' },
      ]);
    writeFileSync(join(dir, 'a.yaml'), manifest('a'));
    expect(readSnapshot(dir, validate, caches)).toMatchObject({ problems: [], jobs: [{ key: 'a' }, { key: 'good' }] });
  });
});

describe('DirectorySource with a bad tree', () => {
  const logs: Record<string, any>[] = [];
  const sink = new Writable({
    write: (c: Buffer, _e, done) => (
      c
        .toString()
        .split('\n')
        .filter(Boolean)
        .forEach((l) => logs.push(JSON.parse(l))),
      done()
    ),
  });
  const source = (metrics: Metrics, clock: FakeClock): DirectorySource =>
    new DirectorySource({ root: dir, validate, clock, logger: createLogger('debug', sink), metrics, rescanMs: 1_000, watch: false });
  const gauge = async (m: Metrics): Promise<number> => (await m.sourceProblems.get()).values[0]!.value;

  it('stays up on a cold start with a bad tree, not synced, logs each problem once, and takes the next good commit', async () => {
    logs.length = 0;
    symlinkSync('b.yaml', join(dir, 'a.yaml'));
    symlinkSync('a.yaml', join(dir, 'b.yaml'));
    const clock = new FakeClock();
    const metrics = new Metrics({ kubernetes: false });
    const src = source(metrics, clock);
    const changes: string[][] = [];
    await src.start((keys) => changes.push(keys));
    expect(src.synced()).toBe(false);
    expect(src.status().problems.map((p) => p.file)).toEqual(['a.yaml', 'b.yaml']);
    expect(await gauge(metrics)).toBe(2);
    await clock.advance(3_000);
    expect(logs.filter((l) => l.file === 'a.yaml')).toHaveLength(1);
    rmSync(join(dir, 'a.yaml'));
    rmSync(join(dir, 'b.yaml'));
    await clock.advance(1_000);
    expect(src.synced()).toBe(true);
    expect(changes).toEqual([['good']]);
    expect(await gauge(metrics)).toBe(0);
    await src.stop();
  });

  it('reads again when an entry vanishes mid-read, and says so when the tree never holds still', () => {
    const gone = (path: string): Error => Object.assign(new Error(`ENOENT: no such file or directory, lstat '${path}'`), { code: 'ENOENT' });
    let vanishings = 1;
    const fs = {
      lstat: (p: string) =>
        p.endsWith('good.yaml') && vanishings-- > 0
          ? (() => {
              throw gone(p);
            })()
          : nodeFs.lstatSync(p, { bigint: true }),
    };
    const src = new DirectorySource({
      root: dir,
      validate,
      clock: new FakeClock(),
      logger: createLogger('silent'),
      metrics: new Metrics({ kubernetes: false }),
      watch: false,
      fs,
    });
    expect(src.scan()).toMatchObject({ problems: [], jobs: [{ key: 'good' }] });
    vanishings = 3;
    expect(src.scan().problems).toEqual([
      { file: '.', message: 'the directory changed while it was read, three times running; it is read again at the next change or rescan' },
    ]);
    expect(src.keys()).toEqual(['good']);
  });

  it('never throws from scan: a crash in a document is a problem on its file, any other error one on the root', () => {
    const crashing = Object.assign(
      () => {
        throw new TypeError('boom');
      },
      { errors: null },
    );
    const a = new DirectorySource({
      root: dir,
      validate: crashing,
      clock: new FakeClock(),
      logger: createLogger('silent'),
      metrics: new Metrics({ kubernetes: false }),
      watch: false,
    });
    expect(() => a.scan()).not.toThrow();
    expect(a.status().problems).toEqual([{ file: 'good.yaml', line: 1, message: 'the document cannot be read: boom' }]);
    const fs = { lstat: () => ({}) as never };
    const b = new DirectorySource({
      root: dir,
      validate,
      clock: new FakeClock(),
      logger: createLogger('silent'),
      metrics: new Metrics({ kubernetes: false }),
      watch: false,
      fs,
    });
    expect(() => b.scan()).not.toThrow();
    expect(b.status().problems).toEqual([{ file: '.', message: expect.stringMatching(/^reading the source directory failed: TypeError: .*isSymbolicLink/) }]);
  });
});
