/**
 * Errors that carry their retry intent in their type (ARCHITECTURE.md principle 6). Guard them
 * with instanceof, never with message text.
 */

/** Retrying will not help until the input changes: the job is Stalled and not requeued. */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
}

/** An expected delay, not a failure: requeue after `afterMs`. */
export class WaitError extends Error {
  override readonly name = 'WaitError';
  constructor(
    message: string,
    readonly afterMs: number,
  ) {
    super(message);
  }
}

/** AWS asked us to slow down (throttling or a service limit): back off and retry. */
export class ThrottledError extends Error {
  override readonly name = 'ThrottledError';
}

/**
 * One problem in a manifest: the file (relative to the source root; '.' for the tree as a whole),
 * the line and the field it is about (undefined when not known or not one field). Any problem,
 * a warning too, refuses the whole snapshot.
 */
export interface ManifestProblem {
  file: string;
  line?: number;
  field?: string;
  message: string;
  /** 'warning' for what the YAML parser only warns about (an unknown tag); undefined for an error. */
  severity?: 'warning';
}

/** Formats a problem as `file:line: field: message`. */
export function formatProblem(p: ManifestProblem): string {
  return `${p.file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.field ? `${p.field}: ` : ''}${p.message}`;
}

/** A snapshot of the manifests that cannot be used; nothing acts on it. */
export class SnapshotError extends Error {
  override readonly name = 'SnapshotError';
  constructor(readonly problems: ManifestProblem[]) {
    super(
      `${problems.length} problem${problems.length === 1 ? '' : 's'} in the manifests: ${problems.slice(0, 5).map(formatProblem).join('; ')}${problems.length > 5 ? '; …' : ''}`,
    );
  }
}
