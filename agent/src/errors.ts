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
  ) {
    super(message);
  }
}
