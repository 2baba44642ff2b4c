/**
 * The controller's HTTP endpoints: /metrics (Prometheus text), /healthz (the process serves),
 * /readyz (the source has a good snapshot and AWS answered the last ListJobs), and the read-only
 * status page at / with its data at /status.json.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from './metrics.js';
import type { StatusBoard } from './status-board.js';
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

/** Serves the endpoints on host:port (port 0 picks a free one). */
export async function serveMetrics(metrics: Metrics, probes: Probes, host: string, port: number, board?: StatusBoard): Promise<MetricsServer> {
  const page = statusPageHtml();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (path === '/metrics') {
      metrics.registry.metrics().then(
        (text) => send(200, text, metrics.registry.contentType),
        (err: Error) => send(500, err.message),
      );
    } else if (path === '/healthz') {
      send(probes.live() ? 200 : 503, probes.live() ? 'ok\n' : 'not live\n');
    } else if (path === '/readyz') {
      send(probes.ready() ? 200 : 503, probes.ready() ? 'ready\n' : 'not ready\n');
    } else if (path === '/' && board) {
      send(200, page, 'text/html; charset=utf-8');
    } else if (path === '/status.json' && board) {
      send(200, JSON.stringify(board.view()), 'application/json');
    } else {
      send(404, 'not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
