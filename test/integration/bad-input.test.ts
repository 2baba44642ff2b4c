/**
 * Bad commits, adversarially (issue 9). Each one is refused by `plan` (exit 2, the file named) and
 * by a running controller that had converged on three manifests: nothing is created, changed,
 * tagged, canceled or deleted for at least two rescans, the problem is in the source status and
 * the metric, the process serves on, and the next good commit is applied. Before the fix, a
 * dangling link froze the source in silence, a loop or an alias bomb crashed it, an emptied or
 * .YAML-renamed file canceled its rollout, and bytes that are not UTF-8 reached AWS as U+FFFD.
 * Commits are git-sync worktrees behind an atomically swapped link, as in production.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DirectorySource } from '../../controller/sources/directory-source.js';
import { built, startProgram } from '../helpers/processes.js';
import { JOB_WRITES, manifest, Stack, swapLink, TEMPLATE_WRITES } from '../helpers/stack.js';

const MUTATING = [...JOB_WRITES, ...TEMPLATE_WRITES];

/** An IoTJobTemplate manifest as YAML, `spec` over a valid one. */
function templateManifest(name: string, spec: Record<string, unknown>): string {
  return `apiVersion: iot.gitops.dev/v1alpha1\nkind: IoTJobTemplate\nmetadata:\n  name: ${name}\nspec: ${JSON.stringify({ description: 'base', document: { op: 'ota' }, ...spec })}\n`;
}
const ENV = { AWS_ACCESS_KEY_ID: 'AKIDBADINPUT', AWS_SECRET_ACCESS_KEY: 'x' };

/** A commit's files: text or bytes, or `{ link }` for a symlink. */
type Tree = Record<string, string | Buffer | { link: string }>;

const nested = (levels: number): unknown => (levels === 0 ? [] : [nested(levels - 1)]);
const aliasBomb = (): string => {
  const names = 'abcdefghij'.split('');
  return names
    .map(
      (n, i) =>
        `  ${n}: &${n} [${
          i === 0
            ? Array(9).fill('x').join(', ')
            : Array(9)
                .fill(`*${names[i - 1]}`)
                .join(', ')
        }]`,
    )
    .join('\n');
};

/** The text in Latin-1: é is the single byte 0xe9, which is not UTF-8. */
const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');

/** Each bad commit: what it does to the good tree, and the file the problem must name. */
const CASES: { name: string; file: string; bad: (t: Tree) => void }[] = [
  { name: 'a dangling link', file: 'd.yaml', bad: (t) => (t['d.yaml'] = { link: 'gone.yaml' }) },
  { name: 'a symlink loop', file: 'd.yaml', bad: (t) => Object.assign(t, { 'd.yaml': { link: 'e.yaml' }, 'e.yaml': { link: 'd.yaml' } }) },
  { name: 'an alias bomb', file: 'b.yaml', bad: (t) => (t['b.yaml'] = `${t['b.yaml'] as string}x-bomb:\n${aliasBomb()}\n`) },
  { name: 'nesting 100 deep', file: 'b.yaml', bad: (t) => (t['b.yaml'] = manifest('b', { document: { a: nested(100) } })) },
  { name: 'bytes that are not UTF-8', file: 'b.yaml', bad: (t) => (t['b.yaml'] = latin1(manifest('b', { description: 'café' }))) },
  { name: 'an unknown tag (a YAML warning)', file: 'b.yaml', bad: (t) => (t['b.yaml'] = (t['b.yaml'] as string).replace('spec: ', 'spec: !foo ')) },
  { name: 'malformed YAML', file: 'b.yaml', bad: (t) => (t['b.yaml'] = (t['b.yaml'] as string).replace('  name: b', '  name: b\n   extra: 1')) },
  { name: 'a schema violation', file: 'b.yaml', bad: (t) => (t['b.yaml'] = manifest('b', { targetz: [] })) },
  { name: 'a file over 1 MiB', file: 'big.yaml', bad: (t) => (t['big.yaml'] = `${manifest('big', {})}# ${'x'.repeat(1024 * 1024)}\n`) },
  { name: 'too many documents', file: 'many.yaml', bad: (t) => (t['many.yaml'] = Array.from({ length: 201 }, (_, i) => manifest(`m${i}`, {})).join('---\n')) },
  {
    name: 'a documentFile escaping the tree',
    file: 'b.yaml',
    bad: (t) => (t['b.yaml'] = manifest('b', { document: undefined, documentFile: '../../etc/passwd' })),
  },
  { name: 'a symlink out of the tree', file: 'd.yaml', bad: (t) => (t['d.yaml'] = { link: '/etc/passwd' }) },
  { name: 'a duplicate jobId', file: 'd.yaml', bad: (t) => (t['d.yaml'] = manifest('d', { jobId: 'a' })) },
  { name: 'an emptied file', file: 'b.yaml', bad: (t) => (t['b.yaml'] = '') },
  { name: 'a file of comments only', file: 'b.yaml', bad: (t) => (t['b.yaml'] = '# b is gone\n---\n') },
  { name: 'an IoTJobTemplate without a description', file: 't.yaml', bad: (t) => (t['t.yaml'] = templateManifest('t', { description: undefined })) },
  {
    name: 'a job template id declared twice',
    file: 't.yaml',
    bad: (t) => (t['t.yaml'] = `${templateManifest('t1', { jobTemplateId: 'same' })}---\n${templateManifest('t2', { jobTemplateId: 'same' })}`),
  },
];

let stack: Stack;
let link: string;
let commits = 0;
let scans = 0;
/** The tree of the last good commit. */
let good: Tree;

/** Writes a git-sync worktree for `tree` and swaps the link to it; returns its directory and commit hash. */
function commit(tree: Tree): { dir: string; hash: string } {
  const hash = (++commits).toString(16).padStart(40, 'c');
  const dir = join(stack.root, '.worktrees', hash);
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(tree)) {
    if (typeof content === 'object' && 'link' in content) symlinkSync(content.link, join(dir, name));
    else writeFileSync(join(dir, name), content);
  }
  swapLink(link, join('.worktrees', hash));
  return { dir, hash };
}

const mutations = (): number => MUTATING.reduce((n, op) => n + stack.calls(op), 0);
const problemsGauge = async (): Promise<number> => (await stack.app.metrics.sourceProblems.get()).values[0]!.value;
const httpStatus = async (path: string): Promise<number> => (await fetch(`${stack.app.server!.url}${path}`)).status;
const plan = (dir: string) => startProgram(built('controller/main.js'), ['plan', '--dir', dir, '--endpoint', stack.emu.url], ENV);

/** Waits for `n` more scans of the source (the rescan runs every 400 ms). */
async function scansPass(n: number): Promise<void> {
  const target = scans + n;
  await stack.until(`${n} rescans`, () => scans >= target);
}

/** A good commit: job a gets a new description, and the controller applies it. */
async function goodCommit(description: string): Promise<void> {
  const updates = stack.calls('UpdateJob');
  good = { ...good, 'a.yaml': manifest('a', { description }) };
  commit(good);
  await stack.until('the good commit to be applied', () => stack.job('a')?.description === description && stack.calls('UpdateJob') === updates + 1);
  expect(stack.app.source.status().problems).toEqual([]);
}

beforeAll(async () => {
  stack = await Stack.create();
  link = join(stack.root, 'repo');
  good = { 'a.yaml': manifest('a', {}), 'b.yaml': manifest('b', {}), 'c.yaml': manifest('c', {}) };
  commit(good);
  await stack.start([], (c) => ({ ...c, dir: link, rescanMs: 400 }));
  const source = stack.app.source as DirectorySource;
  const scan = source.scan.bind(source);
  source.scan = () => (scans++, scan());
  await stack.until('the three jobs and their ownership', () => stack.app.inventory.ownedKeys().length === 3);
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

describe('a bad commit to a converged controller', () => {
  it.each(CASES)('$name: refused by plan and by the controller, naming $file; the next good commit applies', async ({ name, file, bad }) => {
    const tree = { ...good };
    bad(tree);
    const before = mutations();
    const { dir, hash } = commit(tree);
    const planned = plan(dir);
    await stack.until('the commit to be refused', () => stack.app.source.status().failedRevision === hash);
    await scansPass(2);
    expect(mutations()).toBe(before);
    expect(stack.app.source.status().problems.map((p) => p.file)).toContain(file);
    expect(stack.app.source.status().revision).not.toBe(hash);
    expect(await problemsGauge()).toBeGreaterThan(0);
    expect([await httpStatus('/healthz'), await httpStatus('/readyz')]).toEqual([200, 200]);
    expect(await planned.exited).toBe(2);
    expect(planned.stdout()).toContain(`error  ${file}`);
    await goodCommit(`after ${name}`);
  });

  it('an emptied tree (every file deleted) is held by the prune guard: nothing is canceled, and the next good commit applies', async () => {
    const before = mutations();
    const { dir, hash } = commit({});
    const planned = plan(dir);
    await stack.until('the empty commit to be read', () => stack.app.source.status().revision === hash);
    await scansPass(2);
    expect(mutations()).toBe(before);
    expect((await stack.app.metrics.pruneBlocked.get()).values[0]!.value).toBe(1);
    expect(stack.job('b')!.status).toBe('IN_PROGRESS');
    // Not a problem of the tree (a tree may be empty): plan reports the removals as pending and held.
    expect(await planned.exited).toBe(1);
    expect(planned.stdout()).toContain('prune guard: the snapshot would remove every managed job');
    await goodCommit('after the emptied tree');
  });

  it('a manifest renamed to .YAML keeps its job: no change, no call, plan in sync', async () => {
    const before = mutations();
    const { 'b.yaml': b, ...rest } = good;
    const { dir, hash } = commit({ ...rest, 'b.YAML': b! });
    const planned = plan(dir);
    await stack.until('the renamed commit to be read', () => stack.app.source.status().revision === hash);
    await scansPass(2);
    expect(mutations()).toBe(before);
    expect(stack.app.source.keys().sort()).toEqual(['a', 'b', 'c']);
    expect(await planned.exited).toBe(0);
    expect(planned.stdout()).toContain('noop             b (job b): in sync');
  });
});

describe('a cold start on a bad commit', () => {
  it('stays up and unready, applies nothing, and takes the next good commit', async () => {
    const cold = await Stack.create();
    try {
      const coldLink = join(cold.root, 'repo');
      mkdirSync(join(cold.root, '.worktrees', 'bad'), { recursive: true });
      symlinkSync('gone.yaml', join(cold.root, '.worktrees', 'bad', 'a.yaml'));
      swapLink(coldLink, join('.worktrees', 'bad'));
      await cold.start([], (c) => ({ ...c, dir: coldLink, rescanMs: 400 }));
      expect(cold.app.source.synced()).toBe(false);
      expect(cold.app.source.status().problems).toEqual([{ file: 'a.yaml', message: 'the link points to gone.yaml, which does not exist' }]);
      expect((await fetch(`${cold.app.server!.url}/readyz`)).status).toBe(503);
      mkdirSync(join(cold.root, '.worktrees', 'good'));
      writeFileSync(join(cold.root, '.worktrees', 'good', 'a.yaml'), manifest('a', {}));
      swapLink(coldLink, join('.worktrees', 'good'));
      await cold.until('the job of the good commit', () => cold.job('a'));
      expect(cold.app.source.synced()).toBe(true);
      expect(cold.calls('CreateJob')).toBe(1);
    } finally {
      await cold.stop();
    }
  });
});
