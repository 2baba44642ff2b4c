/**
 * Kubernetes mode: IoTJob and IoTJobTemplate custom resources. Before the first change in AWS the
 * IoTJob gets the finalizer; after each reconcile its status, events, hold or finalizer removal are
 * written (kube/status-writer.ts); failed things are read with the observation for the status.
 * IoTJobTemplates get theirs around each template sync (kube/template-status.ts).
 */
import type { IotJobs } from '../aws/iot-jobs.js';
import type { Config, KubernetesConfig } from '../config.js';
import { EventRecorder } from '../kube/events.js';
import { IoTJobWriter } from '../kube/iotjob-writer.js';
import type { KubeRest } from '../kube/rest.js';
import { StatusWriter } from '../kube/status-writer.js';
import type { Clock } from '../model/clock.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { FailedThingsReader } from '../runtime/failed-things.js';
import type { ReconcileHooks } from '../runtime/hooks.js';
import { KubernetesSource } from '../sources/kubernetes-source.js';
import { KubernetesTemplateSource } from '../sources/kubernetes-templates.js';
import { templateHooks } from '../kube/template-status.js';
import type { Mode } from './mode.js';

/** What Kubernetes mode is built from. */
export interface KubernetesModeDeps {
  rest: KubeRest;
  jobs: IotJobs;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** The name events are reported by (this replica's identity). */
  identity: string;
}

/** Builds Kubernetes mode. */
export function kubernetesMode(config: Config, k: KubernetesConfig, d: KubernetesModeDeps): Mode {
  const guard = { maxShare: config.maxPruneShare, maxDeletions: config.maxDeletions, windowMs: config.deletionWindowMs };
  // Both sources watch the same namespaces with the same selector.
  const watch = { rest: d.rest, namespaces: k.namespaces, labelSelector: k.labelSelector, clock: d.clock, metrics: d.metrics, relistMs: k.relistMs };
  const source = new KubernetesSource({ ...watch, logger: d.logger.child({ component: 'source' }), deletionGuard: guard });
  const writer = new IoTJobWriter(d.rest);
  const events = new EventRecorder(d.rest, d.clock, d.logger.child({ component: 'events' }), d.identity);
  const status = new StatusWriter({
    rest: d.rest,
    view: source,
    writer,
    events,
    clock: d.clock,
    logger: d.logger.child({ component: 'status' }),
  });
  const hooks: ReconcileHooks = {
    async beforeMutate(key) {
      const obj = source.object(key);
      if (!obj) throw new Error(`IoTJob ${key} is gone`);
      const updated = await writer.addFinalizer(obj);
      if (updated) source.accept(updated);
    },
    afterReconcile: (r) => status.report(r),
  };
  const templates = new KubernetesTemplateSource({ ...watch, logger: d.logger.child({ component: 'template-source' }) });
  return {
    source,
    hooks,
    failedThings: new FailedThingsReader(d.jobs, d.logger.child({ component: 'failed-things' })),
    templates: { source: templates, hooks: templateHooks({ rest: d.rest, source: templates, clock: d.clock }) },
  };
}
