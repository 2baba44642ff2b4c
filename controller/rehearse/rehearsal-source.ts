/**
 * The manifests a rehearsal runs: the source's, narrowed to the keys asked for and every manifest
 * they depend on (transitively), with every wave approved when approvals are assumed. Read-only, as
 * every source is; it only filters and rewrites what the wrapped source holds.
 */
import type { DesiredJob } from '../model/iot-job.js';
import { dependencyKey } from '../plan/dependencies.js';
import type { DesiredSource } from '../sources/source.js';

/** What to narrow to: with neither `only` nor `onlyFiles`, every key. */
export interface RehearsalScope {
  only?: readonly string[];
  /** The manifests in these files (paths relative to the directory), as a pull request's changed files. */
  onlyFiles?: readonly string[];
  /** Manual approvals are given as soon as a wave asks (true), or never (false). */
  approveAll: boolean;
}

/** `keys` and every key they depend on, through the source's manifests. */
export function withDependencies(keys: readonly string[], get: (key: string) => DesiredJob | undefined): string[] {
  const out = new Set<string>();
  const visit = (key: string): void => {
    if (out.has(key)) return;
    out.add(key);
    for (const dep of get(key)?.spec.dependsOn ?? []) visit(dependencyKey(key, dep.name));
  };
  keys.forEach(visit);
  return [...out];
}

/** A manifest with every wave approved. */
export function approved(d: DesiredJob): DesiredJob {
  const waves = d.spec.waves;
  return waves ? { ...d, spec: { ...d.spec, approvedWaves: waves.map((w) => w.name) } } : d;
}

/** The keys the scope names (by key or by file), with their dependencies; every key when it names none. */
export function selected(source: Pick<DesiredSource, 'get' | 'keys'>, scope: Omit<RehearsalScope, 'approveAll'>): string[] {
  if (!scope.only && !scope.onlyFiles) return source.keys();
  const files = new Set((scope.onlyFiles ?? []).map(normalPath));
  const byFile = source.keys().filter((k) => files.has(normalPath(source.get(k)!.origin.file)));
  return withDependencies([...(scope.only ?? []), ...byFile], (k) => source.get(k));
}

const normalPath = (p: string): string => p.replace(/^(\.\/)+/, '');

/** Wraps `inner` to the scope. */
export function rehearsalSource(inner: DesiredSource, scope: RehearsalScope): DesiredSource {
  let cached: { revision?: string; keys: Set<string> } | undefined;
  const inScope = (): Set<string> => {
    const revision = inner.status().revision;
    if (cached?.revision !== revision || !cached) cached = { revision, keys: new Set(selected(inner, scope)) };
    return cached.keys;
  };
  return {
    kind: inner.kind,
    prunesAbsent: inner.prunesAbsent,
    get(key) {
      const d = inScope().has(key) ? inner.get(key) : undefined;
      return d && scope.approveAll ? approved(d) : d;
    },
    keys: () => inner.keys().filter((k) => inScope().has(k)),
    status: () => inner.status(),
    synced: () => inner.synced(),
    start: (onChange) => inner.start(onChange),
    stop: () => inner.stop(),
    leaving: inner.leaving?.bind(inner),
    problemOf: inner.problemOf?.bind(inner),
  };
}
