/**
 * A KubeRest for unit tests of kube/ and the Kubernetes source: it records every request, answers
 * from routes the test registers (a 404 KubeError where none matches), and holds watches open
 * without events until the test emits some or stops them. No HTTP, no API server (the integration
 * tests run the real kube-apiserver).
 */
import { KubeError, type KubeRest, type Query, type WatchEvent } from '../../controller/kube/rest.js';

/** One request as the controller sent it. */
export interface KubeRequest {
  method: string;
  path: string;
  query?: Query;
  body?: unknown;
  contentType?: string;
}

/** Answers a request: the parsed body to resolve to, or a throw (a KubeError for an HTTP status). */
export type KubeHandler = (req: KubeRequest) => unknown;

interface OpenWatch {
  query: Query;
  onEvent: (e: WatchEvent<unknown>) => void;
  stop: () => void;
}

/** A list response as the API server shapes it. */
export function kubeList<T>(items: T[], resourceVersion = '1'): { items: T[]; metadata: { resourceVersion: string } } {
  return { items, metadata: { resourceVersion } };
}

/** The in-memory API server. */
export class FakeKubeRest {
  readonly requests: KubeRequest[] = [];
  /** Open watches by collection path. */
  readonly watches = new Map<string, OpenWatch>();
  private readonly routes: { method: string; path: string; handler: KubeHandler }[] = [];

  /** Answers `method path` with `handler` (a later route for the same request wins). */
  on(method: string, path: string, handler: KubeHandler): this {
    this.routes.unshift({ method, path, handler });
    return this;
  }

  /** This fake, typed as the port the controller takes. */
  get rest(): KubeRest {
    return this as unknown as KubeRest;
  }

  /** The requests of one method (and path, when given), in order. */
  sent(method: string, path?: string): KubeRequest[] {
    return this.requests.filter((r) => r.method === method && (path === undefined || r.path === path));
  }

  async request<T>(method: string, path: string, opts: { query?: Query; body?: unknown; contentType?: string } = {}): Promise<T> {
    const req: KubeRequest = { method, path, ...opts };
    this.requests.push(req);
    const route = this.routes.find((r) => r.method === method && r.path === path);
    if (!route) throw new KubeError(404, `${method} ${path}: 404 not found`, 'NotFound');
    return (await route.handler(req)) as T;
  }

  async watch<T>(path: string, query: Query, onEvent: (e: WatchEvent<T>) => void, onDone: (err: Error | null) => void): Promise<() => void> {
    let open = true;
    const stop = (): void => {
      if (!open) return;
      open = false;
      this.watches.delete(path);
      onDone(null);
    };
    this.watches.set(path, { query, onEvent: onEvent as (e: WatchEvent<unknown>) => void, stop });
    return stop;
  }

  /** Sends one event on the open watch of `path`; throws when none is open. */
  emit(path: string, type: WatchEvent<unknown>['type'], object: unknown): void {
    const w = this.watches.get(path);
    if (!w) throw new Error(`no watch is open on ${path} (open: ${[...this.watches.keys()].join(', ') || 'none'})`);
    w.onEvent({ type, object });
  }
}
