// What the server's output says went wrong during a load.

export type LogCount = { errors: number; warnings: number; top: [string, number][] };

/**
 * Error-level lines of the server's output: its structured log
 * (lib/server/log.ts, `"level":"error"`) and anything else it printed that
 * names an error (an unhandled rejection, Next's own messages).
 */
export function countLogErrors(outputs: string[]): LogCount {
  const messages = new Map<string, number>();
  let errors = 0;
  let warnings = 0;
  for (const output of outputs) {
    for (const line of output.split("\n")) {
      if (!line.trim()) continue;
      let level: string | undefined;
      let message = line;
      try {
        const parsed = JSON.parse(line) as { level?: string; msg?: string; error?: { message?: string } };
        level = parsed.level;
        message = [parsed.msg, parsed.error?.message].filter(Boolean).join(": ");
      } catch {
        level = /\berror\b/i.test(line) ? "error" : undefined;
      }
      if (level === "warn") warnings += 1;
      if (level !== "error") continue;
      errors += 1;
      const key = message.slice(0, 160);
      messages.set(key, (messages.get(key) ?? 0) + 1);
    }
  }
  return { errors, warnings, top: [...messages.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3) };
}
