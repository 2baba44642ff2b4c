/**
 * The wire format without a socket: an AWS SDK request handler (the `requestHandler` of a client's
 * config) that answers each signed request from an IotJobsService in the same process, through the
 * same routes, inputs and error shapes as the HTTP server. A rehearsal runs the controller's real
 * SDK client against it in virtual time. No faults and no call log: those are the server's.
 */
import { ServiceError, type Plane } from '../core/errors.js';
import { OPERATIONS, type IotJobsService } from '../core/service.js';
import { matchRoute, readQuery, signingService } from './routes.js';

/** The parts of an SDK HttpRequest this handler reads. */
export interface SdkRequest {
  method: string;
  path: string;
  query?: Record<string, string | string[] | null | undefined>;
  headers: Record<string, string>;
  body?: unknown;
}

/** The SDK HttpResponse shape: status, headers and the whole body. */
export interface SdkResponse {
  statusCode: number;
  reason?: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** A request handler for an AWS SDK v3 client; `onCall` is told of each request answered without an error, with its input. */
export function inProcessHandler(service: IotJobsService, onCall: (operation: string, input: Record<string, unknown>) => void = () => undefined) {
  return {
    metadata: { handlerProtocol: 'in-process' },
    handle(request: SdkRequest): Promise<{ response: SdkResponse }> {
      const plane: Plane = signingService(request.headers.authorization ?? request.headers.Authorization) === 'iot-jobs-data' ? 'data' : 'control';
      const { operation, input, response } = answer(service, plane, request);
      if (input) onCall(operation, input);
      return Promise.resolve({ response });
    },
    updateHttpClientConfig(): void {},
    httpHandlerConfigs: () => ({}),
    destroy(): void {},
  };
}

/** The operation a request named, its input when it succeeded, and the response. */
interface Answer {
  operation: string;
  input?: Record<string, unknown>;
  response: SdkResponse;
}

function answer(service: IotJobsService, plane: Plane, request: SdkRequest): Answer {
  let operation = 'Unknown';
  try {
    const match = matchRoute(plane, request.method, request.path);
    if (!match)
      return { operation, response: json(404, { message: `no ${plane}-plane operation at ${request.method} ${request.path}` }, 'UnknownOperationException') };
    operation = match.route.operation;
    const input = { ...bodyOf(request.body), ...readQuery(match.route, searchParams(request.query)), ...match.params };
    return { operation, input, response: json(200, service.call(match.route.operation, input)) };
  } catch (err) {
    if (!(err instanceof ServiceError)) throw err;
    const status = err.httpStatus(OPERATIONS[operation as keyof typeof OPERATIONS]?.plane ?? plane);
    return { operation, response: json(status, { message: err.message, ...err.extra }, err.code) };
  }
}

function bodyOf(body: unknown): Record<string, unknown> {
  const text = typeof body === 'string' ? body : body instanceof Uint8Array ? new TextDecoder().decode(body) : '';
  return text.trim() === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

function searchParams(query: SdkRequest['query']): URLSearchParams {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) for (const one of Array.isArray(v) ? v : v == null ? [] : [v]) out.append(k, one);
  return out;
}

function json(statusCode: number, body: unknown, errorType?: string): SdkResponse {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (errorType) headers['x-amzn-errortype'] = errorType;
  return { statusCode, headers, body: Buffer.from(JSON.stringify(body ?? {})) };
}
