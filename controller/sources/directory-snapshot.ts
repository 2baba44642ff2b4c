/**
 * One snapshot of the directory: resolve the root (a git-sync link) once, read the whole tree,
 * parse and validate all of it, and check that the tree did not change under the reader. Whatever
 * cannot be read or parsed is a problem that names its file, and any problem refuses the snapshot.
 * The revision is the link target's name (git-sync's commit hash) or a digest of the contents.
 */
import { createHash } from 'node:crypto';
import { basename, dirname, resolve } from 'node:path';
import type { DesiredJob } from '../model/iot-job.js';
import type { DesiredTemplate } from '../model/iot-job-template.js';
import type { ManifestProblem } from '../model/errors.js';
import { configMapsIn } from './kubernetes-manifests.js';
import { parseManifests, type ParseContext } from './manifests.js';
import type { ParseCache, TextCache } from './snapshot-cache.js';
import { DEFAULT_LIMITS, NODE_FS, TreeChanged, TreeReader, type TreeFs, type TreeLimits } from './tree-reader.js';

/** One read of the tree: its revision and its jobs and job templates, or its problems (then neither). */
export interface Snapshot {
  revision: string;
  /** A digest of the contents read; a change in it is a new snapshot even when the revision stays (a link target edited in place). */
  digest?: string;
  jobs: DesiredJob[];
  templates: DesiredTemplate[];
  problems: ManifestProblem[];
}

/** How to read a snapshot; undefined fields take their defaults (no caches, node:fs, DEFAULT_LIMITS). */
export interface SnapshotOptions {
  limits?: Partial<TreeLimits>;
  cache?: ParseCache;
  texts?: TextCache;
  fs?: Partial<TreeFs>;
  /** The tree holds Kubernetes manifests (sources/kubernetes-manifests.ts), read without the parse cache: an IoTJob's result depends on the ConfigMaps of other files. */
  kubernetes?: { namespace: string };
}

/** How many times a tree that keeps changing under the reader is read before it is a problem. */
const READ_ATTEMPTS = 3;

/**
 * The git-sync revision: the name of the link target when the root (or a parent) is a symlink to
 * a commit directory (named by its hash). A link to a directory of another name gives no revision:
 * the contents' digest is the revision then.
 */
function linkRevision(root: string, fs: TreeFs): string | undefined {
  for (let p = resolve(root), depth = 0; p !== dirname(p) && depth < 4; p = dirname(p), depth++) {
    let target: string;
    try {
      if (!fs.lstat(p).isSymbolicLink()) continue;
      target = basename(resolve(dirname(p), fs.readlink(p)));
    } catch {
      return undefined;
    }
    if (/^[0-9a-f]{7,64}$/.test(target)) return target;
  }
  return undefined;
}

/** Whether `root` still resolves to `base` through the same link: a git-sync swap during the read makes the read stale. */
function stillAt(fs: TreeFs, root: string, base: string, linkRev: string | undefined): boolean {
  try {
    return fs.realpath(root) === base && linkRevision(root, fs) === linkRev;
  } catch {
    return false;
  }
}

/**
 * Reads and validates the whole tree under `root` once. Whatever cannot be read or parsed is a
 * problem naming its file, and any problem refuses the snapshot (no jobs). Throws TreeChanged when
 * the tree changed mid-read (an entry vanished, or the link was swapped): the caller reads again.
 * Anything else it throws is a bug, which readSettled reports as a problem on the root.
 */
export function readSnapshot(root: string, validate: ParseContext['validate'], o: SnapshotOptions = {}): Snapshot {
  const fs: TreeFs = { ...NODE_FS, ...o.fs };
  const linkRev = linkRevision(root, fs);
  let base: string;
  try {
    base = fs.realpath(root);
  } catch (err) {
    return {
      revision: 'missing',
      jobs: [],
      templates: [],
      problems: [{ file: root, message: `the source directory cannot be read: ${(err as Error).message}` }],
    };
  }
  const tree = new TreeReader(base, { fs, limits: { ...DEFAULT_LIMITS, ...o.limits }, texts: o.texts }).readAll();
  const ctx: ParseContext = { validate, readDocumentFile: (manifestPath, documentFile) => tree.documentFile(manifestPath, documentFile) };
  if (o.kubernetes) ctx.kubernetes = { namespace: o.kubernetes.namespace, configMaps: configMapsIn(tree.files, o.kubernetes.namespace) };
  const parsed = parseManifests(tree.files, ctx, o.cache && !o.kubernetes ? (f) => o.cache!.parse(f, ctx) : undefined);
  if (tree.vanished || !stillAt(fs, root, base, linkRev)) throw new TreeChanged(`${root} changed while it was read`);
  const problems = [...tree.problems, ...parsed.problems];
  return { revision: linkRev ?? tree.digest(), digest: tree.digest(), ...(problems.length ? { jobs: [], templates: [] } : parsed), problems };
}

/**
 * readSnapshot, read again while the tree changes under the reader (git-sync swapping), three
 * tries at most. Never throws: a tree that keeps changing, or a bug, is a problem on the root.
 */
export function readSettled(root: string, validate: ParseContext['validate'], o: SnapshotOptions): Snapshot {
  let message: string;
  try {
    return readRetrying(root, validate, o);
  } catch (err) {
    message =
      err instanceof TreeChanged
        ? 'the directory changed while it was read, three times running; it is read again at the next change or rescan'
        : `reading the source directory failed: ${String(err)}`;
  }
  const revision = `unreadable:${createHash('sha256').update(message).digest('hex').slice(0, 12)}`;
  return { revision, jobs: [], templates: [], problems: [{ file: '.', message }] };
}

function readRetrying(root: string, validate: ParseContext['validate'], o: SnapshotOptions): Snapshot {
  for (let attempt = 1; ; attempt++) {
    try {
      return readSnapshot(root, validate, o);
    } catch (err) {
      if (!(err instanceof TreeChanged) || attempt >= READ_ATTEMPTS) throw err;
    }
  }
}
