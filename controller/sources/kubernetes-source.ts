/**
 * The Kubernetes source: IoTJob custom resources, listed and watched in all namespaces or in the
 * configured ones (optionally filtered by a label selector, for sharding), and the ConfigMaps
 * their documentConfigMap names. The API server has validated each object against the CRD; this
 * source resolves its document, checks what the schema cannot (a jobId claimed twice, a missing
 * ConfigMap), and reports each object on its own: one bad IoTJob never holds back the others.
 *
 * Keys are `namespace/name`. An object that is being deleted and still carries the controller's
 * finalizer is "leaving" once the deletion guard lets it go (kube/deletion-hold.ts): the
 * reconciler applies its deletionPolicy, then the finalizer goes. Until then it has a problem: it
 * waits for the deletions that come with it, or it is held until approved. An owned job whose
 * IoTJob is simply absent (another namespace, another shard, a finalizer someone removed by hand)
 * is left alone: in this mode only a deletion request removes a job.
 */
import type { DesiredJob } from '../model/iot-job.js';
import type { KeyProblem } from '../model/report.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Clock } from '../model/clock.js';
import { deletionActs, type DeletionLimits } from '../plan/deletion-guard.js';
import { APPROVE_ANNOTATION, DeletionHold, HELD_ANNOTATION, type DeletionFacts } from '../kube/deletion-hold.js';
import { Reflector, type KubeObject, type RelistReason } from '../kube/reflector.js';
import { FINALIZER, GROUP, hasFinalizer, keyOf, PLURAL, reconcileRequestOf, VERSION, type IoTJobObject, type IoTJobView } from '../kube/iotjob-resource.js';
import { isNotFound, type KubeRest } from '../kube/rest.js';
import { DesiredIndex, type IndexEntry } from './desired-index.js';
import { defaultJobId, identityOf, withDocument } from './desired-job.js';
import { rolloutSpecProblem } from './rollout-spec.js';
import type { DesiredSource, SourceStatus } from './source.js';

interface ConfigMapObject extends KubeObject {
  data?: Record<string, string>;
}

/** What the controller acts on in an IoTJob besides its desired job. */
interface ObjectFacts {
  /** Being deleted with the controller's finalizer: its deletionPolicy is to be applied. */
  leaving: boolean;
  /** Being deleted at all (a deletionTimestamp), finalizer or not. */
  deleting: boolean;
  /** Its deletion is approved by annotation (the deletion guard lets it go). */
  approved: boolean;
  /** The reconcile request it carries (a new one makes the key change, so it is reconciled now). */
  requested?: string;
}

/** What the source knows of one IoTJob: its desired job or its problem, and its facts. */
type Entry = IndexEntry<KeyProblem, ObjectFacts>;

/** How the source is set up. */
export interface KubernetesSourceOptions {
  rest: KubeRest;
  /** Watch only these namespaces; undefined or empty means all. */
  namespaces?: string[];
  labelSelector?: string;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  relistMs?: number;
  watchTimeoutSeconds?: number;
  /** The deletion guard's limits, and how long deletions must pause before they are judged (default 2 s). */
  deletionGuard: DeletionLimits & { quietMs?: number };
}

/** The collection path of a resource, cluster-wide or in one namespace. */
function collection(base: string, resource: string, namespace: string | undefined): string {
  return namespace ? `${base}/namespaces/${namespace}/${resource}` : `${base}/${resource}`;
}

/** The jobId an IoTJob claims: spec.jobId, else the default from its name. */
function jobIdClaimed(o: IoTJobObject): string {
  return o.spec?.jobId ?? defaultJobId(o.metadata.name);
}

/** Whether an IoTJob carries the approve annotation set to "true". */
function approved(o: IoTJobObject): boolean {
  return o.metadata.annotations?.[APPROVE_ANNOTATION] === 'true';
}

/** Whether an object is older (by resourceVersion) than the one already seen; false when none was (undefined). */
function olderThan(obj: IoTJobObject, seen: IoTJobObject | undefined): boolean {
  if (!seen) return false;
  return Number(seen.metadata.resourceVersion) > Number(obj.metadata.resourceVersion);
}

/**
 * Whether two versions of an object agree in everything the desired state is made of (generation,
 * deletion, finalizer, approval), so only a status write lies between them; false when either is undefined.
 */
function sameDesiredState(before: IoTJobObject | undefined, after: IoTJobObject | undefined): boolean {
  if (!before || !after) return false;
  const [b, a] = [before.metadata, after.metadata];
  return (
    b.generation === a.generation &&
    b.deletionTimestamp === a.deletionTimestamp &&
    hasFinalizer(before) === hasFinalizer(after) &&
    approved(before) === approved(after) &&
    reconcileRequestOf(before) === reconcileRequestOf(after)
  );
}

/** IoTJobs from the Kubernetes API. */
export class KubernetesSource implements DesiredSource, IoTJobView {
  readonly kind = 'kubernetes';
  /** In this mode an owned job without its IoTJob is left alone; only a deletion request removes it. */
  readonly prunesAbsent = false;
  private readonly objects = new Map<string, IoTJobObject>();
  /** Objects are judged one by one: of two IoTJobs claiming one jobId, the older keeps it and the newer alone has a problem. */
  private readonly index: DesiredIndex<KeyProblem, ObjectFacts>;
  /** Referenced ConfigMaps (namespace/name): their data, or null when they do not exist. */
  private readonly configMaps = new Map<string, Record<string, string> | null>();
  private readonly fetching = new Set<string>();
  /** ConfigMaps whose read failed (not a 404): why, until the retry timer clears it. */
  private readonly unreadable = new Map<string, string>();
  private readonly iotJobs: Reflector<IoTJobObject>[];
  private readonly cmWatch: Reflector<ConfigMapObject>[];
  private readonly guard: DeletionHold;
  private onChange: (changed: string[]) => void = () => {};

  constructor(private readonly o: KubernetesSourceOptions) {
    const age = (key: string): string => `${this.objects.get(key)?.metadata.creationTimestamp ?? ''}|${key}`;
    this.index = new DesiredIndex({ metrics: o.metrics, conflicts: { kind: 'older-wins', age } });
    const scopes = o.namespaces && o.namespaces.length > 0 ? o.namespaces : [undefined];
    const common = { rest: o.rest, clock: o.clock, relistMs: o.relistMs, watchTimeoutSeconds: o.watchTimeoutSeconds };
    this.iotJobs = scopes.map(
      (ns) =>
        new Reflector<IoTJobObject>({
          ...common,
          path: collection(`/apis/${GROUP}/${VERSION}`, PLURAL, ns),
          labelSelector: o.labelSelector,
          logger: o.logger.child({ watch: 'iotjobs', namespace: ns ?? '*' }),
          onList: (items) => this.replaceObjects(ns, items),
          onEvent: (type, obj) => this.objectEvent(type, obj),
          onRelist: (reason) => this.relisted('iotjobs', reason),
          onError: () => o.metrics.sourceErrors.inc(),
        }),
    );
    this.cmWatch = scopes.map(
      (ns) =>
        new Reflector<ConfigMapObject>({
          ...common,
          path: collection('/api/v1', 'configmaps', ns),
          logger: o.logger.child({ watch: 'configmaps', namespace: ns ?? '*' }),
          onList: (items) => this.replaceConfigMaps(ns, items),
          onEvent: (type, obj) => this.configMapEvent(type, obj),
          onRelist: (reason) => this.relisted('configmaps', reason),
          onError: () => o.metrics.sourceErrors.inc(),
        }),
    );
    const { quietMs, ...limits } = o.deletionGuard;
    this.guard = new DeletionHold({
      limits,
      quietMs,
      clock: o.clock,
      logger: o.logger.child({ component: 'deletion-guard' }),
      ready: () => this.synced(),
      onHeldCount: (n) => o.metrics.deletionsHeld.set(n),
    });
  }

  get(key: string): DesiredJob | undefined {
    const e = this.index.entry(key);
    return e && !e.facts?.leaving ? e.job : undefined;
  }

  /** The desired job of an IoTJob being deleted whose deletionPolicy is to be applied now (the deletion guard lets it go). */
  leaving(key: string): DesiredJob | undefined {
    const e = this.index.entry(key);
    if (!e?.facts?.leaving) return undefined;
    const s = this.guard.state(key);
    return !s || s.kind === 'released' ? e.job : undefined;
  }

  /** Why an IoTJob cannot be reconciled (a missing ConfigMap, a jobId claimed twice, a deletion waiting or held); undefined when it can. */
  problemOf(key: string): KeyProblem | undefined {
    const e = this.index.entry(key);
    if (!e?.facts?.leaving || e.problem) return e?.problem;
    const s = this.guard.state(key);
    if (s?.kind === 'waiting') return { message: s.message, waiting: true };
    return s?.kind === 'held' ? { message: heldMessage(key, s.reason) } : undefined;
  }

  /** Why the deletion guard holds an IoTJob's deletion; undefined when it does not. */
  heldDeletion(key: string): string | undefined {
    const s = this.index.entry(key)?.facts?.leaving ? this.guard.state(key) : undefined;
    return s?.kind === 'held' ? s.reason : undefined;
  }

  /** The IoTJob object of a key, as last seen. */
  object(key: string): IoTJobObject | undefined {
    return this.objects.get(key);
  }

  keys(): string[] {
    return this.index.keys();
  }

  status(): SourceStatus {
    const problems = this.index.problems().map(([key, p]) => ({ file: key, message: p.message }));
    return { revision: this.iotJobs.map((r) => r.lastResourceVersion).join(',') || undefined, problems };
  }

  synced(): boolean {
    return [...this.iotJobs, ...this.cmWatch].every((r) => r.synced);
  }

  async start(onChange: (changed: string[]) => void): Promise<void> {
    this.onChange = onChange;
    await Promise.all([...this.cmWatch, ...this.iotJobs].map((r) => r.start()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.iotJobs, ...this.cmWatch].map((r) => r.stop()));
  }

  /** Takes an object the controller just wrote (a finalizer, a hold), as a watch event would bring it. */
  accept(obj: IoTJobObject): void {
    this.objectEvent('MODIFIED', obj);
  }

  /** Counts a list; a list of IoTJobs also sets the source revision (its resourceVersion; per-IoTJob revisions are generations). */
  private relisted(what: string, reason: RelistReason): void {
    this.o.metrics.sourceRelists.inc({ resource: what, reason });
    if (what === 'iotjobs') this.o.metrics.setRevision(this.kind, this.status().revision ?? '');
  }

  private inScope(ns: string | undefined, o: KubeObject): boolean {
    return ns === undefined || o.metadata.namespace === ns;
  }

  private replaceObjects(ns: string | undefined, items: IoTJobObject[]): void {
    const affected = new Set<string>();
    for (const [key, obj] of this.objects) {
      if (!this.inScope(ns, obj)) continue;
      affected.add(key);
      this.put(key, undefined);
    }
    for (const obj of items) {
      affected.add(keyOf(obj));
      this.put(keyOf(obj), obj);
    }
    this.refresh(affected);
  }

  private objectEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: IoTJobObject): void {
    const key = keyOf(obj);
    const before = this.objects.get(key);
    if (type !== 'DELETED' && olderThan(obj, before)) return;
    const after = type === 'DELETED' ? undefined : obj;
    // A status write (the controller's own, once per reconcile) changes none of what the desired
    // state is made of: keep the newer object and skip the work.
    const same = sameDesiredState(before, after);
    this.put(key, after);
    if (!same) this.refresh(new Set([key]));
  }

  /** Stores (or removes) an object and records the jobId it claims; the affected keys of both jobIds are refreshed by the caller. */
  private put(key: string, obj: IoTJobObject | undefined): void {
    const before = this.objects.get(key);
    this.index.claim(key, before && jobIdClaimed(before), obj && jobIdClaimed(obj));
    this.objects.delete(key);
    if (obj) this.objects.set(key, obj);
  }

  private replaceConfigMaps(ns: string | undefined, items: ConfigMapObject[]): void {
    const present = new Map(items.map((c) => [keyOf(c), c]));
    const changed: string[] = [];
    for (const ref of this.referencedConfigMaps()) {
      const [refNs] = ref.split('/');
      if (ns !== undefined && refNs !== ns) continue;
      this.configMaps.set(ref, present.get(ref)?.data ?? null);
      changed.push(ref);
    }
    this.refresh(this.referencing(changed));
  }

  private configMapEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', cm: ConfigMapObject): void {
    const ref = keyOf(cm);
    // An unreferenced ConfigMap that changes is forgotten, so a later reference reads it afresh
    // (regression: it was served stale).
    if (!this.referencedConfigMaps().has(ref)) return void this.configMaps.delete(ref);
    this.configMaps.set(ref, type === 'DELETED' ? null : (cm.data ?? {}));
    this.refresh(this.referencing([ref]));
  }

  private referencedConfigMaps(): Set<string> {
    const out = new Set<string>();
    for (const obj of this.objects.values()) {
      const ref = obj.spec?.documentConfigMap;
      if (ref) out.add(`${obj.metadata.namespace}/${ref.name}`);
    }
    return out;
  }

  private referencing(refs: string[]): Set<string> {
    const wanted = new Set(refs);
    const keys = new Set<string>();
    for (const [key, obj] of this.objects) {
      const ref = obj.spec?.documentConfigMap;
      if (ref && wanted.has(`${obj.metadata.namespace}/${ref.name}`)) keys.add(key);
    }
    return keys;
  }

  /**
   * A ConfigMap that became referenced after the last list: read it once, then the watch keeps it.
   * A read that fails (not a 404) is tried again after CONFIGMAP_RETRY_MS, not at once (regression:
   * it was sent again in a hot loop).
   */
  private fetchConfigMap(ref: string): void {
    if (this.fetching.has(ref) || this.unreadable.has(ref)) return;
    this.fetching.add(ref);
    const [ns, name] = ref.split('/') as [string, string];
    this.o.rest
      .request<ConfigMapObject>('GET', `/api/v1/namespaces/${encodeURIComponent(ns)}/configmaps/${encodeURIComponent(name)}`)
      .then(
        (cm) => this.configMaps.set(ref, cm.data ?? {}),
        (err: unknown) => {
          if (isNotFound(err)) return void this.configMaps.set(ref, null);
          this.unreadable.set(ref, (err as Error).message);
          this.o.clock.setTimer(() => {
            this.unreadable.delete(ref);
            this.refresh(this.referencing([ref]));
          }, CONFIGMAP_RETRY_MS);
          this.o.logger.warn({ configMap: ref, err: (err as Error).message }, `could not read a ConfigMap; trying again in ${CONFIGMAP_RETRY_MS / 1000} s`);
        },
      )
      .finally(() => {
        this.fetching.delete(ref);
        this.refresh(this.referencing([ref]));
      });
  }

  /** Recomputes the entries of some keys (and of those sharing their jobIds, before or now: a conflict may have cleared) and reports those whose desired state changed. */
  private refresh(keys: Set<string>): void {
    const claimed = (key: string): string | undefined => {
      const obj = this.objects.get(key);
      return obj && jobIdClaimed(obj);
    };
    const changed = this.index.update(this.index.withClaimants(keys, claimed), (key) => {
      const obj = this.objects.get(key);
      const entry = obj ? this.entryOf(obj) : undefined;
      this.guard.update(key, obj && entry ? this.deletionFacts(obj, entry) : undefined);
      return entry;
    });
    if (changed.length > 0) this.onChange(changed);
  }

  /** What the deletion guard needs to know of an object. */
  private deletionFacts(obj: IoTJobObject, e: Entry): DeletionFacts {
    const deleting = e.facts?.leaving === true && e.job !== undefined && deletionActs(e.job.spec.deletionPolicy);
    return { managed: hasFinalizer(obj), deleting, approved: approved(obj), heldBefore: obj.metadata.annotations?.[HELD_ANNOTATION] };
  }

  private entryOf(obj: IoTJobObject): Entry {
    const deleting = obj.metadata.deletionTimestamp !== undefined;
    const facts: ObjectFacts = { leaving: deleting && hasFinalizer(obj), deleting, approved: approved(obj), requested: reconcileRequestOf(obj) };
    const made = this.desiredOf(obj, facts.leaving);
    return 'message' in made ? { problem: made, facts } : { job: made, facts };
  }

  /**
   * The desired job of an object, or its problem. An object that is leaving needs no document:
   * its deletionPolicy acts on the job by its id, so a ConfigMap deleted with the namespace does
   * not hold its deletion up.
   */
  private desiredOf(obj: IoTJobObject, leaving: boolean): DesiredJob | KeyProblem {
    const key = keyOf(obj);
    const recordedJobId = typeof obj.status?.jobId === 'string' ? obj.status.jobId : undefined;
    const identity = identityOf({
      key,
      name: obj.metadata.name,
      spec: obj.spec,
      origin: { file: key, doc: 0, line: 0 },
      generation: obj.metadata.generation,
      recordedJobId,
    });
    if ('message' in identity) return { message: `${identity.field}: ${identity.message}` };
    // A leaving IoTJob acts only on the job its tags name (runtime/observer.ts), so a claim it lost
    // to an older IoTJob that came into view does not keep it Terminating for good.
    if (leaving) return identity;
    const holder = this.index.holder(identity.jobId);
    if (holder !== key) return { message: `spec.jobId: job id "${identity.jobId}" is already claimed by IoTJob ${holder}; set a different spec.jobId` };
    const rollout = rolloutSpecProblem(obj.spec);
    if (rollout) return { message: `${rollout.field}: ${rollout.message}` };
    let waiting = false;
    const configMap = (ref: { name: string; key: string }): { text: string } | { error: string } => {
      const r = this.configMapText(obj.metadata.namespace!, ref);
      waiting = 'waiting' in r;
      return r;
    };
    const job = withDocument(identity, { configMap });
    return 'message' in job ? { message: `${job.field}: ${job.message}`, waiting } : job;
  }

  private configMapText(ns: string, ref: { name: string; key: string }): { text: string } | { error: string; waiting?: true } {
    const id = `${ns}/${ref.name}`;
    const data = this.configMaps.get(id);
    if (data === undefined) {
      this.fetchConfigMap(id);
      const failure = this.unreadable.get(id);
      return { error: failure ? `ConfigMap ${id} cannot be read (${failure}); trying again` : `ConfigMap ${id} is being read`, waiting: true };
    }
    if (data === null) return { error: `ConfigMap ${id} does not exist` };
    const text = data[ref.key];
    if (text === undefined) return { error: `ConfigMap ${id} has no key "${ref.key}"` };
    return { text };
  }
}

/** How long a ConfigMap read that failed waits before it is tried again. */
const CONFIGMAP_RETRY_MS = 5_000;

/** What a held IoTJob's status, Event and reconcile say: why, and the two ways on. */
function heldMessage(key: string, reason: string): string {
  const [ns, name] = key.split('/');
  return `deletion held by the deletion guard: ${reason}. Its deletionPolicy is not applied and the finalizer stays until it is approved: kubectl annotate iotjob ${name} -n ${ns} ${APPROVE_ANNOTATION}=true (or remove the finalizer ${FINALIZER} to leave its job running)`;
}
