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
import { createHash } from 'node:crypto';
import type { DesiredJob } from '../model/iot-job.js';
import type { KeyProblem } from '../model/report.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Clock } from '../model/clock.js';
import { deletionActs, type DeletionLimits } from '../plan/deletion-guard.js';
import { APPROVE_ANNOTATION, DeletionHold, HELD_ANNOTATION, type DeletionFacts } from '../kube/deletion-hold.js';
import { Reflector, type KubeObject, type RelistReason } from '../kube/reflector.js';
import { FINALIZER, GROUP, hasFinalizer, keyOf, PLURAL, VERSION, type IoTJobObject, type IoTJobView } from '../kube/iotjob-resource.js';
import { isNotFound, type KubeRest } from '../kube/rest.js';
import { jobIdOf, resolveDocument } from './manifests.js';
import type { DesiredSource, SourceStatus } from './source.js';

interface ConfigMapObject extends KubeObject {
  data?: Record<string, string>;
}

/** What the source knows of one IoTJob. */
interface Entry {
  job?: DesiredJob;
  problem?: KeyProblem;
  leaving: boolean;
  signature: string;
}

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

/** The jobId an IoTJob claims: spec.jobId, else its name. */
function jobIdClaimed(o: IoTJobObject): string {
  return o.spec?.jobId ?? o.metadata.name;
}

function approved(o: IoTJobObject): boolean {
  return o.metadata.annotations?.[APPROVE_ANNOTATION] === 'true';
}

/** IoTJobs from the Kubernetes API. */
export class KubernetesSource implements DesiredSource, IoTJobView {
  readonly kind = 'kubernetes';
  /** In this mode an owned job without its IoTJob is left alone; only a deletion request removes it. */
  readonly prunesAbsent = false;
  private readonly objects = new Map<string, IoTJobObject>();
  /** jobId → the keys of the IoTJobs that name it (more than one is a conflict the older one wins). */
  private readonly claimants = new Map<string, Set<string>>();
  private readonly entries = new Map<string, Entry>();
  /** How many entries have a problem (kept as entries change, so no event rescans them all). */
  private problems = 0;
  /** Referenced ConfigMaps (namespace/name): their data, or null when they do not exist. */
  private readonly configMaps = new Map<string, Record<string, string> | null>();
  private readonly fetching = new Set<string>();
  private readonly iotJobs: Reflector<IoTJobObject>[];
  private readonly cmWatch: Reflector<ConfigMapObject>[];
  private readonly guard: DeletionHold;
  private onChange: (changed: string[]) => void = () => {};

  constructor(private readonly o: KubernetesSourceOptions) {
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
    this.guard = new DeletionHold({ limits, quietMs, clock: o.clock, logger: o.logger.child({ component: 'deletion-guard' }), ready: () => this.synced(), onHeldCount: (n) => o.metrics.deletionsHeld.set(n) });
  }

  get(key: string): DesiredJob | undefined {
    const e = this.entries.get(key);
    return e && !e.leaving ? e.job : undefined;
  }

  /** The desired job of an IoTJob being deleted whose deletionPolicy is to be applied now (the deletion guard lets it go). */
  leaving(key: string): DesiredJob | undefined {
    const e = this.entries.get(key);
    if (!e?.leaving) return undefined;
    const s = this.guard.state(key);
    return !s || s.kind === 'released' ? e.job : undefined;
  }

  /** Why an IoTJob cannot be reconciled (a missing ConfigMap, a jobId claimed twice, a deletion waiting or held); undefined when it can. */
  problemOf(key: string): KeyProblem | undefined {
    const e = this.entries.get(key);
    if (!e?.leaving || e.problem) return e?.problem;
    const s = this.guard.state(key);
    if (s?.kind === 'waiting') return { message: s.message, waiting: true };
    return s?.kind === 'held' ? { message: heldMessage(key, s.reason) } : undefined;
  }

  /** Why the deletion guard holds an IoTJob's deletion; undefined when it does not. */
  heldDeletion(key: string): string | undefined {
    const s = this.entries.get(key)?.leaving ? this.guard.state(key) : undefined;
    return s?.kind === 'held' ? s.reason : undefined;
  }

  /** The IoTJob object of a key, as last seen. */
  object(key: string): IoTJobObject | undefined {
    return this.objects.get(key);
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  status(): SourceStatus {
    return { revision: this.iotJobs.map((r) => r.lastResourceVersion).join(',') || undefined, problems: [] };
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
    if (before && type !== 'DELETED' && Number(before.metadata.resourceVersion) > Number(obj.metadata.resourceVersion)) return;
    const after = type === 'DELETED' ? undefined : obj;
    // A status write (the controller's own, once per reconcile) changes none of what the desired
    // state is made of: keep the newer object and skip the work.
    const same = before && after && before.metadata.generation === after.metadata.generation && before.metadata.deletionTimestamp === after.metadata.deletionTimestamp && hasFinalizer(before) === hasFinalizer(after) && approved(before) === approved(after);
    this.put(key, after);
    if (!same) this.refresh(new Set([key]));
  }

  /** Stores (or removes) an object, keeping the jobId index; the affected keys of both jobIds are refreshed by the caller. */
  private put(key: string, obj: IoTJobObject | undefined): void {
    const before = this.objects.get(key);
    if (before) {
      const set = this.claimants.get(jobIdClaimed(before));
      set?.delete(key);
      if (set?.size === 0) this.claimants.delete(jobIdClaimed(before));
      this.objects.delete(key);
    }
    if (!obj) return;
    this.objects.set(key, obj);
    const id = jobIdClaimed(obj);
    let set = this.claimants.get(id);
    if (!set) this.claimants.set(id, (set = new Set()));
    set.add(key);
  }

  /** The keys, and every key that claims the same jobId as one of them, before or now (a duplicate may have cleared). */
  private withClaimants(keys: Set<string>): Set<string> {
    const out = new Set(keys);
    for (const k of keys) {
      const obj = this.objects.get(k);
      for (const id of [this.entries.get(k)?.job?.jobId, obj && jobIdClaimed(obj)]) for (const other of (id && this.claimants.get(id)) || []) out.add(other);
    }
    return out;
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
    if (!this.referencedConfigMaps().has(ref)) return;
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

  /** A ConfigMap that became referenced after the last list: read it once, then the watch keeps it. */
  private fetchConfigMap(ref: string): void {
    if (this.fetching.has(ref)) return;
    this.fetching.add(ref);
    const [ns, name] = ref.split('/') as [string, string];
    this.o.rest
      .request<ConfigMapObject>('GET', `/api/v1/namespaces/${encodeURIComponent(ns)}/configmaps/${encodeURIComponent(name)}`)
      .then(
        (cm) => this.configMaps.set(ref, cm.data ?? {}),
        (err: unknown) => {
          if (isNotFound(err)) this.configMaps.set(ref, null);
          else this.o.logger.warn({ configMap: ref, err: (err as Error).message }, 'could not read a ConfigMap; the next list retries');
        },
      )
      .finally(() => {
        this.fetching.delete(ref);
        this.refresh(this.referencing([ref]));
      });
  }

  /** Recomputes the entries of some keys (and of those sharing their jobIds) and reports those whose desired state changed. */
  private refresh(keys: Set<string>): void {
    const changed: string[] = [];
    for (const key of this.withClaimants(keys)) {
      const obj = this.objects.get(key);
      const entry = obj ? this.entryOf(obj) : undefined;
      const before = this.entries.get(key);
      if (entry) this.entries.set(key, entry);
      else this.entries.delete(key);
      this.guard.update(key, obj && entry ? this.deletionFacts(obj, entry) : undefined);
      if (before?.signature !== entry?.signature) changed.push(key);
      this.problems += (entry?.problem ? 1 : 0) - (before?.problem ? 1 : 0);
    }
    this.o.metrics.sourceProblems.set(this.problems);
    if (changed.length > 0) this.onChange(changed);
  }

  /** The key of a jobId's oldest claimant (older objects keep their claim). */
  private owner(jobId: string): string | undefined {
    let first: { key: string; at: string } | undefined;
    for (const key of this.claimants.get(jobId) ?? []) {
      const at = `${this.objects.get(key)?.metadata.creationTimestamp ?? ''}|${key}`;
      if (!first || at < first.at) first = { key, at };
    }
    return first?.key;
  }

  /** What the deletion guard needs to know of an object. */
  private deletionFacts(obj: IoTJobObject, e: Entry): DeletionFacts {
    const deleting = e.leaving && e.job !== undefined && deletionActs(e.job.spec.deletionPolicy);
    return { managed: hasFinalizer(obj), deleting, approved: approved(obj), heldBefore: obj.metadata.annotations?.[HELD_ANNOTATION] };
  }

  private entryOf(obj: IoTJobObject): Entry {
    const key = keyOf(obj);
    const leaving = obj.metadata.deletionTimestamp !== undefined && hasFinalizer(obj);
    const made = this.desiredOf(obj, key, leaving);
    const entry: Entry = 'message' in made ? { problem: made, leaving, signature: '' } : { job: made, leaving, signature: '' };
    entry.signature = createHash('sha256')
      .update(JSON.stringify([entry.problem ?? null, leaving, obj.metadata.deletionTimestamp !== undefined, approved(obj), entry.job ? [entry.job.jobId, entry.job.spec, entry.job.document ?? null] : null]))
      .digest('base64');
    return entry;
  }

  /**
   * The desired job of an object, or its problem. An object that is leaving needs no document:
   * its deletionPolicy acts on the job by its id, so a ConfigMap deleted with the namespace does
   * not hold its deletion up.
   */
  private desiredOf(obj: IoTJobObject, key: string, leaving: boolean): DesiredJob | KeyProblem {
    const jobId = jobIdOf(obj.spec, obj.metadata.name);
    if (typeof jobId !== 'string') return { message: `metadata.name: ${jobId.message}` };
    const recordedJobId = typeof obj.status?.jobId === 'string' ? obj.status.jobId : undefined;
    const identity = { key, jobId, spec: obj.spec, origin: { file: key, doc: 0, line: 0 }, generation: obj.metadata.generation, recordedJobId };
    // A leaving IoTJob acts only on the job its tags name (runtime/observer.ts), so a claim it lost
    // to an older IoTJob that came into view does not keep it Terminating for good.
    if (leaving) return identity;
    const owner = this.owner(jobId);
    if (owner !== key) return { message: `spec.jobId: job id "${jobId}" is already claimed by IoTJob ${owner}; set a different spec.jobId` };
    let waiting = false;
    const doc = resolveDocument(obj.spec, {
      configMap: (ref) => {
        const r = this.configMapText(obj.metadata.namespace!, ref);
        waiting = 'waiting' in r;
        return r;
      },
    });
    if ('message' in doc) return { message: `spec.${doc.field}: ${doc.message}`, waiting };
    return { ...identity, ...doc };
  }

  private configMapText(ns: string, ref: { name: string; key: string }): { text: string } | { error: string; waiting?: true } {
    const id = `${ns}/${ref.name}`;
    const data = this.configMaps.get(id);
    if (data === undefined) {
      this.fetchConfigMap(id);
      return { error: `ConfigMap ${id} is being read`, waiting: true };
    }
    if (data === null) return { error: `ConfigMap ${id} does not exist` };
    const text = data[ref.key];
    if (text === undefined) return { error: `ConfigMap ${id} has no key "${ref.key}"` };
    return { text };
  }
}

/** What a held IoTJob's status, Event and reconcile say: why, and the two ways on. */
function heldMessage(key: string, reason: string): string {
  const [ns, name] = key.split('/');
  return `deletion held by the deletion guard: ${reason}. Its deletionPolicy is not applied and the finalizer stays until it is approved: kubectl annotate iotjob ${name} -n ${ns} ${APPROVE_ANNOTATION}=true (or remove the finalizer ${FINALIZER} to leave its job running)`;
}
