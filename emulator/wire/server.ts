/**
 * The emulator's HTTP server: both planes on one port in the AWS rest-json wire format, plus the
 * admin endpoints under /_emulator/. Unmodified AWS SDKs and the AWS CLI work against it with only
 * the endpoint overridden. Every request is answered with a JSON body: a malformed one gets
 * InvalidRequestException, never a crash.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { invalidRequest, ServiceError, type Plane } from '../core/errors.js';
import { handleS3 } from './s3.js';
import { OPERATIONS, type IotJobsService } from '../core/service.js';
import { handleAdmin, type AdminContext } from './admin.js';
import { CallLog } from './call-log.js';
import { FaultInjector, type FaultConfig } from './faults.js';
import { matchRoute, readQuery, signingService } from './routes.js';

/** The largest request body accepted (a CreateJob with a 32 KB document fits many times over). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** How to serve a service over HTTP. */
export interface ServerOptions {
  host?: string;
  port?: number;
  faults?: FaultConfig;
  /** How often, in real milliseconds, due timers fire when no request arrives. */
  tickMs?: number;
}

/** A running server. */
export interface RunningServer {
  url: string;
  server: Server;
  calls: CallLog;
  faults: FaultInjector;
  /** Told of every API call answered with success: the operation, its input as the wire carried it, and the body sent (tests check them against the AWS models). */
  onCall: Set<CallObserver>;
  /** Told of every API call the service answered with an error (injected faults aside): the operation, the error's name, HTTP status and body. */
  onError: Set<ErrorObserver>;
  close(): Promise<void>;
}

/** Sees one successful API call. */
export type CallObserver = (operation: string, input: Record<string, unknown>, output: unknown) => void;

/** Sees one API call answered with an error: the operation, the error's name, its HTTP status and the body sent. */
export type ErrorObserver = (operation: string, code: string, status: number, body: Record<string, unknown>) => void;

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body ?? {});
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': randomUUID(), ...headers });
  res.end(text);
}

/** The body an error is answered with. */
function errorBody(err: ServiceError): Record<string, unknown> {
  return { message: err.message, ...err.extra };
}

function sendError(res: ServerResponse, err: ServiceError, plane: Plane): void {
  send(res, err.httpStatus(plane), errorBody(err), { 'x-amzn-errortype': err.code });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw invalidRequest(`request body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidRequest('the request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidRequest('the request body must be a JSON object');
  return value as Record<string, unknown>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One API request being answered, for the call log: where it went, in which plane, when it began and the operation it turned out to be. */
interface ApiCall {
  url: URL;
  plane: Plane;
  started: number;
  operation: string;
  /** The answer is an injected fault, not the service's. */
  injected?: boolean;
}

/** Starts serving `service`; resolves once the port is bound. Port 0 picks a free port. */
export async function serve(service: IotJobsService, opts: ServerOptions = {}): Promise<RunningServer> {
  const calls = new CallLog();
  const onCall = new Set<CallObserver>();
  const onError = new Set<ErrorObserver>();
  const faults = new FaultInjector(opts.faults ?? {});
  const admin: AdminContext = { service, calls, faults };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        send(res, 500, { message: `internal emulator error: ${(err as Error).message}` }, { 'x-amzn-errortype': 'InternalFailureException' });
    });
  });
  server.keepAliveTimeout = 65_000;

  async function handleAdminRequest(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    let body: Record<string, unknown>;
    try {
      body = parseBody(await readBody(req));
    } catch (err) {
      if (!(err instanceof ServiceError)) throw err;
      return sendError(res, err, 'control');
    }
    handleAdmin(admin, { method: req.method, url, body }, res);
  }

  /** Answers a request signed for S3 (wire/s3.ts) and records it in the call log. */
  async function handleS3Request(req: IncomingMessage, res: ServerResponse, url: URL, started: number): Promise<void> {
    const { operation, status } = await handleS3(req, res, url, service);
    const outcome = status < 300 ? 'ok' : String(status);
    calls.record({ at: Date.now(), operation, path: url.pathname, plane: 's3', outcome, status, latencyMs: performance.now() - started });
  }

  /** Records the call in the call log, its latency measured from its start. */
  function log(call: ApiCall, outcome: string, status: number): void {
    calls.record({
      at: Date.now(),
      operation: call.operation,
      path: call.url.pathname,
      plane: call.plane,
      outcome,
      status,
      latencyMs: performance.now() - call.started,
    });
  }

  /** Answers one request: an admin endpoint, or an API operation whose ServiceError is answered in its plane's shape. */
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://emulator');
    if (url.pathname.startsWith('/_emulator/')) return handleAdminRequest(req, res, url);
    if (signingService(req.headers.authorization) === 's3') return handleS3Request(req, res, url, started);
    const plane: Plane = signingService(req.headers.authorization) === 'iot-jobs-data' ? 'data' : 'control';
    const call: ApiCall = { url, plane, started, operation: 'Unknown' };
    try {
      await handleOperation(req, res, call);
    } catch (err) {
      if (!(err instanceof ServiceError)) throw err;
      answerError(res, call, err);
    }
  }

  /** Answers a ServiceError in its operation's plane's shape, logs it, and tells the error observers of the service's own errors. */
  function answerError(res: ServerResponse, call: ApiCall, err: ServiceError): void {
    const errorPlane = OPERATIONS[call.operation as keyof typeof OPERATIONS]?.plane ?? call.plane;
    sendError(res, err, errorPlane);
    log(call, err.code, err.httpStatus(call.plane));
    if (call.operation === 'Unknown' || call.injected) return;
    for (const observe of onError) observe(call.operation, err.code, err.httpStatus(errorPlane), errorBody(err));
  }

  /** Routes an API request to its operation (naming it in `call`), applies the injected faults and answers; a ServiceError is thrown. */
  async function handleOperation(req: IncomingMessage, res: ServerResponse, call: ApiCall): Promise<void> {
    const match = matchRoute(call.plane, req.method ?? 'GET', call.url.pathname);
    if (!match) return unknownOperation(req, res, call);
    call.operation = match.route.operation;
    const body = parseBody(await readBody(req));
    const decision = faults.decide(call.operation);
    if (decision.delayMs > 0) await sleep(decision.delayMs);
    if (decision.kind === 'drop') return hangUp(req, call, 'dropped');
    if (decision.kind === 'error') {
      call.injected = true;
      throw new ServiceError(decision.code, `injected ${decision.code}`);
    }
    const input = { ...body, ...readQuery(match.route, call.url.searchParams), ...match.params };
    const out = service.call(match.route.operation, input);
    for (const observe of onCall) observe(match.route.operation, input, out);
    if (decision.kind === 'lose-response') return hangUp(req, call, 'lost-response');
    send(res, 200, out);
    log(call, 'ok', 200);
  }

  /** Answers a request no operation of its plane matches with 404 UnknownOperationException, after reading its body. */
  async function unknownOperation(req: IncomingMessage, res: ServerResponse, call: ApiCall): Promise<void> {
    await readBody(req);
    send(res, 404, { message: `no ${call.plane}-plane operation at ${req.method} ${call.url.pathname}` }, { 'x-amzn-errortype': 'UnknownOperationException' });
    log(call, 'UnknownOperationException', 404);
  }

  /** Closes the connection without an answer (a dropped request or a lost response) and logs the outcome with status 0. */
  function hangUp(req: IncomingMessage, call: ApiCall, outcome: 'dropped' | 'lost-response'): void {
    req.socket.destroy();
    log(call, outcome, 0);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const ticker = setInterval(() => service.tick(), opts.tickMs ?? 100);
  ticker.unref();
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    server,
    calls,
    faults,
    onCall,
    onError,
    close: async () => {
      clearInterval(ticker);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
