/**
 * The controller's HTTP endpoints: /metrics (Prometheus text), /healthz (the process serves) and
 * /readyz (the source has a good snapshot and AWS answered the last ListJobs).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from './metrics.js';

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
export async function serveMetrics(metrics: Metrics, probes: Probes, host: string, port: number): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      res.writeHead(status, { 'content-type': type });
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
