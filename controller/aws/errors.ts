/**
 * Pure: an SDK error classified by its name (never its message) into what the controller does
 * about it.
 */
import { TerminalError, ThrottledError } from '../model/errors.js';

/** What an AWS error means to the controller. */
export type ErrorClass = 'not-found' | 'exists' | 'throttled' | 'invalid-state' | 'limit' | 'invalid-request' | 'version-conflict' | 'transient' | 'unknown';

const BY_NAME: Record<string, ErrorClass> = {
  ResourceNotFoundException: 'not-found',
  ResourceAlreadyExistsException: 'exists',
  ThrottlingException: 'throttled',
  TooManyRequestsException: 'throttled',
  InvalidStateTransitionException: 'invalid-state',
  LimitExceededException: 'limit',
  InvalidRequestException: 'invalid-request',
  VersionConflictException: 'version-conflict',
  ServiceUnavailableException: 'transient',
  InternalFailureException: 'transient',
  InternalServerException: 'transient',
};

/** Classifies an error thrown by an SDK call. Network errors and 5xx without a known name are transient. */
export function classify(err: unknown): ErrorClass {
  const name = (err as { name?: string } | undefined)?.name ?? '';
  const known = BY_NAME[name];
  if (known) return known;
  const status = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  if (status === undefined || status >= 500) return 'transient';
  return 'unknown';
}

/** The name to record as a call's outcome in metrics. */
export function outcomeName(err: unknown): string {
  const name = (err as { name?: string } | undefined)?.name;
  return name && /^[A-Za-z]+$/.test(name) ? name : 'NetworkError';
}

/**
 * The error a failed call is thrown on as: throttling or a service limit becomes a ThrottledError
 * (back off and retry); a request AWS refused as invalid becomes a TerminalError (retrying the same
 * request cannot help, so the job is stalled with AWS's words until the manifest changes; the
 * resync revisits it); anything else is thrown as it is.
 */
export function typedError(operation: string, err: unknown): unknown {
  const cls = classify(err);
  const message = (err as Error | undefined)?.message;
  if (cls === 'throttled' || cls === 'limit') return new ThrottledError(`${operation}: ${message}`, { cause: err });
  if (cls === 'invalid-request') return new TerminalError(`${operation} was refused by AWS IoT: ${message}`, { cause: err });
  return err;
}
