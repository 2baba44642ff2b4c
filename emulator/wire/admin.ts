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
import type { ServerResponse } from 'node:http';
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

/** One admin request: its method, URL and parsed JSON body. */
export interface AdminRequest {
  method: string | undefined;
  url: URL;
  body: Record<string, unknown>;
}

/** The status and body answering an admin request; a ServiceError becomes its status and message, anything else is thrown. */
function answer(ctx: AdminContext, request: AdminRequest): { status: number; out: unknown } {
  const { method, url, body } = request;
  const handler = ROUTES[`${method} ${url.pathname}`];
  if (!handler) return { status: 404, out: { message: `no admin endpoint ${method} ${url.pathname}` } };
  try {
    return { status: 200, out: handler(ctx, body, url) };
  } catch (err) {
    if (!(err instanceof ServiceError)) throw err;
    return { status: err.httpStatus('control'), out: { message: err.message } };
  }
}

/** Answers one admin request. */
export function handleAdmin(ctx: AdminContext, request: AdminRequest, res: ServerResponse): void {
  const { status, out } = answer(ctx, request);
  const text = JSON.stringify(out);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
