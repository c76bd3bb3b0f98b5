// Runbook launches on the host: the values of a signed order are checked
// against the schema signed beside them before anything runs, and they reach
// bpftrace only as argv elements after the program (docs/run-order.md,
// "Runbook launches"). The gate is the agent's own, with real keys and a real
// state directory.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { keyIdOf, signEnvelope, type Envelope, type SigningKey } from "@/lib/protocol/dsse.ts";
import { DEFAULT_RUN_LIMITS } from "@/lib/protocol/run-order-limits.ts";
import { RUN_ORDER_PAYLOAD_TYPE, encodeRunOrder, type RunOrder } from "@/lib/protocol/run-order.ts";
import { positionalArgs, type RunbookParam } from "@/lib/shared/runbook-params.ts";
import { bpftraceArgv } from "./bpftrace-process.ts";
import { OrderGate, type Admission } from "./order-gate.ts";
import { ReplayGuard } from "./replay-guard.ts";
import { StateDir } from "./state-dir.ts";
import { TrustStore } from "./trust.ts";

const NOW = Date.parse("2026-12-04T12:00:00Z");
const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const key: SigningKey = { keyId: keyIdOf(publicKey), privateKey };

const PROGRAM = "tracepoint:syscalls:sys_enter_openat /pid == $1/ { @[str($2)] = count(); }";
const narrow: RunbookParam[] = [
  { name: "pid", description: "Process id", type: "integer", min: 1, max: 100, default: 1 },
  { name: "comm", description: "Command", type: "string", maxLength: 15, pattern: "[a-z]+", default: "bash" },
];
const wide: RunbookParam[] = [
  { name: "pid", description: "Process id", type: "integer", min: 1, max: 4_194_304, default: 1 },
  { name: "comm", description: "Command", type: "string", maxLength: 64, pattern: "[^\\u0000]+", default: "bash" },
];

function order(runId: string, params: RunbookParam[], values: Record<string, string | number>, source = PROGRAM): RunOrder {
  return {
    v: 1,
    runId,
    host: "db-1",
    program: { id: "prog-1", name: "opens by pid", revisionId: "rev-1", revision: 1, contentHash: `sha256:${"cd".repeat(32)}`, source },
    limits: { durationSec: 30, ...DEFAULT_RUN_LIMITS },
    approval: { id: "review-1", by: "Rae Reviewer", at: "2026-12-04T11:00:00.000Z", securityReview: false },
    issuedAt: "2026-12-04T11:59:00.000Z",
    expiresAt: "2026-12-04T12:01:00.000Z",
    runbook: { launchId: "launch-1", launchedBy: "Sam SRE", reason: "INC-42 latency", params, values },
  };
}

const sign = (o: RunOrder): Envelope => signEnvelope(RUN_ORDER_PAYLOAD_TYPE, encodeRunOrder(o), key);

function gate(): OrderGate {
  const state = StateDir.open(path.join(fs.mkdtempSync(path.join(os.tmpdir(), "wb-runbook-")), "state"));
  return new OrderGate({
    trust: new TrustStore(new Map([[key.keyId, publicKey]]), state),
    replay: new ReplayGuard(state, () => NOW),
    hostName: "db-1",
    policy: {},
    catalog: () => undefined,
    now: () => NOW,
  });
}

const refusal = (admission: Admission) => (admission.ok ? "accepted" : `${admission.reason}: ${admission.message}`);

describe("runbook orders at the agent", () => {
  it("admits values that fit the signed schema", () => {
    expect(refusal(gate().admit({ runId: "run-1", envelope: sign(order("run-1", narrow, { pid: 42, comm: "nginx" })) }))).toBe("accepted");
  });

  it("refuses a correctly signed order whose values break its schema, with reason params", () => {
    const admission = gate().admit({ runId: "run-1", envelope: sign(order("run-1", narrow, { pid: 4242, comm: "nginx" })) });
    expect(refusal(admission)).toBe("params: the parameter values break the signed schema: pid must be between 1 and 100; 4242 is not.");
    const badPattern = gate().admit({ runId: "run-1", envelope: sign(order("run-1", narrow, { pid: 1, comm: 'a"}' })) });
    expect(refusal(badPattern)).toMatch(/^params: .*comm must match the pattern/);
    const missing = gate().admit({ runId: "run-1", envelope: sign(order("run-1", narrow, { pid: 1 })) });
    expect(refusal(missing)).toMatch(/^params: .*comm has no value/);
  });

  it("refuses an order whose schema was swapped in from another signed order", () => {
    // Two genuine orders: the narrow one for this run, a wide one for another. Splicing the wide
    // schema (which would let pid 4242 through) into the narrow order's payload breaks its signature.
    const mine = sign(order("run-1", narrow, { pid: 4242, comm: "nginx" }));
    const theirs = order("run-2", wide, { pid: 4242, comm: "nginx" });
    const payload = JSON.parse(Buffer.from(mine.payload, "base64").toString("utf8")) as RunOrder;
    const spliced = encodeRunOrder({ ...payload, runbook: { ...payload.runbook!, params: theirs.runbook!.params } });
    const envelope = { ...mine, payload: spliced.toString("base64") };
    expect(refusal(gate().admit({ runId: "run-1", envelope }))).toMatch(/^bad-signature/);
  });

  it("refuses, on the host, a program whose probe name takes a positional parameter", () => {
    const source = "tracepoint:syscalls:sys_enter_$1 { @ = count(); }";
    const params: RunbookParam[] = [{ name: "call", description: "Syscall", type: "choice", choices: ["read"], default: "read" }];
    expect(refusal(gate().admit({ runId: "run-1", envelope: sign(order("run-1", params, { call: "read" }, source)) }))).toMatch(/^policy: .*probe-positional/);
  });

  it("passes a value with a quote, a newline and a brace as one argv element after --, leaving the program as signed", () => {
    const hostile = 'x" } BEGIN { system("id") }\n}';
    const params: RunbookParam[] = [narrow[0]!, { name: "comm", description: "Command", type: "string", maxLength: 64, pattern: "[\\s\\S]+", default: "a" }];
    const admission = gate().admit({ runId: "run-1", envelope: sign(order("run-1", params, { pid: 7, comm: hostile })) });
    if (!admission.ok) throw new Error(admission.message);
    const { runbook, program } = admission.order;
    const argv = bpftraceArgv("/usr/bin/bpftrace", program.source, [], positionalArgs(runbook!.params, runbook!.values));
    expect(argv).toEqual(["/usr/bin/bpftrace", "-f", "json", "-e", PROGRAM, "--", "7", hostile]);
  });
});
