/**
 * The controller's HTTP endpoints: /metrics (Prometheus text), /healthz (the process serves),
 * /readyz (the source has a good snapshot and AWS answered the last ListJobs), the read-only
 * status page at / with its data at /status.json, and POST /reconcile to reconcile now.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from './metrics.js';
import type { BoardQuery, StatusBoard } from './status-board.js';
import { statusPageHtml } from './status-page.js';

/** What the endpoints report on. */
export interface Probes {
  ready(): boolean;
  live(): boolean;
}

/** A started server and its address. */
export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/** Where to listen: a host and a port (0 picks a free one). */
export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * Asks for a reconcile now: of one manifest key, or (undefined) of every key after a fresh list of
 * AWS. Resolves to how many keys were queued; undefined when this replica cannot (a standby, or
 * not synced yet); `unknownKey` when the key is not managed; `tooSoon` for a full resync asked for
 * again within seconds.
 */
export type ReconcileRequest = (key: string | undefined) => Promise<{ queued: number } | 'unknownKey' | 'tooSoon' | undefined>;

/** What the server serves besides /metrics and the probes: the status page and /status.json with a board, POST /reconcile with a handler. */
export interface ServerExtras {
  board?: StatusBoard;
  reconcile?: ReconcileRequest;
}

/** Serves the endpoints on the address; the status page and /status.json only with a board, /reconcile only with a handler (else 404). */
export async function serveMetrics(metrics: Metrics, probes: Probes, addr: ListenAddress, extras: ServerExtras = {}): Promise<MetricsServer> {
  const page = statusPageHtml();
  const routes = routesFor(metrics, probes, extras.board && { board: extras.board, page });
  if (extras.reconcile) routes.set('/reconcile', reconcileRoute(extras.reconcile));
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://controller');
    const send: Send = (status, body, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    (routes.get(url.pathname) ?? notFound)(send, { method: req.method ?? 'GET', query: url.searchParams });
  });
  await listen(server, addr);
  return { url: urlOf(server.address() as AddressInfo), close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Answers a request: the status, the body and its content type (undefined: plain text). */
type Send = (status: number, body: string, type?: string) => void;
/** A request as a route sees it. */
interface Request {
  method: string;
  query: URLSearchParams;
}
/** What one path answers. */
type Route = (send: Send, req: Request) => void;

const notFound: Route = (send) => send(404, 'not found\n');

/** The answer of each path: /metrics, /healthz and /readyz, and with a status board (undefined: none) the page at / and /status.json. */
function routesFor(metrics: Metrics, probes: Probes, status: { board: StatusBoard; page: string } | undefined): Map<string, Route> {
  const routes = new Map<string, Route>([
    [
      '/metrics',
      (send) =>
        metrics.registry.metrics().then(
          (text) => send(200, text, metrics.registry.contentType),
          (err: Error) => send(500, err.message),
        ),
    ],
    ['/healthz', (send) => send(probes.live() ? 200 : 503, probes.live() ? 'ok\n' : 'not live\n')],
    ['/readyz', (send) => send(probes.ready() ? 200 : 503, probes.ready() ? 'ready\n' : 'not ready\n')],
  ]);
  if (!status) return routes;
  routes.set('/', (send) => send(200, status.page, 'text/html; charset=utf-8'));
  routes.set('/status.json', (send, req) => send(200, JSON.stringify(status.board.view(boardQuery(req.query))), 'application/json'));
  return routes;
}

/** POST /reconcile[?key=K]: 202 with what was queued, 404 for a key not managed, 429 for a full resync asked again too soon, 503 on a standby, 405 for another method. */
function reconcileRoute(request: ReconcileRequest): Route {
  return (send, req) => {
    if (req.method !== 'POST') return send(405, 'use POST /reconcile (optionally ?key=KEY)\n');
    const key = req.query.get('key') ?? undefined;
    request(key).then(
      (r) => {
        if (r === 'unknownKey') send(404, `no managed manifest has the key ${JSON.stringify(key)}\n`);
        else if (r === 'tooSoon') send(429, 'a full resync was asked for seconds ago; ask again later, or for one key (?key=KEY)\n');
        else if (!r) send(503, 'this replica is not reconciling (a standby, or the source is not synced yet)\n');
        else send(202, JSON.stringify({ requestedAt: new Date().toISOString(), key, queued: r.queued }), 'application/json');
      },
      (err: Error) => send(500, `${err.message}\n`),
    );
  };
}

/** /status.json's query: show=attention, q=text, offset and limit (a limit of 0 or none: all). */
function boardQuery(p: URLSearchParams): BoardQuery {
  const int = (name: string): number | undefined => {
    const n = Number.parseInt(p.get(name) ?? '', 10);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  };
  return { show: p.get('show') === 'attention' ? 'attention' : 'all', q: p.get('q') ?? undefined, offset: int('offset'), limit: int('limit') };
}

/** Resolves once the server listens on the address; rejects when it cannot (e.g. the port is taken). */
function listen(server: Server, addr: ListenAddress): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(addr.port, addr.host, () => resolve());
  });
}

/** The base URL of a listening address (an IPv6 address in brackets). */
function urlOf(addr: AddressInfo): string {
  return `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
}
