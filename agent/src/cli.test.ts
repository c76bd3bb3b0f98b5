// The agent's command line as an operator runs it (no root needed: verify and usage only).
import { spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_RUN_LIMITS } from "@/lib/protocol/run-order-limits.ts";
import { keyIdOf, signEnvelope } from "@/lib/protocol/dsse.ts";
import { RUN_ORDER_PAYLOAD_TYPE, encodeRunOrder, type RunOrder } from "@/lib/protocol/run-order.ts";

const root = path.resolve(import.meta.dirname, "../..");
const agent = (...args: string[]) => spawnSync(process.execPath, ["agent/bin/workbench-agent.js", ...args], { cwd: root, encoding: "utf8" });

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-cli-"));
const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const publicKeyFile = path.join(dir, "key.pub.pem");
fs.writeFileSync(publicKeyFile, publicKey.export({ type: "spki", format: "pem" }));
const order: RunOrder = {
  v: 1,
  runId: "run-1",
  host: "db-1",
  program: { id: "p", name: "n", revisionId: "r", revision: 1, contentHash: `sha256:${"0".repeat(64)}`, source: "BEGIN { exit(); }" },
  limits: { durationSec: 10, ...DEFAULT_RUN_LIMITS },
  approval: { id: "a", by: "Rae", at: "2026-11-27T00:00:00.000Z", securityReview: false },
  issuedAt: "2026-11-27T00:00:00.000Z",
  expiresAt: "2026-11-27T04:00:00.000Z",
};
const envelopeFile = path.join(dir, "order.json");
fs.writeFileSync(envelopeFile, JSON.stringify(signEnvelope(RUN_ORDER_PAYLOAD_TYPE, encodeRunOrder(order), { keyId: keyIdOf(publicKey), privateKey })));

describe("workbench-agent verify", () => {
  it("exits 0 and prints the order it would run", () => {
    const result = agent("verify", envelopeFile, "--public-key", publicKeyFile, "--host", "db-1", "--now", "2026-11-27T01:00:00Z");
    expect(result.status, result.stderr).toBe(0);
    const printed = JSON.parse(result.stdout) as { verdict: string; order: RunOrder };
    expect(printed.verdict).toBe("would-run");
    expect(printed.order).toEqual(order);
  });

  it("refuses an order for another host or past its expiry, with the reason and exit 65", () => {
    const otherHost = agent("verify", envelopeFile, "--public-key", publicKeyFile, "--host", "web-1", "--now", "2026-11-27T01:00:00Z");
    expect(otherHost.status).toBe(65);
    expect(otherHost.stderr).toMatch(/refused \(other-host\): the order is for host db-1, not web-1/);
    const expired = agent("verify", envelopeFile, "--public-key", publicKeyFile, "--now", "2026-11-27T05:00:00Z");
    expect(expired.status).toBe(65);
    expect(expired.stderr).toMatch(/refused \(expired\)/);
  });

  it("explains usage mistakes with exit 64", () => {
    const result = agent("verify", envelopeFile);
    expect(result.status).toBe(64);
    expect(result.stderr).toMatch(/verify needs --public-key FILE/);
    expect(agent("frobnicate").stderr).toMatch(/unknown command "frobnicate"/);
  });
});

describe("workbench-agent lint", () => {
  it("exits 1 with the finding for a program the policy refuses, 0 for one it accepts", () => {
    const refused = path.join(dir, "refused.bt");
    fs.writeFileSync(refused, 'BEGIN { system("id"); }\n');
    const bad = agent("lint", refused);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/refused\.bt:1:9: error unsafe-builtin: system\(\) runs a shell command as root/);
    const accepted = path.join(dir, "accepted.bt");
    fs.writeFileSync(accepted, "interval:s:1 { @ticks = count(); }\n");
    const good = agent("lint", accepted, "--json");
    expect(good.status, good.stderr).toBe(0);
    expect(JSON.parse(good.stdout.trim().split("\n").at(-1)!)).toMatchObject({ type: "summary", blocked: false, risk: "low" });
  });
});
