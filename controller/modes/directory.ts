/**
 * Directory mode: manifests from a directory (a git-sync checkout), IoTJobTemplates among them.
 * Nothing happens around a reconcile or a template sync beyond what every mode does (the status
 * board, logs and metrics).
 */
import type { Config } from '../config.js';
import type { Clock } from '../model/clock.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { NO_HOOKS } from '../runtime/hooks.js';
import { NO_TEMPLATE_HOOKS } from '../runtime/template-sync.js';
import { compileManifestValidator } from '../sources/crd-schema.js';
import { DirectorySource } from '../sources/directory-source.js';
import type { Mode } from './mode.js';

/** Builds directory mode; `watch` false for a one-off plan, `once` for a rehearsal (the tree is read once, neither watched nor rescanned). */
export function directoryMode(config: Config, d: { clock: Clock; logger: Logger; metrics: Metrics; watch: boolean; once?: boolean }): Mode {
  const source = new DirectorySource({
    root: config.dir!,
    validate: compileManifestValidator(),
    clock: d.clock,
    logger: d.logger.child({ component: 'source' }),
    metrics: d.metrics,
    debounceMs: config.debounceMs,
    rescanMs: config.rescanMs,
    limits: { maxFiles: config.maxFiles },
    watch: d.watch && !d.once,
    rescan: !d.once,
    kubernetes: config.kubernetesManifests,
  });
  return { source, hooks: NO_HOOKS, templates: { source, hooks: NO_TEMPLATE_HOOKS } };
}
