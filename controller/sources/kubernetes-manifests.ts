/**
 * Directory mode over a GitOps repository of Kubernetes manifests (`plan --dir
 * --kubernetes-manifests`): which documents are IoTJobs (the others, a Kustomization or a
 * Deployment, are not this controller's and are skipped), and the ConfigMaps the IoTJobs'
 * documentConfigMap may name, so a pull request's plan resolves them as the cluster would.
 */
import { isMap, parseAllDocuments, type Document } from 'yaml';
import type { ManifestFile } from './manifests.js';

/** What a Kubernetes-manifests read knows besides the IoTJobs: the default namespace and the ConfigMaps' data by namespace/name. */
export interface KubernetesManifests {
  namespace: string;
  configMaps: ReadonlyMap<string, Record<string, string>>;
}

/** Whether a parsed document is one of ours: an IoTJob or an IoTJobTemplate of group iot.gitops.dev. */
export function isOurKind(doc: Document): boolean {
  const kind = isMap(doc.contents) ? doc.get('kind') : undefined;
  return (kind === 'IoTJob' || kind === 'IoTJobTemplate') && String(doc.get('apiVersion') ?? '').startsWith('iot.gitops.dev/');
}

/** The ConfigMaps (core v1) in the files, by namespace/name; a document that cannot be parsed is skipped (the IoTJob pass reports the file). */
export function configMapsIn(files: readonly ManifestFile[], namespace: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const f of files) {
    if (!f.text.includes('ConfigMap')) continue;
    for (const doc of parseAllDocuments(f.text)) {
      const cm = configMapOf(doc);
      if (cm) out.set(`${cm.namespace ?? namespace}/${cm.name}`, cm.data);
    }
  }
  return out;
}

/** A well-formed ConfigMap document's name, namespace and string data; undefined for anything else. */
function configMapOf(doc: Document | { errors: unknown[] }): { name: string; namespace?: string; data: Record<string, string> } | undefined {
  if (!('contents' in doc) || doc.errors.length > 0 || !isMap(doc.contents)) return undefined;
  if (doc.get('kind') !== 'ConfigMap' || doc.get('apiVersion') !== 'v1') return undefined;
  const cm = doc.toJS({ maxAliasCount: 100 }) as { metadata?: { name?: unknown; namespace?: string }; data?: Record<string, unknown> };
  if (typeof cm.metadata?.name !== 'string') return undefined;
  const data = Object.fromEntries(Object.entries(cm.data ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'));
  return { name: cm.metadata.name, namespace: cm.metadata.namespace, data };
}

/** A documentConfigMap reference read from the files' ConfigMaps, with the message the cluster's controller would give. */
export function configMapReader(k: KubernetesManifests, namespace: string): (ref: { name: string; key: string }) => { text: string } | { error: string } {
  return (ref) => {
    const id = `${namespace}/${ref.name}`;
    const data = k.configMaps.get(id);
    if (!data) return { error: `ConfigMap ${id} is not among the manifests` };
    const text = data[ref.key];
    return text === undefined ? { error: `ConfigMap ${id} has no key "${ref.key}"` } : { text };
  };
}
