/**
 * The controller's narrow client of the Kubernetes API: JSON requests over the connection and
 * credentials that @kubernetes/client-node's KubeConfig describes (a kubeconfig file or the
 * in-cluster ServiceAccount), and watches through its Watch. Every failure is a KubeError with the
 * HTTP status; the generated API classes are not used because the controller needs only a handful
 * of paths, the patch content types and the status code of every error.
 *
 * @kubernetes/client-node is loaded on first use, not at start: loading it costs about 45 MB of
 * heap (its generated models), which directory mode without leader election never needs.
 */
import { Agent, request, type RequestOptions } from 'node:https';
import { request as httpRequest } from 'node:http';
import type { KubeConfig, Watch } from '@kubernetes/client-node';

/** A Kubernetes API error: the HTTP status (0 when nothing answered) and the server's message. */
export class KubeError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason?: string,
  ) {
    super(message);
  }
}

/** Whether an error is the API server's 404. */
export function isNotFound(err: unknown): boolean {
  return err instanceof KubeError && err.status === 404;
}

/** Whether an error is a 409 (a conflict, or the object exists already). */
export function isConflict(err: unknown): boolean {
  return err instanceof KubeError && err.status === 409;
}

/** Patch content types. */
export const MERGE_PATCH = 'application/merge-patch+json';
export const JSON_PATCH = 'application/json-patch+json';

/** How to reach the API server. */
export interface KubeTarget {
  /** A kubeconfig file; undefined means the in-cluster ServiceAccount. */
  kubeconfig?: string;
  /** A context of the kubeconfig; undefined means its current one. */
  context?: string;
  /** Where the in-cluster ServiceAccount files are mounted under (tests only; '' in a pod). */
  inClusterRoot?: string;
}

/** Loads a KubeConfig: from the file when given, else from the pod's ServiceAccount; a KubeConfigError when neither works. */
export async function loadKubeConfig(target: KubeTarget): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  const where = target.kubeconfig ? `the kubeconfig ${target.kubeconfig}` : 'the in-cluster ServiceAccount (no --kubeconfig given)';
  try {
    if (target.kubeconfig) kc.loadFromFile(target.kubeconfig);
    else kc.loadFromCluster(target.inClusterRoot);
    if (target.context) kc.setCurrentContext(target.context);
  } catch (err) {
    throw new KubeConfigError(`cannot load ${where}: ${(err as Error).message}`);
  }
  const cluster = kc.getCurrentCluster();
  if (!validServer(cluster?.server))
    throw new KubeConfigError(`cannot load ${where}: it names no API server (outside a pod, pass --kubeconfig or set KUBECONFIG)`);
  return kc;
}

function validServer(server: string | undefined): boolean {
  try {
    const u = new URL(server ?? '');
    return u.hostname !== '' && u.hostname !== 'undefined' && u.port !== 'undefined';
  } catch {
    return false;
  }
}

/** The kubeconfig or the in-cluster credentials cannot be used. */
export class KubeConfigError extends Error {}

/** Query parameters; undefined values are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

/** One watch event as the API server sends it. */
export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/** A request's query, body and its content type (undefined: JSON), and the type it accepts (undefined: JSON). */
export interface RequestParams {
  query?: Query;
  body?: unknown;
  contentType?: string;
  accept?: string;
}

/** The field manager and user agent of every write, so `kubectl get --show-managed-fields` and audit logs name the controller. */
export const FIELD_MANAGER = 'iot-jobs-controller';

/** Methods that write: they carry ?fieldManager unless the caller set one. */
const WRITES = new Set(['POST', 'PUT', 'PATCH']);

/** The server's URL with the path and the query's defined values. */
function urlFor(server: URL, path: string, query: Query | undefined): URL {
  const url = new URL(server.toString().replace(/\/$/, '') + path);
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
  return url;
}

/** An answer's value: its JSON (undefined for an empty or unparsable body; its text when a text/* type was accepted); a KubeError for a status ≥ 400. */
function answerOf<T>(what: string, answer: { status: number; text: string }, accept: string | undefined): T {
  const { status, text } = answer;
  const parsed = parseJson(text);
  if (status >= 400) {
    const s = parsed as { message?: string; reason?: string } | undefined;
    throw new KubeError(status, `${what}: ${status} ${s?.message ?? text.slice(0, 300)}`, s?.reason);
  }
  return (accept?.startsWith('text/') ? text : parsed) as T;
}

/** The JSON value of a text; undefined when it is empty or not JSON. */
function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

interface Loaded {
  config: KubeConfig;
  server: URL;
  watcher: Watch;
}

/** JSON over HTTPS to one API server. */
export class KubeRest {
  private agent: Agent | undefined;
  private loaded: Promise<Loaded> | undefined;

  /** `config` is a KubeConfig, or how to load one (on first use). */
  constructor(
    private readonly config: KubeConfig | (() => Promise<KubeConfig>),
    private readonly timeoutMs = 30_000,
  ) {}

  /** Loads the configuration and the client library now; rejects with a KubeConfigError when the configuration is unusable. */
  async ready(): Promise<void> {
    await this.load();
  }

  private load(): Promise<Loaded> {
    this.loaded ??= (async () => {
      const config = typeof this.config === 'function' ? await this.config() : this.config;
      const { Watch } = await import('@kubernetes/client-node');
      return { config, server: new URL(config.getCurrentCluster()!.server), watcher: new Watch(config) };
    })();
    return this.loaded;
  }

  /** Sends a request and resolves to the parsed JSON body (the text, when a text/* type is accepted); a KubeError for any status ≥ 400. */
  async request<T>(method: string, path: string, opts: RequestParams = {}): Promise<T> {
    const { config, server } = await this.load();
    const url = urlFor(server, path, WRITES.has(method) ? { fieldManager: FIELD_MANAGER, ...opts.query } : opts.query);
    const options = await this.optionsFor(config, method, opts.accept);
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    if (body !== undefined)
      options.headers = { ...options.headers, 'content-type': opts.contentType ?? 'application/json', 'content-length': Buffer.byteLength(body) };
    const send = url.protocol === 'http:' ? httpRequest : request;
    const what = `${method} ${path}`;
    return new Promise<T>((resolve, reject) => {
      const req = send(url, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => reject(new KubeError(0, `${what}: ${err.message}`)));
        res.on('end', () => {
          try {
            resolve(answerOf<T>(what, { status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }, opts.accept));
          } catch (err) {
            reject(err);
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error(`timed out after ${this.timeoutMs} ms`)));
      req.on('error', (err) => reject(new KubeError(0, `${what}: ${err.message}`)));
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /** The request's options: the method, what it accepts (undefined: JSON), the timeout, and the KubeConfig's credentials on one shared agent. */
  private async optionsFor(config: KubeConfig, method: string, accept: string | undefined): Promise<RequestOptions> {
    const options: RequestOptions = { method, headers: { accept: accept ?? 'application/json', 'user-agent': FIELD_MANAGER }, timeout: this.timeoutMs };
    await config.applyToHTTPSOptions(options);
    this.agent ??= options.agent as Agent | undefined;
    if (this.agent) options.agent = this.agent;
    return options;
  }

  /**
   * Starts a watch; `onEvent` gets each event, `onDone` is called once when the stream ends (null
   * after a normal close, else the error, with `statusCode` for an HTTP error). Resolves to the
   * function that stops it.
   */
  async watch<T>(
    path: string,
    query: Query,
    onEvent: (e: WatchEvent<T>) => void,
    onDone: (err: (Error & { statusCode?: number }) | null) => void,
  ): Promise<() => void> {
    const { watcher } = await this.load();
    const ctl = await watcher.watch(path, query, (type, object) => onEvent({ type: type as WatchEvent<T>['type'], object: object as T }), onDone);
    return () => ctl.abort();
  }

  /** Closes idle connections. */
  close(): void {
    this.agent?.destroy();
  }
}
