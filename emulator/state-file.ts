/**
 * The optional --state-file: the service state saved as JSON after changes (debounced) and
 * loaded at start, written atomically (a temporary file renamed over the old one), so a restart
 * or a crash mid-write loses no job.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { IotJobsService } from './core/service.js';
import { restore, snapshot, type Snapshot } from './core/snapshot.js';

/** Loads the state file into the service if the file exists; returns whether it did. */
export function loadStateFile(service: IotJobsService, path: string): boolean {
  if (!existsSync(path)) return false;
  let snap: Snapshot;
  try {
    snap = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  } catch (err) {
    throw new Error(`state file ${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  restore(service.state, snap);
  return true;
}

/** Writes the service state to `path` atomically. */
export function saveStateFile(service: IotJobsService, path: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(snapshot(service.state)));
  renameSync(tmp, path);
}

/** Saves the state at most every `debounceMs` after a change; `flush` saves now if anything is pending. */
export function autoSave(service: IotJobsService, path: string, debounceMs = 200): { flush(): void; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    saveStateFile(service, path);
  };
  const onChange = (): void => {
    timer ??= setTimeout(flush, debounceMs);
  };
  service.onMutation.add(onChange);
  return {
    flush: () => {
      if (timer) flush();
    },
    stop: () => {
      service.onMutation.delete(onChange);
      if (timer) flush();
    },
  };
}
