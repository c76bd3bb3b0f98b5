// Every socket.io event between agents and the server (the /agent
// namespace), declared once and imported by both. Receivers validate payloads
// with the schemas here; TypeScript types alone are never trusted on the wire.
// Documented in docs/socket-protocol.md.
import { z } from "zod";
import type { Envelope } from "./dsse.ts";
import { MAX_FRAMES_PER_BATCH, frameSchema, framesInOrder } from "../shared/frame.ts";
import { MAX_PROGRAM_BYTES } from "../shared/input-limits.ts";
import type { AckFn } from "../shared/sockets.ts";

const id = z.string().min(1).max(64);

export const hostFactsSchema = z
  .object({
    kernelRelease: z.string().max(200),
    bpftraceVersion: z.string().max(100).nullable(),
    arch: z.string().max(40),
    /** Kernel BTF at /sys/kernel/btf/vmlinux (fentry probes and struct access without headers). */
    btf: z.boolean().optional(),
    /** Whether the kernel has kprobe_events / uprobe_events in tracefs. */
    kprobes: z.boolean().optional(),
    uprobes: z.boolean().optional(),
    tracepointCount: z.number().int().nonnegative().optional(),
  })
  .strict();
export type HostFacts = z.infer<typeof hostFactsSchema>;

/** Probe names the host has (`bpftrace -l`), so the editor completes real ones and the lint counts wildcards. */
export const MAX_CATALOG_PROBES = 50_000;
export const probeCatalogSchema = z.object({ probes: z.array(z.string().min(1).max(256)).max(MAX_CATALOG_PROBES) }).strict();
export type ProbeCatalog = z.infer<typeof probeCatalogSchema>;

/**
 * The agent's local stop switch (a file an operator on the host creates; README, "The local stop
 * switch"): while engaged, the agent stops its runs and refuses every order and dry run. `since`
 * (ms since the epoch, the host's clock) is when it was engaged, `reason` what the file says.
 */
export const localStopSchema = z
  .object({
    engaged: z.boolean(),
    since: z.number().int().nonnegative().max(8.64e15).nullable(),
    reason: z.string().max(500).nullable(),
  })
  .strict();
export type LocalStop = z.infer<typeof localStopSchema>;

/** What the agent says about itself when it changes (today: its local stop switch). */
export const agentStateSchema = z.object({ localStop: localStopSchema }).strict();
export type AgentState = z.infer<typeof agentStateSchema>;

export const agentHelloSchema = z.object({
  agentVersion: z.string().max(50),
  facts: hostFactsSchema,
  catalog: probeCatalogSchema.optional(),
  /** Runs this agent is running right now; any other RUNNING run of its host was lost. */
  activeRunIds: z.array(id).max(1000),
  /** The last key rotation statement this agent applied (0: none). */
  trustSeq: z.number().int().nonnegative().optional(),
  /** The local stop switch as it is now (agents before 0.3.0 do not send it). */
  localStop: localStopSchema.optional(),
});
export type AgentHello = z.infer<typeof agentHelloSchema>;

/** An agent asks for at most `limit` orders, so one answer stays small (each carries up to 64 KiB of program). */
export const ordersPullSchema = z.object({ limit: z.number().int().min(1).max(50).optional() }).strict();
export type OrdersPull = z.infer<typeof ordersPullSchema>;

export const runStartSchema = z.object({ runId: id, startedAt: z.number().int().nonnegative() });
export type RunStart = z.infer<typeof runStartSchema>;

/** Every record validated in full: a batch with one malformed frame is refused whole, and nothing of it is stored. */
export const runFramesSchema = z
  .object({
    runId: id,
    frames: z.array(frameSchema).min(1).max(MAX_FRAMES_PER_BATCH),
  })
  .strict()
  .refine((batch) => batch.frames.every((frame) => frame.runId === batch.runId), { path: ["frames"], message: "every frame must belong to the batch's run" })
  .refine((batch) => framesInOrder(batch.frames), { path: ["frames"], message: "frames must be in increasing seq order" });
export type RunFrames = z.infer<typeof runFramesSchema>;

export const AGENT_END_REASONS = ["completed", "duration-limit", "lost", "stopped", "revoked", "overhead-limit", "output-limit", "failed", "refused", "expired"] as const;
export type AgentEndReason = (typeof AGENT_END_REASONS)[number];

export const runEndSchema = z.object({
  runId: id,
  reason: z.enum(AGENT_END_REASONS),
  /** A sentence a person understands, e.g. bpftrace's error message or why the order was refused. */
  detail: z.string().max(4000).nullable(),
  endedAt: z.number().int().nonnegative(),
  /** Sequence number of the last frame the agent produced for the run (0 if none). */
  lastSeq: z.number().int().nonnegative(),
});
export type RunEnd = z.infer<typeof runEndSchema>;

export type RunOrderDelivery = { runId: string; envelope: Envelope };

export const trustPullSchema = z.object({ afterSeq: z.number().int().nonnegative() }).strict();
export type TrustStatementDelivery = { seq: number; envelope: Envelope };

export interface AgentToServerEvents {
  "agent:hello": (hello: AgentHello, ack: AckFn<{ hostName: string }>) => void;
  /** The agent's state changed (its local stop switch was engaged or released); also sent in the hello. */
  "agent:state": (state: AgentState, ack: AckFn<Record<string, never>>) => void;
  "orders:pull": (request: OrdersPull, ack: AckFn<{ orders: RunOrderDelivery[] }>) => void;
  "run:start": (request: RunStart, ack: AckFn<{ start: boolean; reason: string | null }>) => void;
  /** `ackSeq`: the highest seq of the batch, now stored; the agent forgets the batch only then. */
  "run:frames": (batch: RunFrames, ack: AckFn<{ stored: number; ackSeq: number }>) => void;
  "run:end": (report: RunEnd, ack: AckFn<Record<string, never>>) => void;
  /** Key rotation statements after `afterSeq`, oldest first. */
  "trust:pull": (request: { afterSeq: number }, ack: AckFn<{ statements: TrustStatementDelivery[] }>) => void;
}

// Server -> agent payloads are validated by the agent with these schemas.
export const runStopSchema = z.object({ runId: id, reason: z.string().max(500), cause: z.enum(["user", "revoked"]) });
export const agentRevokedSchema = z.object({ reason: z.string().max(500) });

/** Compile a program on the host without attaching it (bpftrace's dry run), and list its probes. */
export const dryRunRequestSchema = z
  .object({
    requestId: id,
    source: z
      .string()
      .min(1)
      .refine((s) => Buffer.byteLength(s, "utf8") <= MAX_PROGRAM_BYTES, "program too long"),
  })
  .strict();
export type DryRunRequest = z.infer<typeof dryRunRequestSchema>;

export const DRY_RUN_OUTCOMES = ["ok", "failed", "refused"] as const;
export const dryRunFindingSchema = z.object({
  code: z.string().max(60),
  severity: z.enum(["error", "warning"]),
  message: z.string().max(1000),
  line: z.number().int(),
  column: z.number().int(),
});
export const dryRunResultSchema = z
  .object({
    /** ok: it compiles; failed: bpftrace refused it (message is its error); refused: this agent's policy forbids it. */
    outcome: z.enum(DRY_RUN_OUTCOMES),
    /** Probes bpftrace would attach, wildcards expanded; empty unless ok. */
    probes: z.array(z.string().max(256)).max(10_000),
    probeCount: z.number().int().nonnegative(),
    message: z.string().max(8000).nullable(),
    findings: z.array(dryRunFindingSchema).max(200),
    bpftraceVersion: z.string().max(100).nullable(),
    elapsedMs: z.number().int().nonnegative(),
  })
  .strict();
export type DryRunResult = z.infer<typeof dryRunResultSchema>;

export interface ServerToAgentEvents {
  /** New signed orders wait for this host: pull them. */
  "orders:available": () => void;
  /** Stop a run: `cause` says whether a user stopped it or its approval was revoked. */
  "run:stop": (request: { runId: string; reason: string; cause: "user" | "revoked" }) => void;
  /** A key rotation statement was issued: pull it. */
  "trust:updated": () => void;
  /** This host's credential was revoked; the server disconnects right after. */
  "agent:revoked": (notice: { reason: string }) => void;
  "dryrun:request": (request: DryRunRequest, ack: AckFn<DryRunResult>) => void;
}
