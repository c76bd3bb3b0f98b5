import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { EnvelopeError, keyIdOf, pae, signEnvelope, verifyEnvelope } from "./dsse.ts";

const TYPE = "application/vnd.example+json";

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return { signing: { keyId: keyIdOf(publicKey), privateKey }, trusted: new Map([[keyIdOf(publicKey), publicKey]]) };
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof EnvelopeError) return error.reason;
    throw error;
  }
  return "accepted";
}

describe("PAE", () => {
  it("matches the DSSE specification's example", () => {
    // protocol.md, "Test vectors": PAE("http://example.com/HelloWorld", "hello world")
    expect(pae("http://example.com/HelloWorld", Buffer.from("hello world")).toString("utf8")).toBe("DSSEv1 29 http://example.com/HelloWorld 11 hello world");
  });

  it("counts bytes, not characters", () => {
    expect(pae("t", Buffer.from("é")).toString("utf8")).toBe("DSSEv1 1 t 2 é");
  });
});

describe("sign and verify", () => {
  it("round-trips and returns exactly the signed bytes", () => {
    const { signing, trusted } = keyPair();
    const payload = Buffer.from('{"hello":"world"}');
    const envelope = signEnvelope(TYPE, payload, signing);
    const verified = verifyEnvelope(JSON.parse(JSON.stringify(envelope)), TYPE, trusted);
    expect(verified.payload.equals(payload)).toBe(true);
    expect(verified.keyId).toBe(signing.keyId);
  });

  it("refuses each kind of forgery with its own reason", () => {
    const { signing, trusted } = keyPair();
    const other = keyPair();
    const envelope = signEnvelope(TYPE, Buffer.from('{"a":1}'), signing);

    const tampered = { ...envelope, payload: Buffer.from('{"a":2}').toString("base64") };
    expect(refusal(() => verifyEnvelope(tampered, TYPE, trusted))).toBe("bad-signature");

    // The payload type is signed too: relabelling the same bytes breaks the signature.
    expect(refusal(() => verifyEnvelope({ ...envelope, payloadType: "other" }, "other", trusted))).toBe("bad-signature");
    expect(refusal(() => verifyEnvelope(envelope, "application/other", trusted))).toBe("unexpected-payload-type");

    expect(refusal(() => verifyEnvelope(envelope, TYPE, other.trusted))).toBe("unknown-key");
    // A signature by an untrusted key, labelled with the trusted key's id.
    const relabelled = signEnvelope(TYPE, Buffer.from('{"a":1}'), { ...other.signing, keyId: signing.keyId });
    expect(refusal(() => verifyEnvelope(relabelled, TYPE, trusted))).toBe("bad-signature");

    expect(refusal(() => verifyEnvelope({ ...envelope, signatures: [] }, TYPE, trusted))).toBe("unsigned");
    expect(refusal(() => verifyEnvelope({ ...envelope, payload: "%%%" }, TYPE, trusted))).toBe("malformed-envelope");
    expect(refusal(() => verifyEnvelope("not an envelope", TYPE, trusted))).toBe("malformed-envelope");
  });

  it("accepts a valid signature among others it cannot check", () => {
    const { signing, trusted } = keyPair();
    const envelope = signEnvelope(TYPE, Buffer.from("x"), signing);
    const withStranger = { ...envelope, signatures: [{ keyid: "stranger", sig: "AAAA" }, ...envelope.signatures] };
    expect(verifyEnvelope(withStranger, TYPE, trusted).keyId).toBe(signing.keyId);
  });
});
