// The attacks The Update Framework defends against (theupdateframework.io,
// "Security"), each one that applies to this agent, with the test that shows
// the agent defends against it. The gate and trust store under test are the
// agent's own; their state lives in a real directory, so "across restarts"
// means a new gate reading what the old one wrote.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { describe, expect, it } from "vitest";
import { keyIdOf, signEnvelope, type Envelope, type SigningKey } from "@/lib/protocol/dsse.ts";
import { DEFAULT_RUN_LIMITS } from "@/lib/protocol/run-order-limits.ts";
import { MAX_ENVELOPE_BYTES, MAX_ENVELOPE_JSON_BYTES, RUN_ORDER_PAYLOAD_TYPE, encodeRunOrder, type RunOrder } from "@/lib/protocol/run-order.ts";
import { TrustStatementError, publicKeyEntry, signTrustStatement, type TrustStatement } from "@/lib/protocol/trust-statement.ts";
import { OrderGate, policyFor, type Admission } from "./order-gate.ts";
import { lintProgram } from "@/lib/shared/policy/lint-program.ts";
import { ReplayGuard } from "./replay-guard.ts";
import { StateDir } from "./state-dir.ts";
import { TrustStore } from "./trust.ts";

const NOW = Date.parse("2026-11-27T12:00:00Z");

function newKey(): SigningKey & { publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return { keyId: keyIdOf(publicKey), privateKey, publicKey };
}

const installed = newKey();

function order(overrides: Partial<RunOrder> = {}, program: Partial<RunOrder["program"]> = {}): RunOrder {
  return {
    v: 1,
    runId: "run-1",
    host: "db-1",
    program: {
      id: "prog-1",
      name: "nanosleep latency",
      revisionId: "rev-2",
      revision: 2,
      contentHash: `sha256:${"ab".repeat(32)}`,
      source: "tracepoint:syscalls:sys_enter_clock_nanosleep { @n = count(); }",
      ...program,
    },
    limits: { durationSec: 30, ...DEFAULT_RUN_LIMITS },
    approval: { id: "review-1", by: "Rae Reviewer", at: "2026-11-27T11:59:00.000Z", securityReview: false },
    issuedAt: "2026-11-27T11:59:00.000Z",
    expiresAt: "2026-11-27T13:00:00.000Z",
    ...overrides,
  };
}

const sign = (o: RunOrder, key: SigningKey = installed): Envelope => signEnvelope(RUN_ORDER_PAYLOAD_TYPE, encodeRunOrder(o), key);

/** An agent's trust and replay state in a directory of its own; `open` again to simulate a restart. */
function agentState(keys: KeyObject[] = [installed.publicKey]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-trust-"));
  const installedKeys = new Map(keys.map((key) => [keyIdOf(key), key]));
  const open = (now = NOW) => {
    const state = StateDir.open(path.join(dir, "state"));
    const trust = new TrustStore(installedKeys, state);
    const gate = new OrderGate({
      trust,
      replay: new ReplayGuard(state, () => now),
      hostName: "db-1",
      policy: {},
      catalog: () => undefined,
      now: () => now,
    });
    return { trust, gate, state };
  };
  return { dir, open };
}

function admitted(admission: Admission): RunOrder {
  if (!admission.ok) throw new Error(`refused (${admission.reason}): ${admission.message}`);
  return admission.order;
}

const refusal = (admission: Admission) => (admission.ok ? "accepted" : admission.reason);

describe("TUF attack: arbitrary program", () => {
  const { open } = agentState();
  const { gate } = open();

  it("refuses an unsigned envelope", () => {
    expect(refusal(gate.admit({ runId: "run-1", envelope: { ...sign(order()), signatures: [] } }))).toBe("unsigned");
  });

  it("refuses an envelope signed by a key the agent was not installed with", () => {
    const stranger = newKey();
    expect(refusal(gate.admit({ runId: "run-1", envelope: sign(order(), stranger) }))).toBe("unknown-key");
  });

  it("refuses a signature under an unknown key id, even when made by a trusted key", () => {
    const envelope = sign(order());
    const relabelled = { ...envelope, signatures: [{ keyid: "f".repeat(64), sig: envelope.signatures[0]!.sig }] };
    expect(refusal(gate.admit({ runId: "run-1", envelope: relabelled }))).toBe("unknown-key");
  });

  it("refuses a tampered payload", () => {
    const envelope = sign(order());
    const evil = encodeRunOrder(order({}, { source: 'BEGIN { printf("owned\\n"); }' })).toString("base64");
    expect(refusal(gate.admit({ runId: "run-1", envelope: { ...envelope, payload: evil } }))).toBe("bad-signature");
  });

  it("refuses a tampered payload type", () => {
    const envelope = sign(order());
    expect(refusal(gate.admit({ runId: "run-1", envelope: { ...envelope, payloadType: "application/json" } }))).toBe("unexpected-payload-type");
  });

  it("refuses a signature made over a different payload", () => {
    const other = sign(order({}, { source: "BEGIN { exit(); }" }));
    const envelope = { ...sign(order()), signatures: other.signatures };
    expect(refusal(gate.admit({ runId: "run-1", envelope }))).toBe("bad-signature");
  });

  it("refuses a signed payload in a non-canonical encoding (a duplicate key another parser could read first)", () => {
    const canonical = encodeRunOrder(order()).toString("utf8");
    const duplicated = canonical.replace('"source":', '"source":"BEGIN { exit(); }","source":');
    const envelope = signEnvelope(RUN_ORDER_PAYLOAD_TYPE, Buffer.from(duplicated), installed);
    expect(refusal(gate.admit({ runId: "run-1", envelope }))).toBe("malformed-order");
  });

  it("refuses another copy of the program beside the verified bytes, rather than choose between them", () => {
    const decoy = { ...sign(order()), order: order({}, { source: 'BEGIN { printf("decoy\\n"); }' }), program: { source: "decoy" } };
    const admission = gate.admit({ runId: "run-1", envelope: decoy });
    expect(refusal(admission)).toBe("malformed-envelope");
    expect(admission.ok ? "" : admission.message).toMatch(/unknown field "order"/);
  });
});

describe("TUF attack: rollback and replay", () => {
  it("refuses an order for an older revision of a program than one already accepted, also after a restart", () => {
    const { open } = agentState();
    const first = open();
    first.gate.commit(admitted(first.gate.admit({ runId: "run-3", envelope: sign(order({ runId: "run-3" }, { revision: 3, revisionId: "rev-3" })) })));
    const restarted = open();
    const older = restarted.gate.admit({ runId: "run-9", envelope: sign(order({ runId: "run-9" }, { revision: 2 })) });
    expect(refusal(older)).toBe("rollback");
    expect(older.ok ? "" : older.message).toMatch(/revision 2 .* older than revision 3/);
    // The same revision again (another host's turn, a re-run) and newer ones still run.
    expect(refusal(restarted.gate.admit({ runId: "run-10", envelope: sign(order({ runId: "run-10" }, { revision: 3 })) }))).toBe("accepted");
    expect(refusal(restarted.gate.admit({ runId: "run-11", envelope: sign(order({ runId: "run-11" }, { revision: 4 })) }))).toBe("accepted");
  });

  it("refuses a run order replayed after it was started, also after a restart", () => {
    const { open } = agentState();
    const first = open();
    const envelope = sign(order());
    first.gate.commit(admitted(first.gate.admit({ runId: "run-1", envelope })));
    expect(refusal(first.gate.admit({ runId: "run-1", envelope }))).toBe("replay");
    expect(refusal(open().gate.admit({ runId: "run-1", envelope }))).toBe("replay");
  });

  it("forgets used run ids only once their orders have expired (a replay then fails as expired)", () => {
    const { open } = agentState();
    const first = open();
    const envelope = sign(order());
    first.gate.commit(admitted(first.gate.admit({ runId: "run-1", envelope })));
    const later = open(Date.parse("2026-11-27T14:00:00Z"));
    later.gate.commit(admitted(later.gate.admit({ runId: "run-2", envelope: sign(order({ runId: "run-2", expiresAt: "2026-11-27T15:00:00.000Z" })) })));
    expect(refusal(later.gate.admit({ runId: "run-1", envelope }))).toBe("expired");
  });
});

describe("TUF attack: freeze", () => {
  it("refuses an expired envelope", () => {
    const { open } = agentState();
    const { gate } = open(Date.parse("2026-11-27T13:00:00Z"));
    expect(refusal(gate.admit({ runId: "run-1", envelope: sign(order()) }))).toBe("expired");
  });

  it("refuses an envelope issued beyond the clock skew in the future (a pre-signed order held back)", () => {
    const { gate } = agentState().open();
    expect(refusal(gate.admit({ runId: "run-1", envelope: sign(order({ issuedAt: "2026-11-27T12:30:00.000Z" })) }))).toBe("not-yet-valid");
  });
  // A run whose approval expires or is revoked while it runs: agent-limits.integration.test.ts.
});

describe("TUF attack: mix-and-match", () => {
  const { gate } = agentState().open();

  it("refuses limits taken from another signed envelope (one signature binds program, limits and host)", () => {
    const generous = order({ limits: { ...order().limits, durationSec: 86_400, cpuBudgetPercent: 100 } });
    const strict = sign(order());
    const payload = encodeRunOrder(generous).toString("base64");
    expect(refusal(gate.admit({ runId: "run-1", envelope: { ...strict, payload } }))).toBe("bad-signature");
  });

  it("refuses a program taken from another signed envelope", () => {
    const other = sign(order({}, { source: "tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }" }));
    expect(refusal(gate.admit({ runId: "run-1", envelope: { ...sign(order()), payload: other.payload } }))).toBe("bad-signature");
  });

  it("refuses a valid order delivered as another run", () => {
    expect(refusal(gate.admit({ runId: "run-2", envelope: sign(order()) }))).toBe("wrong-run");
  });
});

describe("TUF attack: wrong host", () => {
  const { gate } = agentState().open();

  it("refuses an order for another host", () => {
    expect(refusal(gate.admit({ runId: "run-1", envelope: sign(order({ host: "web-1" })) }))).toBe("other-host");
  });

  it("refuses an order addressed to a host label (orders name exactly one host)", () => {
    // db-1 is labelled "db"; an order for "db" is not an order for db-1.
    expect(refusal(gate.admit({ runId: "run-1", envelope: sign(order({ host: "db" })) }))).toBe("other-host");
  });
});

describe("TUF attack: endless data", () => {
  const { gate } = agentState().open();

  it("refuses an envelope larger than any order can be, before decoding it", () => {
    const huge = { ...sign(order()), payload: "A".repeat(MAX_ENVELOPE_BYTES * 2) };
    const admission = gate.admit({ runId: "run-1", envelope: huge });
    expect(refusal(admission)).toBe("malformed-envelope");
    expect(admission.ok ? "" : admission.message).toMatch(/larger than/);
  });

  it("refuses an endless list of signatures", () => {
    const envelope = sign(order());
    const many = Array.from({ length: 10_000 }, () => envelope.signatures[0]!);
    expect(refusal(gate.admit({ runId: "run-1", envelope: { ...envelope, signatures: many } }))).toBe("malformed-envelope");
  });

  it("refuses a validly signed envelope carrying a field beside payload, payloadType and signatures, as unknown order fields are", () => {
    const padded = { ...sign(order()), padding: "x" };
    const admission = gate.admit({ runId: "run-1", envelope: padded });
    expect(refusal(admission)).toBe("malformed-envelope");
    expect(admission.ok ? "" : admission.message).toMatch(/unknown field "padding"/);
  });

  it("refuses a signature entry carrying a field beside keyid and sig, or an oversized one", () => {
    const envelope = sign(order());
    const signature = envelope.signatures[0]!;
    const padded = { ...signature, padding: "x" };
    const extra = gate.admit({ runId: "run-1", envelope: { ...envelope, signatures: [padded] } });
    expect(extra.ok ? "" : extra.message).toMatch(/signature 1 carries an unknown field "padding"/);
    const long = gate.admit({ runId: "run-1", envelope: { ...envelope, signatures: [{ ...signature, sig: signature.sig.padEnd(100_000, "A") }] } });
    expect(refusal(long)).toBe("malformed-envelope");
  });

  it("refuses a key rotation statement carrying an unknown envelope field", () => {
    const { trust } = agentState().open();
    const next = newKey();
    const statement = {
      v: 1 as const,
      seq: 1,
      issuedAt: "2026-11-27T12:00:00.000Z",
      keys: [publicKeyEntry(installed.publicKey), publicKeyEntry(next.publicKey)],
      retiredKeyIds: [],
    };
    const padded = { ...signTrustStatement(statement, [installed, next]), padding: "x".repeat(1024) };
    const error = (() => {
      try {
        trust.apply(padded);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(TrustStatementError);
    expect((error as TrustStatementError).reason).toBe("malformed-envelope");
    expect(trust.lastStatementSeq).toBe(0);
  });

  describe("workbench-agent verify", () => {
    const root = path.resolve(import.meta.dirname, "../..");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-verify-"));
    const publicKeyFile = path.join(dir, "key.pub.pem");
    fs.writeFileSync(publicKeyFile, installed.publicKey.export({ type: "spki", format: "pem" }));
    const args = (file: string) => ["agent/bin/workbench-agent.js", "verify", file, "--public-key", publicKeyFile, "--now", "2026-11-27T12:00:00Z"];
    const verify = (file: string) => spawnSync(process.execPath, args(file), { cwd: root, encoding: "utf8" });
    /** The agent reading `file` through a pipe (`cat file | workbench-agent verify /dev/stdin`), which has no size to stat. */
    const verifyPiped = (file: string) =>
      spawnSync("sh", ["-c", 'file="$1"; shift; cat "$file" | "$@"', "sh", file, process.execPath, ...args("/dev/stdin")], { cwd: root, encoding: "utf8" });

    it("accepts the envelope as signed (the control for the cases below)", () => {
      const file = path.join(dir, "order.json");
      fs.writeFileSync(file, JSON.stringify(sign(order())));
      expect(verify(file).status, verify(file).stderr).toBe(0);
    });

    it("refuses a valid envelope padded with a 20 MB field by its size, before parsing it, with exit 65", () => {
      const file = path.join(dir, "padded.json");
      fs.writeFileSync(file, JSON.stringify({ ...sign(order()), padding: "A".repeat(20 * 1024 * 1024) }));
      const result = verify(file);
      expect(result.status).toBe(65);
      expect(result.stderr).toMatch(/refused \(malformed-envelope\): the envelope file .*padded\.json \(\d{8} bytes\) is larger than any run-order envelope can be \(\d+ bytes\)/);
      expect(result.stdout).toBe("");
    });

    it("refuses an envelope over the cap on a pipe too, where no size is known before reading", () => {
      const file = path.join(dir, "padded-for-pipe.json");
      fs.writeFileSync(file, JSON.stringify({ ...sign(order()), padding: "A".repeat(MAX_ENVELOPE_JSON_BYTES) }));
      const result = verifyPiped(file);
      expect(result.status).toBe(65);
      expect(result.stderr).toMatch(/refused \(malformed-envelope\): the envelope file \/dev\/stdin is larger than any run-order envelope can be/);
    });

    it("refuses a small unknown field beside a valid signature, with exit 65", () => {
      const file = path.join(dir, "extra.json");
      fs.writeFileSync(file, JSON.stringify({ ...sign(order()), padding: "x" }));
      const result = verify(file);
      expect(result.status).toBe(65);
      expect(result.stderr).toMatch(/refused \(malformed-envelope\): the envelope carries an unknown field "padding"/);
    });
  });
  // Size caps on every server message and timeouts on every request: server-link.test.ts.
});

describe("TUF attack: key rotation", () => {
  const statement = (seq: number, keys: KeyObject[], retired: string[] = []): TrustStatement => ({
    v: 1,
    seq,
    issuedAt: "2026-11-27T12:00:00.000Z",
    keys: keys.map((key) => publicKeyEntry(key)),
    retiredKeyIds: retired,
  });
  const reasonOf = (apply: () => unknown) => {
    try {
      apply();
      return "applied";
    } catch (error) {
      if (error instanceof TrustStatementError) return error.reason;
      throw error;
    }
  };

  it("follows a rotation signed by a trusted key and by the new key, and remembers it across restarts", () => {
    const { open } = agentState();
    const next = newKey();
    const { trust } = open();
    trust.apply(signTrustStatement(statement(1, [installed.publicKey, next.publicKey]), [installed, next]));
    const restarted = open();
    expect(restarted.trust.lastStatementSeq).toBe(1);
    expect(refusal(restarted.gate.admit({ runId: "run-1", envelope: sign(order(), next) }))).toBe("accepted");
  });

  it("refuses a rotation signed only by the key it introduces", () => {
    const { trust } = agentState().open();
    const attacker = newKey();
    expect(reasonOf(() => trust.apply(signTrustStatement(statement(1, [attacker.publicKey]), [attacker])))).toBe("unknown-key");
  });

  it("refuses a rotation whose new key did not sign it (nobody shows they hold it)", () => {
    const { trust } = agentState().open();
    const next = newKey();
    expect(reasonOf(() => trust.apply(signTrustStatement(statement(1, [installed.publicKey, next.publicKey]), [installed])))).toBe("unendorsed-key");
  });

  it("refuses an older or repeated rotation statement", () => {
    const { trust } = agentState().open();
    const next = newKey();
    const first = signTrustStatement(statement(1, [installed.publicKey, next.publicKey]), [installed, next]);
    trust.apply(first);
    expect(reasonOf(() => trust.apply(first))).toBe("rollback");
  });

  it("refuses orders signed by a retired key, even while the key is still installed, also after a restart", () => {
    const { open } = agentState();
    const next = newKey();
    const { trust } = open();
    trust.apply(signTrustStatement(statement(1, [installed.publicKey, next.publicKey]), [installed, next]));
    trust.apply(signTrustStatement(statement(2, [next.publicKey], [installed.keyId]), [next]));
    const restarted = open();
    const admission = restarted.gate.admit({ runId: "run-1", envelope: sign(order(), installed) });
    expect(refusal(admission)).toBe("retired-key");
    expect(refusal(restarted.gate.admit({ runId: "run-1", envelope: sign(order(), next) }))).toBe("accepted");
  });

  it("refuses a statement that trusts a retired key again", () => {
    const { trust } = agentState().open();
    const next = newKey();
    trust.apply(signTrustStatement(statement(1, [installed.publicKey, next.publicKey]), [installed, next]));
    trust.apply(signTrustStatement(statement(2, [next.publicKey], [installed.keyId]), [next]));
    expect(reasonOf(() => trust.apply(signTrustStatement(statement(3, [next.publicKey, installed.publicKey]), [next, installed])))).toBe("retired-key");
  });

  it("refuses a statement signed by a retired key", () => {
    const { trust } = agentState().open();
    const next = newKey();
    trust.apply(signTrustStatement(statement(1, [installed.publicKey, next.publicKey]), [installed, next]));
    trust.apply(signTrustStatement(statement(2, [next.publicKey], [installed.keyId]), [next]));
    const third = newKey();
    expect(reasonOf(() => trust.apply(signTrustStatement(statement(3, [third.publicKey], []), [installed, third])))).toBe("unknown-key");
  });
});

describe("the trust root is local and only root's", () => {
  it("refuses a state directory other users can read", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-trust-"));
    fs.chmodSync(dir, 0o755);
    expect(() => StateDir.open(dir)).toThrow(/open to other users/);
  });

  it("refuses a state file other users can read", () => {
    const { open } = agentState();
    const { state } = open();
    state.writeJson("trust.json", { seq: 0, keys: [], retired: [] });
    fs.chmodSync(state.path("trust.json"), 0o644);
    expect(() => open()).toThrow(/open to other users/);
  });
});

describe("elevated probes and the security review", () => {
  const uprobeOrder = (securityReview: boolean): RunOrder => {
    const base = order({}, { source: "uprobe:/bin/bash:readline { @lines = count(); }" });
    return { ...base, approval: { ...base.approval, securityReview } };
  };

  it("lets elevated probe types through only in an order a security reviewer approved", () => {
    expect(lintProgram(uprobeOrder(false).program.source, policyFor(uprobeOrder(false), {})).blocked).toBe(true);
    expect(lintProgram(uprobeOrder(true).program.source, policyFor(uprobeOrder(true), {})).blocked).toBe(false);
  });

  it("never on a host whose own policy forbids them", () => {
    const hostPolicy = { allowElevatedProbeTypes: false };
    expect(lintProgram(uprobeOrder(true).program.source, policyFor(uprobeOrder(true), hostPolicy)).blocked).toBe(true);
  });
});
