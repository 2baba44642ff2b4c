/**
 * Service errors of the emulated AWS IoT control plane and jobs data plane.
 *
 * A ServiceError carries the model's shape name (sent as `x-amzn-ErrorType`) and the extra body
 * fields that shape defines. The HTTP status comes from the model and, for ThrottlingException,
 * from the plane that raised it (400 on the control plane, 429 on the data plane).
 */

/** Every error shape the emulator raises; each is modeled for the operations that raise it. */
export type ErrorCode =
  | 'InvalidRequestException'
  | 'ResourceNotFoundException'
  | 'ResourceAlreadyExistsException'
  | 'InvalidStateTransitionException'
  | 'ConflictException'
  | 'VersionConflictException'
  | 'LimitExceededException'
  | 'ThrottlingException'
  | 'ServiceUnavailableException'
  | 'InternalFailureException'
  | 'TerminalStateException';

const STATUS: Record<ErrorCode, number> = {
  InvalidRequestException: 400,
  ResourceNotFoundException: 404,
  ResourceAlreadyExistsException: 409,
  InvalidStateTransitionException: 409,
  ConflictException: 409,
  VersionConflictException: 409,
  LimitExceededException: 410,
  ThrottlingException: 400,
  ServiceUnavailableException: 503,
  InternalFailureException: 500,
  TerminalStateException: 410,
};

/** The plane an operation belongs to; it decides the HTTP status of a ThrottlingException. */
export type Plane = 'control' | 'data';

/** An error the service returns to the caller: never a crash of the emulator. */
export class ServiceError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = code;
  }

  /** The HTTP status the service model gives this error on the given plane. */
  httpStatus(plane: Plane): number {
    if (this.code === 'ThrottlingException' && plane === 'data') return 429;
    return STATUS[this.code];
  }
}

/** InvalidRequestException: the input is malformed or the state does not allow the call. */
export function invalidRequest(message: string): ServiceError {
  return new ServiceError('InvalidRequestException', message);
}

/** ResourceNotFoundException for the named kind of resource. */
export function notFound(kind: string, id: string): ServiceError {
  return new ServiceError('ResourceNotFoundException', `${kind} ${id} does not exist`);
}

/** InvalidStateTransitionException with a message that names the transition refused. */
export function invalidTransition(message: string): ServiceError {
  return new ServiceError('InvalidStateTransitionException', message);
}
