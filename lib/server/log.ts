import "server-only";
import { redact } from "@/lib/shared/redact.ts";

// Structured logs on stdout, redacted by the rule every log shares
// (lib/shared/redact.ts) before anything is written.
function write(level: "info" | "warn" | "error", message: string, fields?: Record<string, unknown>): void {
  const line = JSON.stringify({ t: new Date().toISOString(), level, msg: redact(message), ...(redact(fields ?? {}) as object) });
  (level === "info" ? process.stdout : process.stderr).write(line + "\n");
}

export const logInfo = (message: string, fields?: Record<string, unknown>) => write("info", message, fields);
export const logWarn = (message: string, fields?: Record<string, unknown>) => write("warn", message, fields);
export function logError(message: string, error: unknown, fields?: Record<string, unknown>): void {
  write("error", message, { ...fields, error });
}
