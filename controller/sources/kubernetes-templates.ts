/**
 * IoTJobTemplate custom resources, listed and watched in all namespaces or in the configured ones
 * (with the IoTJobs' label selector). The API server has validated each object against
 * crds/iotjobtemplate.yaml; this source resolves its document and its id, and reports each object
 * on its own. Of two objects claiming one jobTemplateId, the older keeps it.
 *
 * Keys are `namespace/name`. An object being deleted that still carries the controller's finalizer
 * is leaving: the template sync applies its deletionPolicy, then takes the finalizer off. An owned
 * template whose object is simply absent is left alone: in this mode only a deletion removes it.
 */
import type { DesiredTemplate } from '../model/iot-job-template.js';
import { GROUP, hasFinalizer, keyOf, TEMPLATE_PLURAL, VERSION, type IoTJobTemplateObject, type IoTJobTemplateView } from '../kube/iotjob-resource.js';
import { Reflector } from '../kube/reflector.js';
import { ClaimIndex } from './claims.js';
import { defaultJobId } from './desired-job.js';
import { desiredTemplateOf } from './desired-template.js';
import type { KubernetesSourceOptions } from './kubernetes-source.js';
import type { TemplateProblem, TemplateSource } from './template-source.js';

/** How the source is set up: as the IoTJob source is, less its deletion guard. */
export type KubernetesTemplatesOptions = Omit<KubernetesSourceOptions, 'deletionGuard' | 'watchTimeoutSeconds'>;

/** The template id an object claims: spec.jobTemplateId, else the default from its name. */
function idClaimed(o: IoTJobTemplateObject): string {
  return o.spec?.jobTemplateId ?? defaultJobId(o.metadata.name);
}

/** Whether two versions of an object agree in what the desired state is made of, so only a status write lies between them. */
function sameDesired(a: IoTJobTemplateObject | undefined, b: IoTJobTemplateObject): boolean {
  return (
    a !== undefined &&
    a.metadata.generation === b.metadata.generation &&
    a.metadata.deletionTimestamp === b.metadata.deletionTimestamp &&
    hasFinalizer(a) === hasFinalizer(b)
  );
}

/** One object as the source judges it: its template (leaving when being deleted), or its problem. */
type Judged = { template: DesiredTemplate; leaving: boolean } | { problem: TemplateProblem };

/** IoTJobTemplates from the Kubernetes API. */
export class KubernetesTemplateSource implements TemplateSource, IoTJobTemplateView {
  readonly prunesAbsent = false;
  private readonly objects = new Map<string, IoTJobTemplateObject>();
  private readonly reflectors: Reflector<IoTJobTemplateObject>[];
  private onChange: () => void = () => {};
  /** The objects judged, kept until an object changes (a template pass reads them several times). */
  private judgement: Judged[] | undefined;

  constructor(o: KubernetesTemplatesOptions) {
    const scopes = o.namespaces && o.namespaces.length > 0 ? o.namespaces : [undefined];
    this.reflectors = scopes.map(
      (ns) =>
        new Reflector<IoTJobTemplateObject>({
          rest: o.rest,
          clock: o.clock,
          relistMs: o.relistMs,
          path: ns ? `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${TEMPLATE_PLURAL}` : `/apis/${GROUP}/${VERSION}/${TEMPLATE_PLURAL}`,
          labelSelector: o.labelSelector,
          logger: o.logger.child({ watch: TEMPLATE_PLURAL, namespace: ns ?? '*' }),
          onList: (items) => this.replace(ns, items),
          onEvent: (type, obj) => this.event(type, obj),
          onRelist: (reason) => o.metrics.sourceRelists.inc({ resource: TEMPLATE_PLURAL, reason }),
          onError: () => o.metrics.sourceErrors.inc(),
        }),
    );
  }

  async startTemplates(onChange: () => void): Promise<void> {
    this.onChange = onChange;
    await Promise.all(this.reflectors.map((r) => r.start()));
    onChange();
  }

  templatesSynced(): boolean {
    return this.reflectors.every((r) => r.synced);
  }

  async stopTemplates(): Promise<void> {
    await Promise.all(this.reflectors.map((r) => r.stop()));
  }

  /** The object of a key, as last seen. */
  object(key: string): IoTJobTemplateObject | undefined {
    return this.objects.get(key);
  }

  /** Takes an object the controller just wrote (a finalizer), as a watch event would bring it. */
  accept(obj: IoTJobTemplateObject): void {
    this.objects.set(keyOf(obj), obj);
    this.judgement = undefined;
  }

  templates(): DesiredTemplate[] {
    return this.judged().flatMap((j) => ('template' in j && !j.leaving ? [j.template] : []));
  }

  leavingTemplates(): DesiredTemplate[] {
    return this.judged().flatMap((j) => ('template' in j && j.leaving ? [j.template] : []));
  }

  templateProblems(): TemplateProblem[] {
    return this.judged().flatMap((j) => ('problem' in j ? [j.problem] : []));
  }

  /** Every object not being deleted without our finalizer, judged: its template, or its problem. */
  private judged(): Judged[] {
    this.judgement ??= this.judge();
    return this.judgement;
  }

  private judge(): Judged[] {
    const holders = this.holders();
    const out: Judged[] = [];
    for (const [key, obj] of this.objects) {
      const deleting = obj.metadata.deletionTimestamp !== undefined;
      if (deleting && !hasFinalizer(obj)) continue;
      const generation = obj.metadata.generation;
      const holder = holders.holder(idClaimed(obj));
      if (!deleting && holder !== key) {
        out.push({ problem: { key, generation, message: `spec.jobTemplateId: "${idClaimed(obj)}" is already claimed by IoTJobTemplate ${holder}` } });
        continue;
      }
      const t = desiredTemplateOf({ key, name: obj.metadata.name, spec: obj.spec, origin: { file: key, doc: 0, line: 0 }, generation }, {});
      if ('message' in t) {
        // A leaving object needs no document: its deletionPolicy acts on the template by its id.
        if (deleting) out.push({ template: { key, jobTemplateId: idClaimed(obj), spec: obj.spec, origin: { file: key, doc: 0, line: 0 } }, leaving: true });
        else out.push({ problem: { key, generation, message: `${t.field}: ${t.message}` } });
      } else out.push({ template: t, leaving: deleting });
    }
    return out;
  }

  /** Which key holds each claimed id: of the objects not being deleted, the older by creation time, then key (claims.ts 'older-wins', as for IoTJobs). */
  private holders(): ClaimIndex<string> {
    const age = (key: string): string => `${this.objects.get(key)?.metadata.creationTimestamp ?? ''}|${key}`;
    const claims = new ClaimIndex<string>({ kind: 'older-wins', age });
    for (const [key, obj] of this.objects) if (obj.metadata.deletionTimestamp === undefined) claims.claim(idClaimed(obj), key);
    return claims;
  }

  private replace(ns: string | undefined, items: IoTJobTemplateObject[]): void {
    this.judgement = undefined;
    for (const [key, obj] of this.objects) if (ns === undefined || obj.metadata.namespace === ns) this.objects.delete(key);
    for (const obj of items) this.objects.set(keyOf(obj), obj);
    this.onChange();
  }

  private event(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: IoTJobTemplateObject): void {
    const key = keyOf(obj);
    const before = this.objects.get(key);
    this.judgement = undefined;
    if (type === 'DELETED') this.objects.delete(key);
    else this.objects.set(key, obj);
    if (type === 'DELETED' || !sameDesired(before, obj)) this.onChange();
  }
}
