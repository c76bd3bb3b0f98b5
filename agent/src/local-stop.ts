import fs from "node:fs";
import type { LocalStop } from "@/lib/protocol/agent-events.ts";

/** What the switch file looks like right now: absent, or there since `mtimeMs` saying `text`. */
export type SwitchFile = { mtimeMs: number; text: string } | null;

export type LocalStopSwitchOptions = {
  /** The switch: a file in the agent's configuration directory (default /etc/workbench-agent/stop). */
  file: string;
  /** How often the file is looked at (default 500 ms): a stat of one file. */
  pollMs?: number;
  read?(file: string): SwitchFile;
  /** Called on every change (engaged, released, or a new reason in the file). */
  onChange(state: LocalStop): void;
};

const MAX_REASON_CHARS = 500;
const RELEASED: LocalStop = { engaged: false, since: null, reason: null };

/**
 * The on-host stop switch: while the file exists, the agent stops its runs,
 * refuses every order and dry run, and says so to the server; when it is
 * removed, the agent takes orders again. A file rather than a signal: an
 * operator finds it where the rest of the agent's configuration is, `ls`
 * shows whether it is engaged, its content says why, and it holds across
 * agent restarts and reboots (an agent that starts with the file present
 * starts nothing).
 *
 * Anything at the path engages it, whoever made it and whatever it holds (a
 * switch that stops things fails closed); its first line, up to 500
 * characters, is the reason. `since` is the file's modification time when the
 * agent first saw it: when the operator engaged it, even before this agent
 * process started.
 */
export class LocalStopSwitch {
  private current: LocalStop = RELEASED;
  private timer: NodeJS.Timeout | undefined;
  private readonly read: (file: string) => SwitchFile;

  constructor(private readonly options: LocalStopSwitchOptions) {
    this.read = options.read ?? readSwitchFile;
  }

  get state(): LocalStop {
    return this.current;
  }

  get file(): string {
    return this.options.file;
  }

  /** Looks at the file now (the agent's state is known before it connects), then every pollMs. */
  start(): void {
    this.check();
    this.timer = setInterval(() => this.check(), this.options.pollMs ?? 500);
    this.timer.unref();
  }

  /** Looks at the file now; the agent calls it right before starting anything, so a switch just engaged is never missed. */
  check(): LocalStop {
    const found = this.read(this.options.file);
    let next: LocalStop;
    if (!found) {
      next = RELEASED;
    } else {
      const reason =
        found.text
          .split("\n", 1)[0]!
          .replace(/[\u0000-\u001f\u007f]/g, " ")
          .trim()
          .slice(0, MAX_REASON_CHARS) || null;
      const since = this.current.engaged ? this.current.since : Math.max(0, Math.floor(found.mtimeMs));
      next = { engaged: true, since, reason };
    }
    if (next.engaged !== this.current.engaged || next.reason !== this.current.reason) {
      this.current = next;
      this.options.onChange(next);
    }
    return this.current;
  }

  /** "/etc/workbench-agent/stop, since 2026-12-04T08:00:00.000Z: disk replacement": which switch, since when, why. */
  describe(): string {
    const { since, reason } = this.current;
    const when = since === null ? "" : `, since ${new Date(since).toISOString()}`;
    return `${this.options.file}${when}${reason ? `: ${reason}` : ""}`;
  }

  dispose(): void {
    clearInterval(this.timer);
  }
}

function readSwitchFile(file: string): SwitchFile {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    // Only "not there" releases it; a file the agent cannot look at keeps it engaged.
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ENOTDIR") return null;
    return { mtimeMs: Date.now(), text: "" };
  }
  let text = "";
  if (stat.isFile()) {
    try {
      const fd = fs.openSync(file, "r");
      try {
        const buffer = Buffer.alloc(2048);
        text = buffer.toString("utf8", 0, fs.readSync(fd, buffer, 0, buffer.length, 0));
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      // engaged all the same, without a reason
    }
  }
  return { mtimeMs: stat.mtimeMs, text };
}
