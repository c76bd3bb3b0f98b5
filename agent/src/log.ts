import { redact } from "@/lib/shared/redact.ts";

// The agent logs one JSON object per line on stderr (journald keeps it),
// redacted by the rule the server's log shares (lib/shared/redact.ts): agent
// credentials and enrollment tokens are masked wherever they appear, and
// values under secret-sounding keys too.
export function agentLog(message: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ t: new Date().toISOString(), msg: redact(message), ...(redact(fields) as object) });
  process.stderr.write(line + "\n");
}
