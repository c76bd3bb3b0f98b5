// The terminal client's one error type. Each code is an exit status a script
// can branch on (documented in README, "The terminal client"); the message is
// a sentence for the person at the terminal, saying what to do next.
export const EXIT_CODES = {
  OK: 0,
  /** The server answered, and refused or could not do it (400, 404, 409, 422, ...). */
  REFUSED: 1,
  /** Wrong flags or arguments. */
  USAGE: 2,
  /** Not logged in, or the token is malformed, unknown, expired or revoked (401). */
  UNAUTHENTICATED: 3,
  /** The token or its user may not do this (403): a missing scope or role. */
  FORBIDDEN: 4,
  /** The server could not be reached, or failed (5xx). */
  UNAVAILABLE: 5,
  /** submit: the policy lint found errors in the program (printed as FILE:LINE:COL). */
  LINT: 6,
  /** watch: the run ended other than by completing or reaching its duration limit. */
  RUN_FAILED: 7,
} as const;

export type ExitCode = keyof typeof EXIT_CODES;

export class CliError extends Error {
  override name = "CliError";
  constructor(
    readonly code: Exclude<ExitCode, "OK">,
    message: string,
    /** What the server sent beside its sentence (e.g. the lint findings of a refused program). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }

  get exitStatus(): number {
    return EXIT_CODES[this.code];
  }
}
