/**
 * Admin endpoints under /_emulator/ for tests, benchmarks and the demo:
 *   GET  /_emulator/health            liveness, account, region and time scale
 *   POST /_emulator/reset             forget all state and the call log
 *   GET  /_emulator/state             the whole state as JSON (a snapshot)
 *   GET  /_emulator/calls?since=N     the call log after sequence N; DELETE empties it
 *   GET  /_emulator/calls/summary     counts by operation and outcome
 *   GET|PUT|PATCH /_emulator/faults   read, replace or merge the fault settings
 *   PUT  /_emulator/s3-objects        {url, body}: an S3 object a documentSource may name
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ServiceError } from '../core/errors.js';
import type { IotJobsService } from '../core/service.js';
import { snapshot } from '../core/snapshot.js';
import type { CallLog } from './call-log.js';
import type { FaultInjector } from './faults.js';

/** What the admin endpoints act on. */
export interface AdminContext {
  service: IotJobsService;
  calls: CallLog;
  faults: FaultInjector;
}

type Handler = (ctx: AdminContext, body: Record<string, unknown>, url: URL) => unknown;

const since = (url: URL): number => Number(url.searchParams.get('since') ?? 0) || 0;

const ROUTES: Record<string, Handler> = {
  'GET /_emulator/health': ({ service }) => ({ status: 'ok', ...service.partition, timeScale: service.clock.scale }),
  'POST /_emulator/reset': ({ service, calls }) => {
    service.reset();
    calls.clear();
    return { reset: true };
  },
  'GET /_emulator/state': ({ service }) => {
    service.tick();
    return snapshot(service.state);
  },
  'GET /_emulator/calls': ({ calls }, _b, url) => ({ last: calls.last, calls: calls.since(since(url)) }),
  'DELETE /_emulator/calls': ({ calls }) => {
    calls.clear();
    return { last: calls.last };
  },
  'GET /_emulator/calls/summary': ({ calls }, _b, url) => ({ last: calls.last, summary: calls.summary(since(url)) }),
  'GET /_emulator/faults': ({ faults }) => faults.get(),
  'PUT /_emulator/faults': ({ faults }, body) => {
    faults.set(body);
    return faults.get();
  },
  'PATCH /_emulator/faults': ({ faults }, body) => {
    faults.merge(body);
    return faults.get();
  },
  'PUT /_emulator/s3-objects': ({ service }, body) => {
    if (typeof body.url !== 'string' || typeof body.body !== 'string') throw new ServiceError('InvalidRequestException', 'url and body must be strings');
    service.putS3Object(body.url, body.body);
    return { stored: body.url };
  },
};

/** Answers one admin request. */
export function handleAdmin(ctx: AdminContext, req: IncomingMessage, res: ServerResponse, url: URL, body: Record<string, unknown>): void {
  const handler = ROUTES[`${req.method} ${url.pathname}`];
  let status = 200;
  let out: unknown;
  try {
    if (!handler) {
      status = 404;
      out = { message: `no admin endpoint ${req.method} ${url.pathname}` };
    } else {
      out = handler(ctx, body, url);
    }
  } catch (err) {
    if (!(err instanceof ServiceError)) throw err;
    status = err.httpStatus('control');
    out = { message: err.message };
  }
  const text = JSON.stringify(out);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
