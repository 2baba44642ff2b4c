/**
 * The directory source: IoTJob manifests in a tree of *.yaml / *.yml files, typically a git-sync
 * checkout whose root is a symlink that git-sync swaps atomically. On every hint (a chokidar event,
 * debounced) and on a timer, it resolves the link once, reads the whole tree, validates all of it
 * and only then replaces the desired state. A bad snapshot changes nothing: the last good one stays.
 * The revision is the link target's name (git-sync's commit hash) or a digest of the contents.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync, type BigIntStats } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { DesiredJob } from '../model/iot-job.js';
import { formatProblem, type ManifestProblem } from '../model/errors.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Clock, Timer } from '../runtime/clock.js';
import { parseManifests, type ManifestFile, type ParseContext } from './manifests.js';
import { ParseCache, TextCache } from './snapshot-cache.js';
import type { DesiredSource, SourceStatus } from './source.js';

export { ParseCache, TextCache };

/** Limits that keep one snapshot bounded. */
export interface TreeLimits {
  maxFiles: number;
  maxFileBytes: number;
  maxTotalBytes: number;
}

export const DEFAULT_LIMITS: TreeLimits = { maxFiles: 20_000, maxFileBytes: 1024 * 1024, maxTotalBytes: 64 * 1024 * 1024 };

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
}

/** One read of the tree: its revision and its jobs, or its problems. */
export interface Snapshot {
  revision: string;
  jobs: DesiredJob[];
  problems: ManifestProblem[];
}

class TreeChanged extends Error {}

/** Whether `child` is `root` or inside it. */
function inside(root: string, child: string): boolean {
  return child === root || child.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** The git-sync revision: the name of the link target when the root (or a parent) is a symlink to a commit directory. */
function linkRevision(root: string): string | undefined {
  for (let p = resolve(root), depth = 0; p !== dirname(p) && depth < 4; p = dirname(p), depth++) {
    let isLink = false;
    try {
      isLink = lstatSync(p).isSymbolicLink();
    } catch {
      return undefined;
    }
    if (!isLink) continue;
    const target = basename(resolve(dirname(p), readlinkSync(p)));
    if (depth === 0 || /^[0-9a-f]{7,64}$/.test(target)) return target;
  }
  return undefined;
}

/**
 * Reads the whole tree under `root` once. Throws TreeChanged when the tree vanishes mid-read
 * (git-sync removed the old worktree); the caller reads again.
 */
export function readSnapshot(root: string, validate: ParseContext['validate'], limits: TreeLimits = DEFAULT_LIMITS, cache?: ParseCache, texts?: TextCache): Snapshot {
  const linkRev = linkRevision(root);
  let base: string;
  try {
    base = realpathSync(root);
  } catch (err) {
    return { revision: 'missing', jobs: [], problems: [{ file: root, message: `the source directory cannot be read: ${(err as Error).message}` }] };
  }
  const problems: ManifestProblem[] = [];
  const files: ManifestFile[] = [];
  const digest = createHash('sha256');
  let total = 0;
  const read = (abs: string, rel: string, known?: BigIntStats): string | undefined => {
    const st = known ?? statSync(abs, { bigint: true });
    const size = Number(st.size);
    if (size > limits.maxFileBytes) {
      problems.push({ file: rel, message: `the file is ${size} bytes; at most ${limits.maxFileBytes} are allowed` });
      return undefined;
    }
    total += size;
    if (total > limits.maxTotalBytes) throw new RangeError(`the tree holds more than ${limits.maxTotalBytes} bytes of manifests`);
    const text = texts ? texts.read(abs, st) : readFileSync(abs, 'utf8');
    digest.update(`${rel}\0${text}\0`);
    return text;
  };
  try {
    walk(base, base, problems, (abs, rel, st) => {
      if (files.length >= limits.maxFiles) throw new RangeError(`the tree holds more than ${limits.maxFiles} manifest files`);
      const text = read(abs, rel, st);
      if (text !== undefined) files.push({ path: rel, text });
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new TreeChanged((err as Error).message);
    if (err instanceof RangeError) return { revision: linkRev ?? 'too-large', jobs: [], problems: [{ file: '.', message: err.message }] };
    throw err;
  }
  const readDocumentFile: ParseContext['readDocumentFile'] = (manifestPath, documentFile) => documentFileText(base, manifestPath, documentFile, (abs, rel) => read(abs, rel));
  const ctx: ParseContext = { validate, readDocumentFile };
  const parsed = parseManifests(files, ctx, cache ? (f) => cache.parse(f, ctx) : undefined);
  return { revision: linkRev ?? `sha256:${digest.digest('hex').slice(0, 16)}`, jobs: problems.length ? [] : parsed.jobs, problems: [...problems, ...parsed.problems] };
}

/** Visits every *.yaml / *.yml file, skipping dot-entries; links must stay inside the root. */
function walk(base: string, dir: string, problems: ManifestProblem[], visit: (abs: string, rel: string, st?: BigIntStats) => void): void {
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const abs = join(dir, name);
    const rel = relative(base, abs);
    const st = lstatSync(abs, { bigint: true });
    let real = abs;
    if (st.isSymbolicLink()) {
      real = realpathSync(abs);
      if (!inside(base, real)) {
        if (/\.ya?ml$/.test(name)) problems.push({ file: rel, message: 'the link points outside the synced directory' });
        continue;
      }
    }
    const target = st.isSymbolicLink() ? statSync(real, { bigint: true }) : st;
    if (target.isDirectory()) {
      if (!st.isSymbolicLink()) walk(base, abs, problems, visit);
    } else if (target.isFile() && (extname(name) === '.yaml' || extname(name) === '.yml')) {
      visit(real, rel, st.isSymbolicLink() ? undefined : st);
    }
  }
}

/** Reads a documentFile named relative to its manifest; it must resolve inside the root. */
function documentFileText(base: string, manifestPath: string, documentFile: string, read: (abs: string, rel: string) => string | undefined): { text: string } | { error: string } {
  const wanted = resolve(base, dirname(manifestPath), documentFile);
  if (!inside(base, wanted)) return { error: `${documentFile} escapes the synced directory` };
  let real: string;
  try {
    real = realpathSync(wanted);
  } catch {
    return { error: `${documentFile} does not exist` };
  }
  if (!inside(base, real)) return { error: `${documentFile} links outside the synced directory` };
  if (!statSync(real).isFile()) return { error: `${documentFile} is not a file` };
  const text = read(real, relative(base, real));
  return text === undefined ? { error: `${documentFile} is too large` } : { text };
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

  /** Reads the tree now; applies it when it is good and new. Returns the snapshot read. */
  scan(): Snapshot | undefined {
    let snap: Snapshot | undefined;
    for (let attempt = 0; attempt < 3 && !snap; attempt++) {
      try {
        snap = readSnapshot(this.o.root, this.o.validate, { ...DEFAULT_LIMITS, ...this.o.limits }, this.cache, this.texts);
      } catch (err) {
        if (!(err instanceof TreeChanged)) throw err;
      }
    }
    if (!snap) return undefined;
    this.cache.sweep();
    this.texts.sweep();
    if (this.o.watch ?? true) this.ensureWatcher();
    if (snap.problems.length > 0) this.refuse(snap);
    else this.apply(snap);
    return snap;
  }

  private refuse(snap: Snapshot): void {
    const isNew = snap.revision !== this.state.failedRevision;
    this.state = { revision: this.state.revision, problems: snap.problems, failedRevision: snap.revision };
    this.o.metrics.sourceProblems.set(snap.problems.length);
    if (!isNew) return;
    this.o.metrics.sourceErrors.inc();
    for (const p of snap.problems) this.o.logger.error({ revision: snap.revision, file: p.file, line: p.line, field: p.field }, `invalid manifest: ${formatProblem(p)}`);
    this.o.logger.error({ revision: snap.revision, lastGoodRevision: this.state.revision, problems: snap.problems.length }, 'snapshot refused; the last good snapshot stays in force and nothing is created, canceled or deleted on account of it');
  }

  private apply(snap: Snapshot): void {
    const changed = !this.good || snap.revision !== this.state.revision;
    this.state = { revision: snap.revision, problems: [] };
    this.o.metrics.sourceProblems.set(0);
    if (!changed) return;
    const next = new Map(snap.jobs.map((j) => [j.key, j]));
    const keys = changedKeys(this.jobs, next);
    this.jobs = next;
    this.good = true;
    this.o.metrics.setRevision(this.kind, snap.revision);
    this.o.logger.info({ revision: snap.revision, manifests: snap.jobs.length, changed: keys.length }, 'new snapshot');
    this.onChange(keys);
  }

  private hint(): void {
    if (this.stopped) return;
    this.debounce?.cancel();
    this.debounce = this.o.clock.setTimer(() => this.safeScan(), this.o.debounceMs ?? 300);
  }

  private safeScan(): void {
    try {
      this.scan();
    } catch (err) {
      this.o.logger.error({ err: (err as Error).message }, 'reading the source directory failed');
    }
  }

  private scheduleRescan(): void {
    if (this.stopped) return;
    this.rescan = this.o.clock.setTimer(() => {
      this.safeScan();
      this.scheduleRescan();
    }, this.o.rescanMs ?? 30_000);
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
