import { RunOrderError, verifyRunOrder, type RunOrder, type RunOrderRefusal } from "@/lib/protocol/run-order.ts";
import type { RunOrderDelivery } from "@/lib/protocol/agent-events.ts";
import type { LintPolicy } from "@/lib/shared/policy/policy.ts";
import { lintProgram } from "@/lib/shared/policy/lint-program.ts";
import type { ReplayGuard } from "./replay-guard.ts";
import type { TrustStore } from "./trust.ts";

export type OrderRefusal = RunOrderRefusal | "retired-key" | "wrong-run" | "replay" | "rollback" | "policy";

export type Admission = { ok: true; order: RunOrder; keyId: string } | { ok: false; reason: OrderRefusal; message: string };

export type OrderGateOptions = {
  trust: TrustStore;
  replay: ReplayGuard;
  hostName: string;
  /** This host's policy (DEFAULT_LINT_POLICY with the operator's overrides). */
  policy: Partial<LintPolicy>;
  /** Probes this host has, so the lint counts wildcards the way bpftrace will expand them here. */
  catalog(): readonly string[] | undefined;
  now(): number;
};

/**
 * Everything the agent checks before it asks to start an order, in one place
 * (docs/run-order.md, "What the agent checks"): the signature against keys it
 * trusts, the order itself, the host, the expiry, the run id it came under,
 * replay and rollback, and the agent's own policy. It never throws: every
 * refusal comes back with a reason a person understands.
 */
export class OrderGate {
  constructor(private readonly options: OrderGateOptions) {}

  admit(delivery: RunOrderDelivery): Admission {
    let verified;
    try {
      verified = verifyRunOrder(delivery.envelope, {
        trustedKeys: this.options.trust.keys,
        hostName: this.options.hostName,
        now: new Date(this.options.now()),
      });
    } catch (error) {
      if (!(error instanceof RunOrderError)) return { ok: false, reason: "malformed-envelope", message: String(error) };
      if (error.reason === "unknown-key") {
        const retired = signatureKeyIds(delivery.envelope).find((keyId) => this.options.trust.isRetired(keyId));
        if (retired) return { ok: false, reason: "retired-key", message: `the order is signed by key ${retired}, which was retired` };
      }
      return { ok: false, reason: error.reason, message: error.message };
    }
    const { order, keyId } = verified;
    if (order.runId !== delivery.runId) {
      // Mix-and-match: a valid order delivered as another run would start under that run's identity.
      return { ok: false, reason: "wrong-run", message: `the signed order is for run ${order.runId}, not ${delivery.runId}` };
    }
    const replay = this.options.replay.check(order);
    if (replay) return { ok: false, ...replay };
    const lint = lintProgram(order.program.source, policyFor(order, this.options.policy), this.options.catalog());
    if (lint.blocked) {
      const errors = lint.findings.filter((finding) => finding.severity === "error");
      const listed = errors.slice(0, 5).map((finding) => `line ${finding.line}: ${finding.message} [${finding.code}]`);
      const more = errors.length > 5 ? `; and ${errors.length - 5} more` : "";
      return { ok: false, reason: "policy", message: `this host's policy forbids the program: ${listed.join("; ")}${more}` };
    }
    return { ok: true, order, keyId };
  }

  /** Marks an admitted order as used, on disk, before anything runs. */
  commit(order: RunOrder): void {
    this.options.replay.record(order);
  }
}

function signatureKeyIds(envelope: unknown): string[] {
  const signatures = (envelope as { signatures?: unknown } | null)?.signatures;
  if (!Array.isArray(signatures)) return [];
  return signatures.flatMap((entry: unknown) => {
    const keyid = (entry as { keyid?: unknown } | null)?.keyid;
    return typeof keyid === "string" ? [keyid] : [];
  });
}

/**
 * The host's policy for one order. Elevated probe types (uprobes, kprobes, ...)
 * pass only in an order a security reviewer approved, as the signature
 * attests, and never on a host whose operator set allowElevatedProbeTypes to
 * false in its own policy file.
 */
export function policyFor(order: RunOrder, hostPolicy: Partial<LintPolicy>): Partial<LintPolicy> {
  if (!order.approval.securityReview || hostPolicy.allowElevatedProbeTypes === false) return hostPolicy;
  return { ...hostPolicy, allowElevatedProbeTypes: true };
}
