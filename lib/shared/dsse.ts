// Dead Simple Signing Envelope (DSSE v1.0), as specified at
// https://github.com/secure-systems-lab/dsse/blob/master/protocol.md,
// with Ed25519 signatures from node:crypto. Shared by the server (signing)
// and the agent (verification); nothing here knows about runs.
import { createHash, createPublicKey, sign, verify, type KeyObject } from "node:crypto";

export type Envelope = {
  payload: string;
  payloadType: string;
  signatures: { keyid: string; sig: string }[];
};

/** Pre-Authentication Encoding: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body. */
export function pae(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, "utf8");
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, "utf8"),
    type,
    Buffer.from(` ${payload.length} `, "utf8"),
    payload,
  ]);
}

/** A key's id: hex SHA-256 of its SubjectPublicKeyInfo (DER). Stable across PEM formatting. */
export function keyIdOf(key: KeyObject): string {
  const publicKey = key.type === "private" ? createPublicKey(key) : key;
  return createHash("sha256").update(publicKey.export({ type: "spki", format: "der" })).digest("hex");
}

export type SigningKey = { keyId: string; privateKey: KeyObject };

export function signEnvelope(payloadType: string, payload: Uint8Array, key: SigningKey): Envelope {
  if (key.privateKey.asymmetricKeyType !== "ed25519") throw new TypeError("signing key must be Ed25519");
  const sig = sign(null, pae(payloadType, payload), key.privateKey);
  return {
    payload: Buffer.from(payload).toString("base64"),
    payloadType,
    signatures: [{ keyid: key.keyId, sig: sig.toString("base64") }],
  };
}

export type EnvelopeRefusal =
  | "malformed-envelope"
  | "unexpected-payload-type"
  | "unsigned"
  | "unknown-key"
  | "bad-signature";

export class EnvelopeError extends Error {
  override name = "EnvelopeError";
  constructor(
    readonly reason: EnvelopeRefusal,
    message: string,
  ) {
    super(message);
  }
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

function decodeBase64(value: unknown, what: string): Buffer {
  if (typeof value !== "string" || !(BASE64.test(value) || BASE64URL.test(value))) {
    throw new EnvelopeError("malformed-envelope", `${what} is not base64`);
  }
  return Buffer.from(value, BASE64.test(value) ? "base64" : "base64url");
}

/** A key rotation carries two signatures (old and new key); more than a few is an attack on the verifier's time. */
const MAX_SIGNATURES = 8;

export type VerifiedPayload = { payload: Buffer; payloadType: string; keyId: string };

/**
 * Verifies an envelope against keys the caller trusts (by key id). Returns the
 * exact payload bytes that were signed: callers must use these bytes and never
 * another copy of the payload.
 */
export function verifyEnvelope(
  input: unknown,
  expectedPayloadType: string,
  trustedKeys: ReadonlyMap<string, KeyObject>,
  maxPayloadBytes = Number.POSITIVE_INFINITY,
): VerifiedPayload {
  if (typeof input !== "object" || input === null) throw new EnvelopeError("malformed-envelope", "envelope is not an object");
  const envelope = input as Partial<Envelope>;
  // Sizes first, so an endless payload or signature list costs nothing to refuse.
  if (typeof envelope.payload === "string" && envelope.payload.length > Math.ceil(maxPayloadBytes / 3) * 4) {
    throw new EnvelopeError("malformed-envelope", `the payload is larger than ${maxPayloadBytes} bytes`);
  }
  if (Array.isArray(envelope.signatures) && envelope.signatures.length > MAX_SIGNATURES) {
    throw new EnvelopeError("malformed-envelope", `the envelope carries more than ${MAX_SIGNATURES} signatures`);
  }
  if (typeof envelope.payloadType !== "string") throw new EnvelopeError("malformed-envelope", "payloadType is missing");
  if (envelope.payloadType !== expectedPayloadType) {
    throw new EnvelopeError(
      "unexpected-payload-type",
      `payloadType is ${JSON.stringify(envelope.payloadType)}, expected ${JSON.stringify(expectedPayloadType)}`,
    );
  }
  const payload = decodeBase64(envelope.payload, "payload");
  if (!Array.isArray(envelope.signatures) || envelope.signatures.length === 0) {
    throw new EnvelopeError("unsigned", "the envelope carries no signature");
  }
  const message = pae(envelope.payloadType, payload);
  let sawTrustedKey = false;
  for (const entry of envelope.signatures as unknown[]) {
    if (typeof entry !== "object" || entry === null) continue;
    const { keyid, sig } = entry as { keyid?: unknown; sig?: unknown };
    if (typeof keyid !== "string") continue;
    const key = trustedKeys.get(keyid);
    if (!key) continue;
    sawTrustedKey = true;
    const signature = decodeBase64(sig, "signature");
    if (verify(null, message, key, signature)) return { payload, payloadType: envelope.payloadType, keyId: keyid };
  }
  if (!sawTrustedKey) throw new EnvelopeError("unknown-key", "no signature is by a key this host trusts");
  throw new EnvelopeError("bad-signature", "the signature does not match the payload");
}

/**
 * The ids of every key among `candidates` whose signature on the envelope verifies. For statements
 * that need more than one signer (a key rotation is signed by the old key and the new one); the
 * caller has already checked the payload type and decoded the payload with verifyEnvelope.
 */
export function verifiedSignerIds(envelope: Envelope, candidates: ReadonlyMap<string, KeyObject>): Set<string> {
  const message = pae(envelope.payloadType, decodeBase64(envelope.payload, "payload"));
  const signers = new Set<string>();
  for (const entry of envelope.signatures as unknown[]) {
    if (typeof entry !== "object" || entry === null) continue;
    const { keyid, sig } = entry as { keyid?: unknown; sig?: unknown };
    if (typeof keyid !== "string" || signers.has(keyid)) continue;
    const key = candidates.get(keyid);
    if (key && verify(null, message, key, decodeBase64(sig, "signature"))) signers.add(keyid);
  }
  return signers;
}
