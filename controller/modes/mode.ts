/**
 * What a mode (directory or Kubernetes) contributes to the app: where desired state comes from,
 * what happens around each reconcile, and whether failed things are read for a status.
 */
import type { FailedThingsReader } from '../runtime/failed-things.js';
import type { ReconcileHooks } from '../runtime/hooks.js';
import type { DesiredSource } from '../sources/source.js';

/** The parts one mode builds. */
export interface Mode {
  source: DesiredSource;
  hooks: ReconcileHooks;
  failedThings?: FailedThingsReader;
}
