import "server-only";

// Structured logs on stdout. Anything that could carry a secret (tokens,
// credentials, passwords, cookies, private keys) is redacted by key name and
// by shape before it is written.
const SECRET_KEY = /pass(word)?|secret|token|credential|cookie|authorization|private/i;
const SECRET_VALUE = /\b(wb[eat]_[A-Za-z0-9_-]{20,})|-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g;

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return value.replace(SECRET_VALUE, "[redacted]");
  if (depth > 5 || value === null || typeof value !== "object") return value;
  if (value instanceof Error) return { name: value.name, message: redact(value.message), stack: redact(value.stack) };
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, SECRET_KEY.test(key) ? "[redacted]" : redact(item, depth + 1)]),
  );
}

function write(level: "info" | "warn" | "error", message: string, fields?: Record<string, unknown>): void {
  const line = JSON.stringify({ t: new Date().toISOString(), level, msg: redact(message), ...(redact(fields ?? {}) as object) });
  (level === "info" ? process.stdout : process.stderr).write(line + "\n");
}

export const logInfo = (message: string, fields?: Record<string, unknown>) => write("info", message, fields);
export const logWarn = (message: string, fields?: Record<string, unknown>) => write("warn", message, fields);
export function logError(message: string, error: unknown, fields?: Record<string, unknown>): void {
  write("error", message, { ...fields, error });
}
