import { io, type Socket } from "socket.io-client";
import type { HistRecord } from "@/lib/shared/bpftrace/records.ts";
import type { Frame } from "@/lib/shared/frame.ts";
import { LIVE_NAMESPACE, SOCKET_PATH, type Ack } from "@/lib/shared/sockets.ts";
import type { LiveClientToServerEvents, LiveServerToClientEvents, RunSnapshot } from "@/lib/views/live-events.ts";
import type { WorkbenchApi } from "../api.ts";
import { CliError } from "../cli-error.ts";
import { printJson, type Output } from "../output.ts";
import { renderHistogram, summarizeSeries } from "../render-histogram.ts";

// `workbench watch RUN`: the run's histograms as bpftrace prints them, with
// p50 and p99, redrawn in place on a terminal each time the host prints
// them, until the run ends. It watches over the live socket (/live) with the
// API token (`auth: { apiToken }`, scope runs:read), as the run page does
// with its session.

type LiveSocket = Socket<LiveServerToClientEvents, LiveClientToServerEvents>;

/** Ends that are not a failure of the run: it finished, reached its limit, or a person stopped it. */
const FINE_ENDS = new Set(["COMPLETED", "DURATION_LIMIT", "STOPPED"]);

/** What the watch knows: the run's state and the latest print of each histogram (cumulative, as bpftrace prints it). */
export class WatchView {
  run: RunSnapshot | null = null;
  readonly histograms = new Map<string, HistRecord>();
  #lastSeq = 0;

  /** Frames in seq order; older or repeated ones (a re-watch's snapshot) change nothing. */
  addFrames(frames: readonly Frame[]): boolean {
    let changed = false;
    for (const frame of frames) {
      if (frame.seq <= this.#lastSeq) continue;
      this.#lastSeq = frame.seq;
      if (frame.record.type === "hist") {
        this.histograms.set(frame.record.map, frame.record as HistRecord);
        changed = true;
      }
    }
    return changed;
  }

  lines(now: number): string[] {
    const run = this.run;
    if (!run) return [];
    const started = run.startedAt ? Date.parse(run.startedAt) : null;
    const elapsed = started === null ? "" : ` · ${Math.max(0, Math.round(((run.endedAt ? Date.parse(run.endedAt) : now) - started) / 1000))}s of ${run.durationSec}s`;
    const state = run.status === "ENDED" ? `ENDED (${(run.endReason ?? "?").toLowerCase()})` : run.stopRequestedAt ? "STOPPING" : run.status;
    const lines = [`run ${run.id} · ${run.programName} r${run.revisionNumber} on ${run.hostName} · ${state}${elapsed}`, ""];
    if (this.histograms.size === 0) lines.push(run.status === "ENDED" ? "The run printed no histogram." : "Waiting for the first histogram...", "");
    for (const record of this.histograms.values()) lines.push(...renderHistogram(record));
    if (run.status === "ENDED" && run.endDetail) lines.push(run.endDetail);
    return lines;
  }

  json(): unknown {
    return {
      run: this.run && { id: this.run.id, status: this.run.status, endReason: this.run.endReason, lastSeq: this.run.lastSeq },
      histograms: [...this.histograms.values()].flatMap((record) => summarizeSeries(record).map((summary, index) => ({ ...summary, buckets: record.series[index]!.buckets }))),
    };
  }
}

/** Draws over what it drew last on a terminal (cursor up, clear below); elsewhere prints each state after the previous one. */
export class Redrawer {
  #drawn = 0;
  constructor(private readonly out: Output) {}

  draw(lines: string[]): void {
    if (this.out.json) return;
    const tty = this.out.stdout.isTTY === true;
    let text = "";
    if (tty && this.#drawn > 0) text += `\x1b[${this.#drawn}A\x1b[J`;
    text += lines.join("\n") + "\n";
    if (!tty) text += "\n";
    this.#drawn = lines.length;
    this.out.stdout.write(text);
  }
}

const ack = <T>(reply: Ack<T>): T => {
  if (reply.ok) return reply.value;
  const code = reply.error.code === "UNAUTHENTICATED" ? "UNAUTHENTICATED" : reply.error.code === "FORBIDDEN" ? "FORBIDDEN" : "REFUSED";
  throw new CliError(code, reply.error.message);
};

export async function watchCommand(api: WorkbenchApi, options: { runId: string; connect?: typeof io; now?: () => number }, out: Output): Promise<void> {
  const view = new WatchView();
  const redraw = new Redrawer(out);
  const now = options.now ?? Date.now;
  const socket: LiveSocket = (options.connect ?? io)(new URL(LIVE_NAMESPACE, api.server).toString(), {
    path: SOCKET_PATH,
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    auth: { apiToken: api.credentials.token },
  });

  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let pending: NodeJS.Timeout | null = null;
    const finish = (error?: CliError) => {
      if (settled) return;
      settled = true;
      if (pending) clearTimeout(pending);
      socket.removeAllListeners();
      socket.disconnect();
      if (error) reject(error);
      else resolve();
    };
    const show = () => {
      pending = null;
      if (out.json) printJson(out, view.json());
      else redraw.draw(view.lines(now()));
    };
    // Several messages in a burst are drawn once.
    const schedule = () => {
      pending ??= setTimeout(show, 100);
    };
    const endIfEnded = () => {
      const run = view.run;
      if (!run || run.status !== "ENDED") return;
      if (pending) clearTimeout(pending);
      show();
      if (FINE_ENDS.has(run.endReason ?? "")) finish();
      else finish(new CliError("RUN_FAILED", `Run ${run.id} ended: ${(run.endReason ?? "unknown").toLowerCase()}${run.endDetail ? `: ${run.endDetail}` : ""}`));
    };
    const watch = () => {
      socket.emit("run:watch", { runId: options.runId }, (reply) => {
        try {
          const snapshot = ack(reply);
          view.run = snapshot.run;
          view.addFrames(snapshot.frames);
          show();
          endIfEnded();
        } catch (error) {
          finish(error as CliError);
        }
      });
    };

    socket.on("connect", watch);
    socket.on("connect_error", (error: Error & { data?: { code?: string } }) => {
      const code = error.data?.code;
      if (code === "UNAUTHENTICATED") return finish(new CliError("UNAUTHENTICATED", `${error.message} Then run \`workbench login\` with the new token.`));
      if (code === "FORBIDDEN") return finish(new CliError("FORBIDDEN", error.message));
      finish(new CliError("UNAVAILABLE", `Cannot reach the workbench's live socket at ${api.server} (${error.message}): is it running, and is the URL right?`));
    });
    socket.on("frames", (frames) => {
      if (view.addFrames(frames.filter((frame) => frame.runId === options.runId))) schedule();
    });
    socket.on("runs:state", (runs) => {
      const run = runs.find((r) => r.id === options.runId);
      if (!run) return;
      view.run = run;
      schedule();
      endIfEnded();
    });
    // Frames were dropped while this terminal could not keep up: a new snapshot has the latest prints.
    socket.on("live:resync", () => watch());
    socket.on("disconnect", (reason) => {
      if (reason === "io server disconnect") {
        finish(
          new CliError(
            "UNAUTHENTICATED",
            "The server closed the live connection: the token was revoked or expired, or the account disabled. Run `workbench login` with a new token.",
          ),
        );
      } else {
        finish(new CliError("UNAVAILABLE", `The live connection to ${api.server} was lost (${reason}); run \`workbench watch ${options.runId}\` again.`));
      }
    });
  });
}
