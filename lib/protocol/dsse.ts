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
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `, "utf8"), type, Buffer.from(` ${payload.length} `, "utf8"), payload]);
}

/** A key's id: hex SHA-256 of its SubjectPublicKeyInfo (DER). Stable across PEM formatting. */
export function keyIdOf(key: KeyObject): string {
  const publicKey = key.type === "private" ? createPublicKey(key) : key;
  return createHash("sha256")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest("hex");
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

export type EnvelopeRefusal = "malformed-envelope" | "unexpected-payload-type" | "unsigned" | "unknown-key" | "bad-signature";

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
/** Our payload types are about 60 characters. */
const MAX_PAYLOAD_TYPE_CHARS = 256;
/** Our key ids are 64 hex digits, an Ed25519 signature 88 base64 characters; these leave room and no more. */
const MAX_KEYID_CHARS = 256;
const MAX_SIG_CHARS = 512;

const ENVELOPE_FIELDS = new Set(["payload", "payloadType", "signatures"]);
const SIGNATURE_FIELDS = new Set(["keyid", "sig"]);

/**
 * The longest JSON text an envelope whose payload is at most `maxPayloadBytes` can be: the payload
 * in base64, the type, MAX_SIGNATURES signatures at their caps, field names and a few KiB of white
 * space. A reader compares a file's size with it before parsing anything.
 */
export function maxEnvelopeJsonBytes(maxPayloadBytes: number): number {
  return Math.ceil(maxPayloadBytes / 3) * 4 + MAX_PAYLOAD_TYPE_CHARS + MAX_SIGNATURES * (MAX_KEYID_CHARS + MAX_SIG_CHARS + 32) + 4096;
}

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
  if (typeof input !== "object" || input === null || Array.isArray(input)) throw new EnvelopeError("malformed-envelope", "envelope is not an object");
  const envelope = input as Partial<Envelope>;
  // Sizes first, so an endless payload or signature list costs nothing to refuse.
  if (typeof envelope.payload === "string" && envelope.payload.length > Math.ceil(maxPayloadBytes / 3) * 4) {
    throw new EnvelopeError("malformed-envelope", `the payload is larger than ${maxPayloadBytes} bytes`);
  }
  if (Array.isArray(envelope.signatures) && envelope.signatures.length > MAX_SIGNATURES) {
    throw new EnvelopeError("malformed-envelope", `the envelope carries more than ${MAX_SIGNATURES} signatures`);
  }
  checkEnvelopeFields(input, envelope.signatures);
  if (typeof envelope.payloadType !== "string") throw new EnvelopeError("malformed-envelope", "payloadType is missing");
  if (envelope.payloadType !== expectedPayloadType) {
    throw new EnvelopeError("unexpected-payload-type", `payloadType is ${JSON.stringify(envelope.payloadType)}, expected ${JSON.stringify(expectedPayloadType)}`);
  }
  const payload = decodeBase64(envelope.payload, "payload");
  if (!Array.isArray(envelope.signatures) || envelope.signatures.length === 0) {
    throw new EnvelopeError("unsigned", "the envelope carries no signature");
  }
  const message = pae(envelope.payloadType, payload);
  let sawTrustedKey = false;
  for (const { keyid, sig } of envelope.signatures) {
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
 * Nothing but the DSSE fields, each within its cap, as unknown fields of an order are refused: what
 * an envelope carries beside its signed payload is unsigned, and a field of any size is an attack on
 * the reader's memory. With these caps an envelope is bounded by its payload cap.
 */
function checkEnvelopeFields(envelope: object, signatures: unknown): void {
  const unknown = Object.keys(envelope).find((field) => !ENVELOPE_FIELDS.has(field));
  if (unknown !== undefined) {
    throw new EnvelopeError("malformed-envelope", `the envelope carries an unknown field ${JSON.stringify(unknown.slice(0, 64))} (only payload, payloadType and signatures)`);
  }
  const payloadType = (envelope as { payloadType?: unknown }).payloadType;
  if (typeof payloadType === "string" && payloadType.length > MAX_PAYLOAD_TYPE_CHARS) {
    throw new EnvelopeError("malformed-envelope", `payloadType is longer than ${MAX_PAYLOAD_TYPE_CHARS} characters`);
  }
  if (!Array.isArray(signatures)) return;
  signatures.forEach((entry: unknown, i) => {
    const which = `signature ${i + 1}`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) throw new EnvelopeError("malformed-envelope", `${which} is not an object`);
    const extra = Object.keys(entry).find((field) => !SIGNATURE_FIELDS.has(field));
    if (extra !== undefined) {
      throw new EnvelopeError("malformed-envelope", `${which} carries an unknown field ${JSON.stringify(extra.slice(0, 64))} (only keyid and sig)`);
    }
    const { keyid, sig } = entry as { keyid?: unknown; sig?: unknown };
    if (typeof keyid !== "string" || keyid.length > MAX_KEYID_CHARS)
      throw new EnvelopeError("malformed-envelope", `${which} needs a keyid of at most ${MAX_KEYID_CHARS} characters`);
    if (typeof sig !== "string" || sig.length > MAX_SIG_CHARS) throw new EnvelopeError("malformed-envelope", `${which} needs a sig of at most ${MAX_SIG_CHARS} characters`);
  });
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
