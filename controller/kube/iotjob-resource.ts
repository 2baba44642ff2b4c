/**
 * The IoTJob and IoTJobTemplate custom resources as the API server serves them: their group,
 * version and plurals, the controller's finalizer, object paths and keys, and the read views of the
 * objects the controller knows (which the Kubernetes sources provide and kube/ writers use).
 */
import type { IoTJobSpec } from '../model/iot-job.js';
import type { IoTJobTemplateSpec } from '../model/iot-job-template.js';
import type { KeyProblem } from '../model/report.js';
import type { KubeObject } from './reflector.js';

/** The API group, version and plural of IoTJobs. */
export const GROUP = 'iot.gitops.dev';
export const VERSION = 'v1alpha1';
export const PLURAL = 'iotjobs';
/** The plural of IoTJobTemplates (crds/iotjobtemplate.yaml). */
export const TEMPLATE_PLURAL = 'iotjobtemplates';
/** The finalizer that holds an IoTJob (or IoTJobTemplate) until its deletionPolicy has been applied. */
export const FINALIZER = 'iot.gitops.dev/finalizer';

/** Annotations that ask for a reconcile now: our own, and Flux's (set by `flux reconcile`); any new value asks again. */
export const RECONCILE_ANNOTATION = 'iot.gitops.dev/reconcile-requested-at';
export const FLUX_RECONCILE_ANNOTATION = 'reconcile.fluxcd.io/requestedAt';

/** An IoTJob as the API server returns it. */
export interface IoTJobObject extends KubeObject {
  metadata: KubeObject['metadata'] & { annotations?: Record<string, string> };
  apiVersion?: string;
  kind?: string;
  spec: IoTJobSpec;
  status?: Record<string, unknown> & { conditions?: { type: string; status: string; lastTransitionTime: string }[] };
}

/** An IoTJobTemplate as the API server returns it. */
export interface IoTJobTemplateObject extends KubeObject {
  spec: IoTJobTemplateSpec;
  status?: Record<string, unknown>;
}

/** What kube/ writers read of the IoTJobTemplates the source knows, and how they hand back what they wrote. */
export interface IoTJobTemplateView {
  object(key: string): IoTJobTemplateObject | undefined;
  accept(obj: IoTJobTemplateObject): void;
}

/** namespace/name of an object. */
export function keyOf(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** The path of one object of our group: an IoTJob (plural iotjobs) or an IoTJobTemplate (iotjobtemplates). */
export function objectPath(plural: string, namespace: string, name: string): string {
  return `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(namespace)}/${plural}/${encodeURIComponent(name)}`;
}

/** The path of one IoTJob. */
export function iotJobPath(namespace: string, name: string): string {
  return objectPath(PLURAL, namespace, name);
}

/**
 * The reconcile request an IoTJob carries: the later (greatest, as RFC 3339 times sort) of the two
 * annotations' values, so that setting either asks again and the handled value never goes back;
 * undefined when neither is set. status.lastHandledReconcileAt reports it once handled.
 */
export function reconcileRequestOf(o: IoTJobObject): string | undefined {
  const a = o.metadata.annotations ?? {};
  const values = [a[RECONCILE_ANNOTATION], a[FLUX_RECONCILE_ANNOTATION]].filter((v): v is string => v !== undefined && v !== '');
  return values.sort().at(-1);
}

/** Whether an object carries the controller's finalizer. */
export function hasFinalizer(o: KubeObject): boolean {
  return (o.metadata.finalizers ?? []).includes(FINALIZER);
}

/** What kube/ writers read of the IoTJobs the source knows, and how they hand back what they wrote. */
export interface IoTJobView {
  /** The IoTJob object of a key, as last seen; undefined when it is gone. */
  object(key: string): IoTJobObject | undefined;
  /** Why the deletion guard holds an IoTJob's deletion; undefined when it does not. */
  heldDeletion(key: string): string | undefined;
  /** Why an IoTJob cannot be reconciled now; undefined when it can. */
  problemOf(key: string): KeyProblem | undefined;
  /** Takes an object the controller just wrote, as a watch event would bring it. */
  accept(obj: IoTJobObject): void;
}
