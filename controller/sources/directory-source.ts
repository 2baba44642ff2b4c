/**
 * The directory source: IoTJob manifests in a tree of *.yaml / *.yml files, typically a git-sync
 * checkout whose root is a symlink that git-sync swaps atomically. On every hint (a chokidar event,
 * debounced) and on a timer, it resolves the link once, reads the whole tree, validates all of it
 * and only then replaces the desired state. A bad snapshot changes nothing: the last good one stays.
 * Whatever cannot be read or parsed is a problem that names its file, never an exception: a scan
 * never throws, so a bad commit neither freezes the source nor crashes the process.
 * The revision is the link target's name (git-sync's commit hash) or a digest of the contents.
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { DesiredJob } from '../model/iot-job.js';
import { formatProblem } from '../model/errors.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Clock, Timer } from '../model/clock.js';
import { changedKeys, DesiredIndex } from './desired-index.js';
import { readSettled, readSnapshot, type Snapshot, type SnapshotOptions } from './directory-snapshot.js';
import type { ParseContext } from './manifests.js';
import { ParseCache, TextCache } from './snapshot-cache.js';
import type { DesiredTemplate } from '../model/iot-job-template.js';
import type { TemplateProblem, TemplateSource } from './template-source.js';
import type { DesiredSource, SourceStatus } from './source.js';
import { DEFAULT_LIMITS, type TreeFs, type TreeLimits } from './tree-reader.js';

export { changedKeys, DEFAULT_LIMITS, ParseCache, readSnapshot, TextCache, type Snapshot, type SnapshotOptions, type TreeFs, type TreeLimits };

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
  /** Read the tree again every rescanMs (default true); a rehearsal reads it once. */
  rescan?: boolean;
  /** File-system calls to use instead of node:fs; undefined ones are node's (tests inject failures). */
  fs?: Partial<TreeFs>;
  /**
   * The tree is a repository of Kubernetes manifests (plan of a pull request): keys are
   * namespace/name, and a job whose IoTJob is absent is not pruned (in the cluster only a deletion
   * removes a job).
   */
  kubernetes?: { namespace: string };
}

/** The directory source: a watcher that triggers scans, and the application of each snapshot to the desired-state index (its IoTJobTemplates too). */
export class DirectorySource implements DesiredSource, TemplateSource {
  readonly kind = 'directory';
  readonly prunesAbsent: boolean;
  /** A tree is all-or-nothing: two manifests claiming one jobId or name refuse the snapshot, naming both places. */
  private readonly index: DesiredIndex;
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
  /** The job templates of the snapshot in force. */
  private declaredTemplates: DesiredTemplate[] = [];

  constructor(private readonly o: DirectorySourceOptions) {
    this.index = new DesiredIndex({ metrics: o.metrics, conflicts: { kind: 'refuse-snapshot' } });
    this.prunesAbsent = o.kubernetes === undefined;
  }

  get(key: string): DesiredJob | undefined {
    return this.index.entry(key)?.job;
  }

  keys(): string[] {
    return this.index.keys();
  }

  templates(): DesiredTemplate[] {
    return this.declaredTemplates;
  }

  /** A directory's templates leave by their manifest's removal (pruning), never by a deletion request. */
  leavingTemplates(): DesiredTemplate[] {
    return [];
  }

  /** A directory refuses its whole snapshot for a bad template (status().problems), so no template has a problem of its own. */
  templateProblems(): TemplateProblem[] {
    return [];
  }

  templateRevision(): string | undefined {
    return this.state.revision;
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
    if (this.o.rescan ?? true) this.scheduleRescan();
  }

  /** Reads the tree now; applies it when it is good and new, refuses it otherwise. Never throws. */
  scan(): Snapshot {
    const options: SnapshotOptions = { limits: this.o.limits, cache: this.cache, texts: this.texts, fs: this.o.fs, kubernetes: this.o.kubernetes };
    const snap = readSettled(this.o.root, this.o.validate, options);
    this.cache.sweep();
    this.texts.sweep();
    if (this.o.watch ?? true) this.watchSafely();
    if (snap.problems.length > 0) this.refuse(snap);
    else this.apply(snap);
    return snap;
  }

  private refuse(snap: Snapshot): void {
    const isNew = snap.revision !== this.state.failedRevision;
    this.state = { revision: this.state.revision, problems: snap.problems, failedRevision: snap.revision };
    this.index.refused(snap.problems.length);
    if (!isNew) return;
    this.o.metrics.sourceErrors.inc();
    for (const p of snap.problems)
      this.o.logger.error(
        { revision: snap.revision, file: p.file, line: p.line, field: p.field, severity: p.severity },
        `invalid manifest: ${formatProblem(p)}`,
      );
    this.o.logger.error(
      { revision: snap.revision, lastGoodRevision: this.state.revision, problems: snap.problems.length },
      'snapshot refused; the last good snapshot stays in force and nothing is created, canceled or deleted on account of it',
    );
  }

  private apply(snap: Snapshot): void {
    const changed = !this.good || snap.revision !== this.state.revision || snap.digest !== this.digest;
    this.digest = snap.digest;
    this.state = { revision: snap.revision, problems: [] };
    this.index.refused(0);
    if (!changed) return;
    const keys = this.index.replace(snap.jobs);
    this.declaredTemplates = snap.templates;
    this.good = true;
    this.o.metrics.setRevision(this.kind, snap.revision);
    this.o.logger.info({ revision: snap.revision, manifests: snap.jobs.length, templates: snap.templates.length, changed: keys.length }, 'new snapshot');
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
