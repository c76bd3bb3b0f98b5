import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DEFAULT_RUN_LIMITS } from "@/lib/protocol/run-order-limits.ts";
import { keyIdOf, signEnvelope } from "./dsse.ts";
import { RUN_ORDER_PAYLOAD_TYPE, RunOrderError, encodeRunOrder, verifyRunOrder, type RunOrder } from "./run-order.ts";

const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const signing = { keyId: keyIdOf(publicKey), privateKey };
const trustedKeys = new Map([[signing.keyId, publicKey]]);
const NOW = new Date("2026-11-27T12:00:00Z");

const order: RunOrder = {
  v: 1,
  runId: "run-1",
  host: "db-1",
  program: {
    id: "prog-1",
    name: "nanosleep latency",
    revisionId: "rev-1",
    revision: 2,
    contentHash: `sha256:${"ab".repeat(32)}`,
    source: "tracepoint:syscalls:sys_enter_nanosleep { @n = count(); }",
  },
  limits: { durationSec: 30, ...DEFAULT_RUN_LIMITS },
  approval: { id: "review-1", by: "Rae Reviewer", at: "2026-11-27T11:59:00.000Z", securityReview: false },
  issuedAt: "2026-11-27T11:59:00.000Z",
  expiresAt: "2026-11-27T13:00:00.000Z",
};

const sign = (o: unknown) => signEnvelope(RUN_ORDER_PAYLOAD_TYPE, Buffer.from(JSON.stringify(o)), signing);

function reason(envelope: unknown, options: Partial<Parameters<typeof verifyRunOrder>[1]> = {}): string {
  try {
    verifyRunOrder(envelope, { trustedKeys, hostName: "db-1", now: NOW, ...options });
    return "accepted";
  } catch (error) {
    if (error instanceof RunOrderError) return error.reason;
    throw error;
  }
}

describe("verifyRunOrder", () => {
  it("accepts a valid order for this host and returns what was signed", () => {
    const envelope = signEnvelope(RUN_ORDER_PAYLOAD_TYPE, encodeRunOrder(order), signing);
    expect(verifyRunOrder(envelope, { trustedKeys, hostName: "db-1", now: NOW }).order).toEqual(order);
  });

  it("refuses an expired order", () => {
    expect(reason(sign(order), { now: new Date("2026-11-27T13:00:00Z") })).toBe("expired");
  });

  it("refuses an order for another host", () => {
    expect(reason(sign(order), { hostName: "web-1" })).toBe("other-host");
  });

  it("refuses an order issued in the future beyond clock skew", () => {
    expect(reason(sign({ ...order, issuedAt: "2026-11-27T12:30:00.000Z" }))).toBe("not-yet-valid");
    expect(reason(sign({ ...order, issuedAt: "2026-11-27T12:04:00.000Z" }))).toBe("accepted");
  });

  it("refuses a tampered payload (e.g. a longer duration)", () => {
    const envelope = sign(order);
    const longer = Buffer.from(JSON.stringify({ ...order, limits: { ...order.limits, durationSec: 86_400 } })).toString("base64");
    expect(reason({ ...envelope, payload: longer })).toBe("bad-signature");
  });

  it("refuses a signed payload that is not a valid order, including unknown fields", () => {
    expect(reason(sign({ ...order, v: 2 }))).toBe("malformed-order");
    expect(reason(sign({ ...order, limits: { ...order.limits, unsafe: true } }))).toBe("malformed-order");
    expect(reason(signEnvelope(RUN_ORDER_PAYLOAD_TYPE, Buffer.from("not json"), signing))).toBe("malformed-order");
  });

  it("refuses a signed payload that is not in the canonical encoding (padding, key order, duplicate keys)", () => {
    const canonical = encodeRunOrder(order).toString("utf8");
    const padded = signEnvelope(RUN_ORDER_PAYLOAD_TYPE, Buffer.from(`${canonical} `), signing);
    expect(reason(padded)).toBe("malformed-order");
    const duplicate = canonical.replace('"host":"db-1"', '"host":"web-1","host":"db-1"');
    expect(reason(signEnvelope(RUN_ORDER_PAYLOAD_TYPE, Buffer.from(duplicate), signing))).toBe("malformed-order");
    expect(reason(signEnvelope(RUN_ORDER_PAYLOAD_TYPE, Buffer.from(canonical), signing))).toBe("accepted");
  });

  it("refuses an envelope signed by a key the host does not trust", () => {
    const stranger = generateKeyPairSync("ed25519");
    const envelope = signEnvelope(RUN_ORDER_PAYLOAD_TYPE, encodeRunOrder(order), { keyId: keyIdOf(stranger.publicKey), privateKey: stranger.privateKey });
    expect(reason(envelope)).toBe("unknown-key");
  });
});
