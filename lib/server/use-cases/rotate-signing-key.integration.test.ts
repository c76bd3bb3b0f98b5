// Signing-key rotation end to end: the server's keyring in PostgreSQL, the
// statement announcing the new key, the real agent applying it (and refusing
// what it must), across an agent restart. Needs root and bpftrace.
import fs from "node:fs";
import path from "node:path";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyIdOf, signEnvelope } from "@/lib/protocol/dsse.ts";
import { RUN_ORDER_PAYLOAD_TYPE, encodeRunOrder } from "@/lib/protocol/run-order.ts";
import { publicKeyEntry, signTrustStatement } from "@/lib/protocol/trust-statement.ts";
import { decryptPrivateKey, type KeyringDeps } from "@/lib/server/signing/keyring.ts";
import { parseSigningKey, signRunOrder } from "@/lib/server/signing/signing-key.ts";
import { notifyAfterCommit } from "@/lib/server/data/notify.ts";
import { rotateSigningKey } from "@/lib/server/use-cases/rotate-signing-key.ts";
import { retireSigningKey } from "@/lib/server/use-cases/retire-signing-key.ts";
import { listSigningKeysFor } from "@/lib/server/use-cases/read-signing-keys.ts";
import { agentLogLines } from "@/test/agent-process.ts";
import { waitFor } from "@/test/processes.ts";
import { agentConnected, approve, endedRun, startScenario, startScenarioAgent, stopScenario, type Scenario } from "@/test/agent-scenario.ts";

let s: Scenario;
let keyring: KeyringDeps;
const QUICK = "interval:ms:200 { exit(); }\n";

beforeAll(async () => {
  s = await startScenario({
    keyring: (key) => {
      keyring = {
        configuredKey: parseSigningKey(key.privateKey.export({ type: "pkcs8", format: "pem" }).toString(), "the test key"),
        secret: randomBytes(32).toString("base64"),
      };
      return keyring;
    },
  });
});

afterAll(async () => {
  await stopScenario(s);
});

const statementsApplied = () => agentLogLines(s.agent.output(), "applied a key rotation statement");

describe("signing-key rotation", () => {
  it("announces a new key in a statement the agent applies, then signs with it", async () => {
    const { keyId, previousKeyId, statementSeq } = await rotateSigningKey(s.t.db, s.admin, keyring);
    expect(previousKeyId).toBe(s.key.keyId);
    expect(statementSeq).toBe(1);
    await waitFor("the agent to apply the statement", () => statementsApplied().length === 1, 15_000);
    expect(statementsApplied()[0]).toMatchObject({ seq: 1, trustedKeyIds: expect.arrayContaining([keyId, previousKeyId]) });

    // The agent keeps the trust set in its state directory, root-only.
    const trustFile = path.join(s.agent.stateDir, "trust.json");
    expect(fs.statSync(trustFile).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(trustFile, "utf8"))).toMatchObject({ seq: 1 });

    const run = await endedRun(
      s,
      await approve(
        s,
        QUICK,
        10,
        (o) => o,
        (order) => signRunOrder(order),
      ),
    );
    expect(run.endReason, run.endDetail ?? "").toBe("COMPLETED");
    const envelope = (await s.t.db.run.findFirstOrThrow({ orderBy: { createdAt: "desc" }, select: { envelope: true } })).envelope as { signatures: { keyid: string }[] };
    expect(envelope.signatures[0]!.keyid).toBe(keyId);
  });

  it("keeps the new private key encrypted at rest, lists keys without key material, and audits the rotation", async () => {
    const keys = await listSigningKeysFor(s.t.db, s.admin);
    expect(keys.map((key) => key.status)).toEqual(["ACTIVE", "VERIFY_ONLY"]);
    for (const key of keys) expect(Object.keys(key)).not.toContain("encryptedPrivateKey");
    expect(JSON.stringify(keys)).not.toMatch(/BEGIN|"v1\./);
    const stored = await s.t.db.signingKey.findFirstOrThrow({ where: { status: "ACTIVE" }, select: { id: true, encryptedPrivateKey: true } });
    expect(stored.encryptedPrivateKey).toMatch(/^v1\./);
    expect(stored.encryptedPrivateKey).not.toMatch(/BEGIN/);
    expect(keyIdOf(decryptPrivateKey(stored.encryptedPrivateKey!, stored.id, keyring.secret!))).toBe(stored.id);
    expect(() => decryptPrivateKey(stored.encryptedPrivateKey!, stored.id, "x".repeat(40))).toThrow(/WORKBENCH_KEYRING_SECRET is not the one/);
    const audit = await s.t.db.auditEvent.findMany({ where: { action: "signing-key.rotate" }, select: { actorName: true, targetId: true } });
    expect(audit).toEqual([{ actorName: s.admin.name, targetId: stored.id }]);
  });

  it("refuses orders signed by a retired key, also after an agent restart", async () => {
    const { statementSeq } = await retireSigningKey(s.t.db, s.admin, s.key.keyId, keyring);
    expect(statementSeq).toBe(2);
    await waitFor("the agent to apply the retirement", () => statementsApplied().length === 2, 15_000);
    const signedByRetired = (order: Parameters<typeof encodeRunOrder>[0]) => signEnvelope(RUN_ORDER_PAYLOAD_TYPE, encodeRunOrder(order), s.key);
    const refused = await endedRun(s, await approve(s, QUICK, 10, (o) => o, signedByRetired));
    expect(refused.endReason).toBe("REFUSED");
    expect(refused.endDetail).toBe(`the agent refused the order (retired-key): the order is signed by key ${s.key.keyId}, which was retired`);

    // The retired key is still installed in the agent's configuration; the agent still refuses it after a restart.
    await s.agent.stop();
    const restartedAt = new Date();
    s.agent = startScenarioAgent(s, [], s.agent.dir);
    await agentConnected(s, restartedAt);
    expect((await endedRun(s, await approve(s, QUICK, 10, (o) => o, signedByRetired))).endReason).toBe("REFUSED");
    expect(
      (
        await endedRun(
          s,
          await approve(
            s,
            QUICK,
            10,
            (o) => o,
            (order) => signRunOrder(order),
          ),
        )
      ).endReason,
    ).toBe("COMPLETED");
  });

  it("refuses a rotation statement not signed by a key it trusts, and keeps its keys", async () => {
    const stranger = generateKeyPairSync("ed25519");
    const strangerKey = { keyId: keyIdOf(stranger.publicKey), privateKey: stranger.privateKey };
    const envelope = signTrustStatement({ v: 1, seq: 3, issuedAt: new Date().toISOString(), keys: [publicKeyEntry(stranger.publicKey)], retiredKeyIds: [] }, [strangerKey]);
    // What a compromised database (or server) could slip in.
    await s.t.db.$transaction(async (tx) => {
      await tx.trustStatement.create({ data: { seq: 3, envelope } });
      await notifyAfterCommit(tx, { type: "trust.rotated", seq: 3 });
    });
    await waitFor(
      "the agent to refuse the statement",
      () => agentLogLines(s.agent.output(), "refused a key rotation statement; the trusted keys are unchanged").length > 0,
      15_000,
    );
    expect(agentLogLines(s.agent.output(), "refused a key rotation statement; the trusted keys are unchanged")[0]).toMatchObject({ reason: "unknown-key" });
    const refused = await endedRun(
      s,
      await approve(
        s,
        QUICK,
        10,
        (o) => o,
        (order) => signEnvelope(RUN_ORDER_PAYLOAD_TYPE, encodeRunOrder(order), strangerKey),
      ),
    );
    expect(refused.endReason).toBe("REFUSED");
    expect(JSON.parse(fs.readFileSync(path.join(s.agent.stateDir, "trust.json"), "utf8"))).toMatchObject({ seq: 2 });
  });
});
