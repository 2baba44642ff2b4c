/**
 * What a mode (directory or Kubernetes) contributes to the app: where desired state comes from,
 * what happens around each reconcile, whether failed things are read for a status, and where
 * the job templates come from.
 */
import type { FailedThingsReader } from '../runtime/failed-things.js';
import type { ReconcileHooks } from '../runtime/hooks.js';
import type { TemplateHooks } from '../runtime/template-sync.js';
import type { DesiredSource } from '../sources/source.js';
import type { TemplateSource } from '../sources/template-source.js';

/** The parts one mode builds. */
export interface Mode {
  source: DesiredSource;
  hooks: ReconcileHooks;
  failedThings?: FailedThingsReader;
  /** Where the declared job templates come from, and what happens around their sync. */
  templates?: { source: TemplateSource; hooks: TemplateHooks };
}
