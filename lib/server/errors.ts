import "server-only";

// The one error type use cases throw. Each edge translates the code: route
// handlers to an HTTP status (below), socket handlers to an error ack, the
// agent to an exit code. Anything that is not an AppError is a bug: edges log
// it and answer with a generic message, never its detail.
export const APP_ERROR_STATUS = {
  /** The input is malformed or out of range. */
  BAD_REQUEST: 400,
  /** No valid session or agent credential. */
  UNAUTHENTICATED: 401,
  /** Authenticated, but the role or ownership does not allow it. */
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  /** The state changed underneath the request (already decided, already running, ...). */
  CONFLICT: 409,
  /** The request is well-formed but breaks a rule (self-approval, expired token, ...). */
  UNPROCESSABLE: 422,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
} as const;

export type AppErrorCode = keyof typeof APP_ERROR_STATUS;

export class AppError extends Error {
  override name = "AppError";
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }

  get status(): number {
    return APP_ERROR_STATUS[this.code];
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** What an edge may show for any error: the AppError itself, or a generic internal error. */
export function publicError(error: unknown): { code: AppErrorCode | "INTERNAL"; message: string; details?: Record<string, unknown> } {
  if (isAppError(error)) return { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) };
  return { code: "INTERNAL", message: "Something went wrong on the server; it has been logged." };
}
