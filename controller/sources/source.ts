/**
 * A source of desired state. Sources are triggers; the truth is a full, validated snapshot stamped
 * with a revision (ARCHITECTURE.md principle 8).
 */
import type { DesiredJob } from '../model/iot-job.js';
import type { ManifestProblem } from '../model/errors.js';
import type { KeyProblem } from '../model/report.js';

/** The last good snapshot and the state of the latest attempt. */
export interface SourceStatus {
  /** The revision of the last good snapshot; undefined before the first. */
  revision?: string;
  /** Problems of the latest snapshot, when it was refused (the last good one stays in force); in Kubernetes mode, each IoTJob's own problem (`file` is its key). */
  problems: ManifestProblem[];
  /** The revision (or digest) of the latest refused snapshot. */
  failedRevision?: string;
}

/** Where IoTJob manifests come from. */
export interface DesiredSource {
  /** A short name for logs and metrics: "directory" or "kubernetes". */
  readonly kind: string;
  /** The desired job for a manifest key; undefined when the manifest is gone. */
  get(key: string): DesiredJob | undefined;
  /** Every manifest key of the last good snapshot. */
  keys(): string[];
  /** The last good revision and the latest problems. */
  status(): SourceStatus;
  /** Whether a good snapshot has been loaded since start. */
  synced(): boolean;
  /**
   * Starts watching; `onChange` is called after each new good snapshot with the keys whose desired
   * state changed (added, edited or removed). Resolves after the first attempt.
   */
  start(onChange: (changed: string[]) => void): Promise<void>;
  stop(): Promise<void>;
  /**
   * Whether an owned job whose manifest is absent is pruned. True for a directory (the manifest was
   * removed from the tree, behind the prune guard); false for Kubernetes, where only a deletion
   * request (see `leaving`) removes a job.
   */
  readonly prunesAbsent: boolean;
  /** The desired job of a manifest being deleted whose deletionPolicy is still to be applied; undefined otherwise. */
  leaving?(key: string): DesiredJob | undefined;
  /** Why a manifest that exists cannot be reconciled now; undefined when it can (or does not exist). */
  problemOf?(key: string): KeyProblem | undefined;
}
