/**
 * The --state-file: the ledger as one JSON file, replaced atomically (write a temporary file,
 * fsync it, rename it over the old one, fsync the directory), so a crash leaves the old file or
 * the new one, never half of either. A file that cannot be read or belongs to another controller
 * id stops the start: forgetting would mean creating again jobs that someone deleted.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { LedgerEntry, LedgerStore } from './ledger.js';

const VERSION = 1;

/** A state file that cannot be used; the message says which file and why. */
export class StateFileError extends Error {
  override readonly name = 'StateFileError';
}

interface FileShape {
  version: number;
  controllerId: string;
  jobs: Record<string, LedgerEntry>;
}

/** The ledger kept in `path` for controller `controllerId`. */
export class StateFile implements LedgerStore {
  constructor(
    readonly where: string,
    private readonly controllerId: string,
  ) {}

  load(): Record<string, LedgerEntry> {
    let text: string;
    try {
      text = readFileSync(this.where, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new StateFileError(`the state file ${this.where} cannot be read: ${(err as Error).message}`);
    }
    const data = parseShape(text, this.where);
    if (data.controllerId !== this.controllerId) {
      throw new StateFileError(
        `the state file ${this.where} belongs to controller id "${data.controllerId}", not "${this.controllerId}"; give each controller id its own state file`,
      );
    }
    return data.jobs;
  }

  save(jobs: Record<string, LedgerEntry>, generation: number): void {
    mkdirSync(dirname(this.where), { recursive: true });
    const tmp = `${this.where}.tmp-${generation}`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, this.body(jobs));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.install(
      tmp,
      generation,
      () => rmSync(tmp, { force: true }),
      () => renameSync(tmp, this.where),
    );
    syncDirectory(dirname(this.where));
  }

  async saveInBackground(jobs: Record<string, LedgerEntry>, generation: number): Promise<void> {
    await mkdir(dirname(this.where), { recursive: true });
    const tmp = `${this.where}.tmp-${generation}`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(this.body(jobs));
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (generation <= this.installed) return void (await rm(tmp, { force: true }));
    await rename(tmp, this.where);
    this.installed = Math.max(this.installed, generation);
    syncDirectory(dirname(this.where));
  }

  /** The newest generation renamed into place: an older write that finishes later is dropped. */
  private installed = 0;

  private install(tmp: string, generation: number, drop: () => void, rename: () => void): void {
    if (generation <= this.installed) return drop();
    rename();
    this.installed = generation;
  }

  private body(jobs: Record<string, LedgerEntry>): string {
    return JSON.stringify({ version: VERSION, controllerId: this.controllerId, jobs } satisfies FileShape);
  }
}

function parseShape(text: string, where: string): FileShape {
  let data: Partial<FileShape>;
  try {
    data = JSON.parse(text) as Partial<FileShape>;
  } catch (err) {
    throw new StateFileError(
      `the state file ${where} is not valid JSON (${(err as Error).message}); restore it from a backup or, knowing that jobs deleted outside the controller may then be created again, remove it`,
    );
  }
  if (data.version !== VERSION || typeof data.controllerId !== 'string' || typeof data.jobs !== 'object' || data.jobs === null) {
    throw new StateFileError(`the state file ${where} is not a version ${VERSION} iot-jobs-controller state file`);
  }
  for (const [jobId, e] of Object.entries(data.jobs)) {
    if (typeof e?.key !== 'string' || !['live', 'deleting', 'gone'].includes(e.state))
      throw new StateFileError(`the state file ${where} has an invalid entry for job ${jobId}`);
  }
  return data as FileShape;
}

/** Makes a rename durable (directories cannot be fsynced on some platforms; that is not an error). */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Not supported here; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
