// The agent logs one JSON object per line on stderr (journald keeps it).
// Agent credentials and enrollment tokens are masked wherever they appear.
const SECRET = /\bwb[eat]_[A-Za-z0-9_-]{20,}/g;

export function agentLog(message: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ t: new Date().toISOString(), msg: message, ...fields });
  process.stderr.write(line.replace(SECRET, "[redacted]") + "\n");
}
