/**
 * The directory source: IoTJob manifests in a tree of *.yaml / *.yml files, typically a git-sync
 * checkout whose root is a symlink that git-sync swaps atomically. On every hint (a chokidar event,
 * debounced) and on a timer, it resolves the link once, reads the whole tree, validates all of it
 * and only then replaces the desired state. A bad snapshot changes nothing: the last good one stays.
 * Whatever cannot be read or parsed is a problem that names its file, never an exception: a scan
 * never throws, so a bad commit neither freezes the source nor crashes the process.
 * The revision is the link target's name (git-sync's commit hash) or a digest of the contents.
 */
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { DesiredJob } from '../model/iot-job.js';
import { formatProblem, type ManifestProblem } from '../model/errors.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Clock, Timer } from '../model/clock.js';
import { parseManifests, type ParseContext } from './manifests.js';
import { ParseCache, TextCache } from './snapshot-cache.js';
import type { DesiredSource, SourceStatus } from './source.js';
import { DEFAULT_LIMITS, NODE_FS, TreeChanged, TreeReader, type TreeFs, type TreeLimits } from './tree-reader.js';

export { DEFAULT_LIMITS, ParseCache, TextCache, type TreeFs, type TreeLimits };

/** How to build a directory source. */
export interface DirectorySourceOptions {
  root: string;
  validate: ParseContext['validate'];
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  debounceMs?: number;
  rescanMs?: number;
  limits?: Partial<TreeLimits>;
  /** Watch with chokidar (default true); tests of the pure snapshot logic may turn it off. */
  watch?: boolean;
  /** File-system calls to use instead of node:fs; undefined ones are node's (tests inject failures). */
  fs?: Partial<TreeFs>;
}

/** One read of the tree: its revision and its jobs, or its problems (then no jobs). */
export interface Snapshot {
  revision: string;
  /** A digest of the contents read; a change in it is a new snapshot even when the revision stays (a link target edited in place). */
  digest?: string;
  jobs: DesiredJob[];
  problems: ManifestProblem[];
}

/** How to read a snapshot; undefined fields take their defaults (no caches, node:fs, DEFAULT_LIMITS). */
export interface SnapshotOptions {
  limits?: Partial<TreeLimits>;
  cache?: ParseCache;
  texts?: TextCache;
  fs?: Partial<TreeFs>;
}

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
 * Anything else it throws is a bug, which DirectorySource reports as a problem on the root.
 */
export function readSnapshot(root: string, validate: ParseContext['validate'], o: SnapshotOptions = {}): Snapshot {
  const fs: TreeFs = { ...NODE_FS, ...o.fs };
  const linkRev = linkRevision(root, fs);
  let base: string;
  try {
    base = fs.realpath(root);
  } catch (err) {
    return { revision: 'missing', jobs: [], problems: [{ file: root, message: `the source directory cannot be read: ${(err as Error).message}` }] };
  }
  const tree = new TreeReader(base, { fs, limits: { ...DEFAULT_LIMITS, ...o.limits }, texts: o.texts }).readAll();
  const ctx: ParseContext = { validate, readDocumentFile: (manifestPath, documentFile) => tree.documentFile(manifestPath, documentFile) };
  const parsed = parseManifests(tree.files, ctx, o.cache ? (f) => o.cache!.parse(f, ctx) : undefined);
  if (tree.vanished || !stillAt(fs, root, base, linkRev)) throw new TreeChanged(`${root} changed while it was read`);
  const problems = [...tree.problems, ...parsed.problems];
  return { revision: linkRev ?? tree.digest(), digest: tree.digest(), jobs: problems.length ? [] : parsed.jobs, problems };
}

/** The keys added, removed or changed in content between two snapshots. */
export function changedKeys(before: ReadonlyMap<string, DesiredJob>, after: ReadonlyMap<string, DesiredJob>): string[] {
  const out: string[] = [];
  const same = (a: DesiredJob, b: DesiredJob): boolean => a.jobId === b.jobId && a.document === b.document && a.documentSource === b.documentSource && JSON.stringify(a.spec) === JSON.stringify(b.spec);
  for (const [k, job] of after) {
    const old = before.get(k);
    // The parse cache hands back the same object for an unchanged file, so most checks end here.
    if (old !== job && (!old || !same(old, job))) out.push(k);
  }
  for (const k of before.keys()) if (!after.has(k)) out.push(k);
  return out;
}

/** The directory source. */
export class DirectorySource implements DesiredSource {
  readonly kind = 'directory';
  readonly prunesAbsent = true;
  private jobs = new Map<string, DesiredJob>();
  private state: SourceStatus = { problems: [] };
  private good = false;
  /** The digest of the snapshot in force. */
  private digest: string | undefined;
  private watchers: FSWatcher[] = [];
  private watchedTarget: string | undefined;
  private debounce: Timer | undefined;
  private rescan: Timer | undefined;
  private onChange: (changed: string[]) => void = () => undefined;
  private stopped = false;
  private readonly cache = new ParseCache();
  private readonly texts = new TextCache();

  constructor(private readonly o: DirectorySourceOptions) {}

  get(key: string): DesiredJob | undefined {
    return this.jobs.get(key);
  }

  keys(): string[] {
    return [...this.jobs.keys()];
  }

  status(): SourceStatus {
    return this.state;
  }

  synced(): boolean {
    return this.good;
  }

  async start(onChange: (changed: string[]) => void): Promise<void> {
    this.onChange = onChange;
    this.scan();
    this.scheduleRescan();
  }

  /** Reads the tree now; applies it when it is good and new, refuses it otherwise. Never throws. */
  scan(): Snapshot {
    const snap = this.read();
    this.cache.sweep();
    this.texts.sweep();
    if (this.o.watch ?? true) this.watchSafely();
    if (snap.problems.length > 0) this.refuse(snap);
    else this.apply(snap);
    return snap;
  }

  /** One snapshot; any error but a changing tree is a problem on the root, so that scan never throws. */
  private read(): Snapshot {
    let message: string;
    try {
      return this.readSettled();
    } catch (err) {
      message = err instanceof TreeChanged ? 'the directory changed while it was read, three times running; it is read again at the next change or rescan' : `reading the source directory failed: ${String(err)}`;
    }
    const revision = `unreadable:${createHash('sha256').update(message).digest('hex').slice(0, 12)}`;
    return { revision, jobs: [], problems: [{ file: '.', message }] };
  }

  /** Reads the snapshot again while the tree changes under the reader (git-sync swapping), three tries at most. */
  private readSettled(): Snapshot {
    const options: SnapshotOptions = { limits: this.o.limits, cache: this.cache, texts: this.texts, fs: this.o.fs };
    for (let attempt = 1; ; attempt++) {
      try {
        return readSnapshot(this.o.root, this.o.validate, options);
      } catch (err) {
        if (!(err instanceof TreeChanged) || attempt >= 3) throw err;
      }
    }
  }

  private refuse(snap: Snapshot): void {
    const isNew = snap.revision !== this.state.failedRevision;
    this.state = { revision: this.state.revision, problems: snap.problems, failedRevision: snap.revision };
    this.o.metrics.sourceProblems.set(snap.problems.length);
    if (!isNew) return;
    this.o.metrics.sourceErrors.inc();
    for (const p of snap.problems) this.o.logger.error({ revision: snap.revision, file: p.file, line: p.line, field: p.field, severity: p.severity }, `invalid manifest: ${formatProblem(p)}`);
    this.o.logger.error({ revision: snap.revision, lastGoodRevision: this.state.revision, problems: snap.problems.length }, 'snapshot refused; the last good snapshot stays in force and nothing is created, canceled or deleted on account of it');
  }

  private apply(snap: Snapshot): void {
    const changed = !this.good || snap.revision !== this.state.revision || snap.digest !== this.digest;
    this.digest = snap.digest;
    this.state = { revision: snap.revision, problems: [] };
    this.o.metrics.sourceProblems.set(0);
    if (!changed) return;
    const next = new Map(snap.jobs.map((j) => [j.key, j]));
    const keys = changedKeys(this.jobs, next);
    this.jobs = next;
    this.good = true;
    this.o.metrics.setRevision(this.kind, snap.revision);
    this.o.logger.info({ revision: snap.revision, manifests: snap.jobs.length, changed: keys.length }, 'new snapshot');
    try {
      this.onChange(keys);
    } catch (err) {
      this.o.logger.error({ err: String(err), revision: snap.revision }, 'handling the new snapshot failed; the next resync queues every key');
    }
  }

  private hint(): void {
    if (this.stopped) return;
    this.debounce?.cancel();
    this.debounce = this.o.clock.setTimer(() => this.scan(), this.o.debounceMs ?? 300);
  }

  private scheduleRescan(): void {
    if (this.stopped) return;
    this.rescan = this.o.clock.setTimer(() => {
      this.scan();
      this.scheduleRescan();
    }, this.o.rescanMs ?? 30_000);
  }

  private watchSafely(): void {
    try {
      this.ensureWatcher();
    } catch (err) {
      this.o.logger.warn({ err: String(err) }, 'the directory cannot be watched; the timed rescan carries on');
    }
  }

  /** Watches the link's parent (for swaps) and the resolved tree (for edits); re-created when the link target changes. */
  private ensureWatcher(): void {
    let target: string;
    try {
      target = realpathSync(this.o.root);
    } catch {
      return;
    }
    if (target === this.watchedTarget) return;
    for (const w of this.watchers) void w.close();
    this.watchedTarget = target;
    const root = resolve(this.o.root);
    const dotted = (p: string): boolean => basename(p).startsWith('.') && p !== root && p !== target;
    // chokidar watches directories only: its per-file watchers cost ~5 KB each and, with ten
    // thousand files, a quarter of a second per event. Events are hints, so the directory-level
    // 'raw' event (an inotify event, within a millisecond) is enough; the rescan reads the files.
    const ignored = (p: string, st?: { isFile(): boolean }): boolean => dotted(p) || (st?.isFile() ?? false);
    // The link's parent, shallowly, sees git-sync's atomic swap; the tree, deeply, sees edits in place.
    this.watchers = [
      watch(dirname(root), { ignoreInitial: true, followSymlinks: false, depth: 0, ignored }),
      watch(target, { ignoreInitial: true, followSymlinks: false, depth: 50, ignored }),
    ];
    for (const w of this.watchers) {
      w.on('raw', () => this.hint());
      w.on('all', () => this.hint());
      w.on('error', (err) => this.o.logger.warn({ err: (err as Error).message }, 'file watcher error; the timed rescan carries on'));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.debounce?.cancel();
    this.rescan?.cancel();
    await Promise.all(this.watchers.map((w) => w.close()));
  }
}
