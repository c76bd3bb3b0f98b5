// The signed run order: exactly what an agent may run, where, under which
// limits and until when. The server signs it into a DSSE envelope on approval;
// the agent verifies it against keys it was installed with and runs
// `program.source` from the verified bytes. Documented in docs/run-order.md.
import type { KeyObject } from "node:crypto";
import { z } from "zod";
import { EnvelopeError, maxEnvelopeJsonBytes, verifyEnvelope, type EnvelopeRefusal } from "./dsse.ts";
import { HOST_NAME_PATTERN, MAX_CANARY_HOSTS, MAX_CANARY_PERIOD_SEC, MAX_PROGRAM_BYTES, MAX_REASON_LENGTH } from "../shared/input-limits.ts";
import { runLimitsSchema } from "./run-order-limits.ts";
import { checkParamValues, paramValuesSchema, runbookParamsSchema } from "../shared/runbook-params.ts";

export const RUN_ORDER_PAYLOAD_TYPE = "application/vnd.bpftrace-workbench.run-order+json";

/** Clocks drift; an order "issued" this far in the future is still accepted. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * The largest signed order (the envelope's payload, in bytes) an agent reads: a 64 KiB program with
 * room for JSON escapes, and the rest of the order. A bigger payload is refused before it is decoded.
 */
export const MAX_ENVELOPE_BYTES = 128 * 1024;

/**
 * The largest run-order envelope as JSON text: that payload in base64 (4/3), the payload type and
 * the signatures. `workbench-agent verify` refuses a bigger file before reading it, and an
 * envelope carries no other fields, so no order can be larger.
 */
export const MAX_ENVELOPE_JSON_BYTES = maxEnvelopeJsonBytes(MAX_ENVELOPE_BYTES);

const isoTime = z.iso.datetime({ offset: true });

export const runOrderSchema = z
  .object({
    v: z.literal(1),
    runId: z.string().min(1).max(64),
    host: z.string().regex(HOST_NAME_PATTERN),
    program: z
      .object({
        id: z.string().min(1).max(64),
        name: z.string().min(1).max(200),
        revisionId: z.string().min(1).max(64),
        revision: z.number().int().positive(),
        contentHash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
        source: z
          .string()
          .min(1)
          .refine((s) => Buffer.byteLength(s, "utf8") <= MAX_PROGRAM_BYTES, "program too long"),
      })
      .strict(),
    // Bound in the same signature as the program and the host: limits from one envelope cannot be
    // paired with the program of another (mix-and-match).
    limits: runLimitsSchema,
    approval: z
      .object({
        id: z.string().min(1).max(64),
        by: z.string().min(1).max(200),
        at: isoTime,
        /**
         * Whether a security reviewer approved it. Programs using elevated probe types (uprobes,
         * kprobes, ...) need that approval; an agent lets them through its own policy only then.
         */
        securityReview: z.boolean(),
      })
      .strict(),
    /**
     * The canary rule the reviewers approved, the same in every order of the launch: the runs on
     * `canaryHosts` start first, the others only after they ran `periodSec` seconds under budget
     * without error. The server holds the others' orders back until then (docs/run-order.md,
     * "Canary"); absent when the approval signed no canary (one host, or the author chose none).
     */
    rollout: z
      .object({
        canaryHosts: z.array(z.string().regex(HOST_NAME_PATTERN)).min(1).max(MAX_CANARY_HOSTS),
        periodSec: z.number().int().min(1).max(MAX_CANARY_PERIOD_SEC),
      })
      .strict()
      .optional(),
    issuedAt: isoTime,
    expiresAt: isoTime,
    /**
     * Present when a runbook launch signed the order (docs/run-order.md, "Runbook launches"): the
     * approval above is the runbook's, and the values reach bpftrace as positional parameters
     * after the program, each checked first against the parameter schema signed beside it.
     */
    runbook: z
      .object({
        launchId: z.string().min(1).max(64),
        launchedBy: z.string().min(1).max(200),
        reason: z.string().min(1).max(MAX_REASON_LENGTH),
        params: runbookParamsSchema,
        values: paramValuesSchema,
      })
      .strict()
      .optional(),
  })
  .strict();

export type RunOrder = z.infer<typeof runOrderSchema>;

export type RunOrderRefusal = EnvelopeRefusal | "malformed-order" | "other-host" | "expired" | "not-yet-valid" | "params";

export class RunOrderError extends Error {
  override name = "RunOrderError";
  constructor(
    readonly reason: RunOrderRefusal,
    message: string,
  ) {
    super(message);
  }
}

export function encodeRunOrder(order: RunOrder): Buffer {
  return Buffer.from(JSON.stringify(runOrderSchema.parse(order)), "utf8");
}

export type VerifyRunOrderOptions = {
  trustedKeys: ReadonlyMap<string, KeyObject>;
  /** The host this agent runs on; undefined skips the check (the `verify` command without --host). */
  hostName: string | undefined;
  now: Date;
};

export type VerifiedRunOrder = { order: RunOrder; keyId: string };

/** Everything the agent checks before it runs anything. Throws RunOrderError with a reason. */
export function verifyRunOrder(envelope: unknown, options: VerifyRunOrderOptions): VerifiedRunOrder {
  let verified;
  try {
    verified = verifyEnvelope(envelope, RUN_ORDER_PAYLOAD_TYPE, options.trustedKeys, MAX_ENVELOPE_BYTES);
  } catch (error) {
    if (error instanceof EnvelopeError) throw new RunOrderError(error.reason, error.message);
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(verified.payload.toString("utf8"));
  } catch {
    throw new RunOrderError("malformed-order", "the signed payload is not JSON");
  }
  const result = runOrderSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new RunOrderError("malformed-order", `the signed order is invalid: ${issue?.path.join(".") || "(root)"}: ${issue?.message}`);
  }
  const order = result.data;
  // The signed bytes must be exactly what the server's encoder writes for this order: no duplicate
  // keys another JSON parser might read differently, no padding, nothing but the order itself.
  if (!encodeRunOrder(order).equals(verified.payload)) {
    throw new RunOrderError("malformed-order", "the signed order is not in the canonical encoding");
  }
  if (options.hostName !== undefined && order.host !== options.hostName) {
    throw new RunOrderError("other-host", `the order is for host ${order.host}, not ${options.hostName}`);
  }
  const now = options.now.getTime();
  if (Date.parse(order.expiresAt) <= now) {
    throw new RunOrderError("expired", `the order expired at ${order.expiresAt}`);
  }
  if (Date.parse(order.issuedAt) - CLOCK_SKEW_MS > now) {
    throw new RunOrderError("not-yet-valid", `the order is issued at ${order.issuedAt}, in the future`);
  }
  if (order.runbook) {
    // The server checked them at launch; the host checks again against the schema signed beside
    // them, so a server that signs what its policy forbids still cannot run it here.
    const problems = checkParamValues(order.runbook.params, order.runbook.values);
    if (problems.length > 0) {
      throw new RunOrderError("params", `the parameter values break the signed schema: ${problems.map((p) => p.message).join(" ")}`);
    }
  }
  return { order, keyId: verified.keyId };
}
