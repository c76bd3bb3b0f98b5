// The agent's one error type. The CLI turns its code into an exit status and
// prints its message; nothing else is printed for an expected failure.
export const AGENT_EXIT_CODES = {
  USAGE: 64, // EX_USAGE from sysexits.h
  REFUSED: 65, // the envelope or order was refused (EX_DATAERR)
  UNAVAILABLE: 69, // server or bpftrace unavailable (EX_UNAVAILABLE)
  CONFIG: 78, // bad configuration (EX_CONFIG)
  INTERNAL: 70, // EX_SOFTWARE
} as const;

export type AgentErrorCode = keyof typeof AGENT_EXIT_CODES;

export class AgentError extends Error {
  override name = "AgentError";
  constructor(
    readonly code: AgentErrorCode,
    message: string,
    /** For REFUSED: the server's error code (lib/server/errors.ts), e.g. BAD_REQUEST. */
    readonly serverCode?: string,
  ) {
    super(message);
  }
}

/**
 * Server answers that asking again cannot change: the request itself is wrong
 * (BAD_REQUEST, PAYLOAD_TOO_LARGE), names what this host may not touch
 * (NOT_FOUND, FORBIDDEN), or meets a state that will not go back (CONFLICT:
 * the run ended; UNPROCESSABLE). Anything else (INTERNAL, TOO_MANY_REQUESTS,
 * no answer) may pass on a later try.
 */
const FINAL_SERVER_CODES = new Set(["BAD_REQUEST", "PAYLOAD_TOO_LARGE", "NOT_FOUND", "FORBIDDEN", "CONFLICT", "UNPROCESSABLE"]);

export function isFinalRefusal(error: unknown): error is AgentError {
  return error instanceof AgentError && error.code === "REFUSED" && FINAL_SERVER_CODES.has(error.serverCode ?? "");
}
