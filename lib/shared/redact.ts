// The one redaction rule for every log the workbench writes, the server's and
// the agent's: anything that could carry a secret (agent credentials and
// enrollment tokens, passwords, cookies, private keys) is masked by key name
// and by shape before it is written. Pure code, so both sides import it.
const SECRET_KEY = /pass(word)?|secret|token|credential|cookie|authorization|private/i;
const SECRET_VALUE = /\b(wb[eat]_[A-Za-z0-9_-]{20,})|-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g;

/** `value` with every secret-looking string and every value under a secret-sounding key replaced by "[redacted]". */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return value.replace(SECRET_VALUE, "[redacted]");
  if (depth > 5 || value === null || typeof value !== "object") return value;
  if (value instanceof Error) return { name: value.name, message: redact(value.message), stack: redact(value.stack) };
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, SECRET_KEY.test(key) ? "[redacted]" : redact(item, depth + 1)]));
}
