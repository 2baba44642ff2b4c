/**
 * Pure: an SDK error classified by its name (never its message) into what the controller does
 * about it.
 */

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
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (status === undefined || status >= 500) return 'transient';
  return 'unknown';
}

/** The name to record as a call's outcome in metrics. */
export function outcomeName(err: unknown): string {
  const name = (err as { name?: string } | undefined)?.name;
  return name && /^[A-Za-z]+$/.test(name) ? name : 'NetworkError';
}
