/**
 * Reads the manifest files of one tree: every *.yaml / *.yml file below the root (the extension in
 * any case), dot-entries skipped, links followed only inside the root. Whatever cannot be read
 * becomes a problem that names the entry (a dangling link, a loop of links, a denied read, a special
 * file, bytes that are not UTF-8, a link out of the tree), so a bad commit is refused and reported,
 * never skipped in silence (which would remove its jobs) nor thrown (which would freeze the source).
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync, type BigIntStats } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { ManifestProblem } from '../model/errors.js';
import type { ManifestFile } from './manifests.js';
import type { TextCache } from './snapshot-cache.js';
import { decodeUtf8, type FileText } from './utf8.js';

/** Limits that keep one snapshot bounded. */
export interface TreeLimits {
  maxFiles: number;
  maxFileBytes: number;
  maxTotalBytes: number;
}

export const DEFAULT_LIMITS: TreeLimits = { maxFiles: 20_000, maxFileBytes: 1024 * 1024, maxTotalBytes: 64 * 1024 * 1024 };

/** The file-system calls the reader makes; tests inject the failures (EACCES) that root never meets. */
export interface TreeFs {
  readdir(dir: string): string[];
  lstat(path: string): BigIntStats;
  stat(path: string): BigIntStats;
  realpath(path: string): string;
  readlink(path: string): string;
  readFile(path: string): Buffer;
}

/** The real file system. */
export const NODE_FS: TreeFs = {
  readdir: (dir) => readdirSync(dir),
  lstat: (path) => lstatSync(path, { bigint: true }),
  stat: (path) => statSync(path, { bigint: true }),
  realpath: (path) => realpathSync(path),
  readlink: (path) => readlinkSync(path),
  readFile: (path) => readFileSync(path),
};

/** The tree changed under the reader (an entry vanished, or git-sync swapped the link): read it again. */
export class TreeChanged extends Error {}

class LimitReached extends Error {}

/** Whether `child` is `root` or inside it. */
export function inside(root: string, child: string): boolean {
  return child === root || child.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** Whether a file name is a manifest's: it ends in .yaml or .yml, in any case (a rename to .YAML removes nothing). */
export function isManifestName(name: string): boolean {
  return /\.ya?ml$/i.test(name);
}

type Errno = NodeJS.ErrnoException;

/** Runs one file-system call; an errno error (one with a code) is returned, anything else (a bug) thrown. */
function tryFs<T>(fn: () => T): T | Errno {
  try {
    return fn();
  } catch (err) {
    if (err instanceof Error && typeof (err as Errno).code === 'string') return err;
    throw err;
  }
}

/** How a reader reads: the file system, the limits and, optionally, the decoded-text cache. */
export interface TreeReaderOptions {
  fs: TreeFs;
  limits: TreeLimits;
  texts?: TextCache;
}

/**
 * One read of the tree below `base` (a resolved path). After readAll(), `files` holds what can be
 * parsed and `problems` what cannot be read; `vanished` says an entry disappeared mid-read.
 */
export class TreeReader {
  readonly files: ManifestFile[] = [];
  readonly problems: ManifestProblem[] = [];
  /** An entry disappeared while it was read: the tree is changing, and the caller reads it again. */
  vanished = false;
  private total = 0;
  private readonly hash = createHash('sha256');

  constructor(
    private readonly base: string,
    private readonly o: TreeReaderOptions,
  ) {}

  /** Reads every manifest file of the tree; a limit reached is one problem on the root ('.'). */
  readAll(): this {
    try {
      this.dir(this.base);
    } catch (err) {
      if (!(err instanceof LimitReached)) throw err;
      this.problem('.', err.message);
    }
    return this;
  }

  /** A digest of all that was read, problems included: the revision when there is no git-sync link. */
  digest(): string {
    return `sha256:${this.hash.copy().digest('hex').slice(0, 16)}`;
  }

  /** Document files read in this snapshot, by real path. */
  private readonly documents = new Map<string, FileText>();

  /** The text of a documentFile named relative to its manifest; it must resolve to a file inside the root. */
  documentFile(manifestPath: string, documentFile: string): { text: string } | { error: string } {
    const path = this.documentPath(manifestPath, documentFile);
    if ('error' in path) return path;
    const r = this.document(path.real);
    if (r === undefined) return { error: `${documentFile} is not a file` };
    if (r instanceof Error) return this.lost(r, `${documentFile} cannot be read: ${r.message}`);
    return 'text' in r ? r : { error: `${documentFile}${r.line ? ` line ${r.line}` : ''}: ${r.message}` };
  }

  /** The real path of a documentFile named relative to its manifest, or why it has none inside the root (it escapes, is missing, unreadable or links out). */
  private documentPath(manifestPath: string, documentFile: string): { real: string } | { error: string } {
    const wanted = resolve(this.base, dirname(manifestPath), documentFile);
    if (!inside(this.base, wanted)) return { error: `${documentFile} escapes the synced directory` };
    const real = tryFs(() => this.o.fs.realpath(wanted));
    if (real instanceof Error) return { error: real.code === 'ENOENT' ? `${documentFile} does not exist` : `${documentFile} cannot be read: ${real.message}` };
    if (!inside(this.base, real)) return { error: `${documentFile} links outside the synced directory` };
    return { real };
  }

  /** A document file's text or decoding problem, an errno error when it cannot be read, undefined when it is not a file. */
  private document(real: string): FileText | Errno | undefined {
    const st = tryFs(() => this.o.fs.stat(real));
    if (st instanceof Error) return st;
    if (!st.isFile()) return undefined;
    // A document file that many manifests share is read, counted and digested once per snapshot.
    const r = this.documents.get(real) ?? this.read(real, relative(this.base, real), st);
    if (!(r instanceof Error)) this.documents.set(real, r);
    return r;
  }

  private dir(abs: string): void {
    const names = tryFs(() => this.o.fs.readdir(abs));
    if (names instanceof Error) return this.failed(abs, 'the directory cannot be read', names);
    for (const name of [...names].sort()) if (!name.startsWith('.')) this.entry(join(abs, name), name);
  }

  private entry(abs: string, name: string): void {
    const st = tryFs(() => this.o.fs.lstat(abs));
    if (st instanceof Error) return this.failed(abs, 'the entry cannot be read', st);
    if (st.isSymbolicLink()) this.link(abs, name);
    else if (st.isDirectory()) this.dir(abs);
    else if (isManifestName(name)) this.file(abs, this.rel(abs), st);
  }

  /** A link: followed when it stays inside the root; a directory it points to is read where it is. */
  private link(abs: string, name: string): void {
    const real = tryFs(() => this.o.fs.realpath(abs));
    if (real instanceof Error) return this.brokenLink(abs, real);
    const st = tryFs(() => this.o.fs.stat(real));
    if (st instanceof Error) return this.failed(abs, 'the link cannot be followed', st);
    const isManifest = isManifestName(name);
    if (!inside(this.base, real)) {
      // A manifest, or a directory that may hold some, out of the tree: refused, never read nor skipped.
      if (isManifest || st.isDirectory()) this.problem(this.rel(abs), 'the link points outside the synced directory');
    } else if (isManifest && !st.isDirectory()) {
      this.file(real, this.rel(abs), st);
    }
  }

  /** A link that leads nowhere is a problem whatever its name: it may have been a directory of manifests. */
  private brokenLink(abs: string, err: Errno): void {
    if (err.code === 'ELOOP') return this.problem(this.rel(abs), 'the link cannot be followed: it is a loop of links');
    if (err.code !== 'ENOENT') return this.failed(abs, 'the link cannot be followed', err);
    const target = tryFs(() => this.o.fs.readlink(abs));
    if (target instanceof Error) return this.failed(abs, 'the link cannot be read', target);
    this.problem(this.rel(abs), `the link points to ${target}, which does not exist`);
  }

  private file(abs: string, rel: string, st: BigIntStats): void {
    if (!st.isFile()) return this.problem(rel, 'is not a regular file; a manifest must be one');
    if (this.files.length >= this.o.limits.maxFiles) throw new LimitReached(`the tree holds more than ${this.o.limits.maxFiles} manifest files`);
    const r = this.read(abs, rel, st);
    if (r instanceof Error) return this.failed(abs, 'the file cannot be read', r);
    if ('text' in r) this.files.push({ path: rel, text: r.text });
    else this.problem(rel, r.message, r.line);
  }

  /** Reads and strictly decodes one file within the limits; an errno error when it cannot be read. */
  private read(abs: string, rel: string, st: BigIntStats): FileText | Errno {
    const size = Number(st.size);
    const { maxFileBytes, maxTotalBytes } = this.o.limits;
    if (size > maxFileBytes) return { message: `the file is ${size} bytes; at most ${maxFileBytes} are allowed` };
    this.total += size;
    if (this.total > maxTotalBytes) throw new LimitReached(`the tree holds more than ${maxTotalBytes} bytes of manifests`);
    const load = (): FileText => decodeUtf8(this.o.fs.readFile(abs));
    const r = tryFs(() => (this.o.texts ? this.o.texts.read(abs, st, load) : load()));
    if (!(r instanceof Error)) this.hash.update(`${rel}\0${'text' in r ? r.text : `!${r.message}`}\0`);
    return r;
  }

  /** An errno error on an entry: ENOENT means it vanished mid-read (read again); anything else is a problem. */
  private failed(abs: string, what: string, err: Errno): void {
    if (err.code === 'ENOENT') this.vanished = true;
    else this.problem(this.rel(abs), `${what}: ${err.message}`);
  }

  private lost(err: Errno, error: string): { error: string } {
    if (err.code === 'ENOENT') this.vanished = true;
    return { error };
  }

  private problem(file: string, message: string, line?: number): void {
    this.hash.update(`${file}\0!${message}\0`);
    this.problems.push(line === undefined ? { file, message } : { file, line, message });
  }

  private rel(abs: string): string {
    return relative(this.base, abs) || '.';
  }
}
