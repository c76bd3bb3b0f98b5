// Signing-key rotation, announced to agents as a signed statement. An agent
// trusts the keys it was installed with; the server may change that set only
// with a statement signed by a key the agent trusts *now*, and by every key
// the statement introduces (so nobody announces a key they do not hold). Each
// statement lists the complete set of keys to trust and every key ever
// retired; an agent applies them in order and refuses an older or repeated
// one, so a rotation cannot be rolled back. A retired key is never trusted
// again. Modelled on TUF's root rotation (theupdateframework.io, "root.json").
// Documented in docs/run-order.md, "Key rotation".
import { createHash, createPublicKey, sign, type KeyObject } from "node:crypto";
import { z } from "zod";
import { EnvelopeError, keyIdOf, pae, verifiedSignerIds, verifyEnvelope, type Envelope, type SigningKey } from "./dsse.ts";

export const TRUST_STATEMENT_PAYLOAD_TYPE = "application/vnd.bpftrace-workbench.trust-statement+json";

/** Statements are small: a handful of 44-byte keys and the ids of retired ones. */
export const MAX_TRUST_STATEMENT_BYTES = 64 * 1024;

const keyIdSchema = z.string().regex(/^[0-9a-f]{64}$/, "a key id is 64 hex digits");

export const trustStatementSchema = z
  .object({
    v: z.literal(1),
    /** 1, 2, 3, ... in the order the server issued them. */
    seq: z.number().int().positive(),
    issuedAt: z.iso.datetime({ offset: true }),
    /** Every key to trust from now on: its id and its DER SubjectPublicKeyInfo in base64. */
    keys: z
      .array(z.object({ keyId: keyIdSchema, publicKey: z.string().min(1).max(1024) }).strict())
      .min(1)
      .max(16),
    /** Every key ever retired: never trusted again, whatever else says so. */
    retiredKeyIds: z.array(keyIdSchema).max(1000),
  })
  .strict();

export type TrustStatement = z.infer<typeof trustStatementSchema>;

/** What an agent trusts: keys by id, the last statement applied (0: none yet), and retired key ids. */
export type TrustSet = { seq: number; keys: ReadonlyMap<string, KeyObject>; retired: ReadonlySet<string> };

export type TrustStatementRefusal =
  "malformed-envelope" | "unexpected-payload-type" | "unsigned" | "unknown-key" | "bad-signature" | "malformed-statement" | "rollback" | "unendorsed-key" | "retired-key";

export class TrustStatementError extends Error {
  override name = "TrustStatementError";
  constructor(
    readonly reason: TrustStatementRefusal,
    message: string,
  ) {
    super(message);
  }
}

export function encodeTrustStatement(statement: TrustStatement): Buffer {
  return Buffer.from(JSON.stringify(trustStatementSchema.parse(statement)), "utf8");
}

/** The statement signed by every key in `signers` (the current key first, then the new one). */
export function signTrustStatement(statement: TrustStatement, signers: SigningKey[]): Envelope {
  const payload = encodeTrustStatement(statement);
  const message = pae(TRUST_STATEMENT_PAYLOAD_TYPE, payload);
  return {
    payload: payload.toString("base64"),
    payloadType: TRUST_STATEMENT_PAYLOAD_TYPE,
    signatures: signers.map((signer) => ({ keyid: signer.keyId, sig: sign(null, message, signer.privateKey).toString("base64") })),
  };
}

/** A public key as statements carry it. */
export function publicKeyEntry(key: KeyObject): { keyId: string; publicKey: string } {
  const publicKey = key.type === "private" ? createPublicKey(key) : key;
  return { keyId: keyIdOf(publicKey), publicKey: publicKey.export({ type: "spki", format: "der" }).toString("base64") };
}

function readKey(entry: { keyId: string; publicKey: string }): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(entry.publicKey, "base64"), format: "der", type: "spki" });
  } catch {
    throw new TrustStatementError("malformed-statement", `key ${entry.keyId} is not a public key`);
  }
  if (key.asymmetricKeyType !== "ed25519") {
    throw new TrustStatementError("malformed-statement", `key ${entry.keyId} is ${key.asymmetricKeyType}, not Ed25519`);
  }
  const derived = createHash("sha256")
    .update(key.export({ type: "spki", format: "der" }))
    .digest("hex");
  if (derived !== entry.keyId) throw new TrustStatementError("malformed-statement", `key ${entry.keyId} does not match its id`);
  return key;
}

/**
 * Checks a statement against what is trusted now and returns the trust set it
 * leads to. Throws TrustStatementError, leaving `current` as it was.
 */
export function applyTrustStatement(input: unknown, current: TrustSet): { next: TrustSet; statement: TrustStatement } {
  const usable = new Map([...current.keys].filter(([keyId]) => !current.retired.has(keyId)));
  let payload: Buffer;
  try {
    payload = verifyEnvelope(input, TRUST_STATEMENT_PAYLOAD_TYPE, usable, MAX_TRUST_STATEMENT_BYTES).payload;
  } catch (error) {
    if (error instanceof EnvelopeError) throw new TrustStatementError(error.reason, error.message);
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.toString("utf8"));
  } catch {
    throw new TrustStatementError("malformed-statement", "the signed statement is not JSON");
  }
  const result = trustStatementSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new TrustStatementError("malformed-statement", `the statement is invalid: ${issue?.path.join(".") || "(root)"}: ${issue?.message}`);
  }
  const statement = result.data;
  if (!encodeTrustStatement(statement).equals(payload)) {
    throw new TrustStatementError("malformed-statement", "the signed statement is not in the canonical encoding");
  }
  if (statement.seq <= current.seq) {
    throw new TrustStatementError("rollback", `statement ${statement.seq} is not newer than the one applied (${current.seq})`);
  }
  const retired = new Set([...current.retired, ...statement.retiredKeyIds]);
  const keys = new Map<string, KeyObject>();
  for (const entry of statement.keys) {
    if (retired.has(entry.keyId)) throw new TrustStatementError("retired-key", `key ${entry.keyId} was retired and cannot be trusted again`);
    keys.set(entry.keyId, readKey(entry));
  }
  // Every key the statement introduces must have signed it too: proof that whoever announces it holds it.
  const introduced = new Map([...keys].filter(([keyId]) => !usable.has(keyId)));
  if (introduced.size > 0) {
    const signers = verifiedSignerIds(input as Envelope, introduced);
    const missing = [...introduced.keys()].filter((keyId) => !signers.has(keyId));
    if (missing.length > 0) throw new TrustStatementError("unendorsed-key", `new key ${missing[0]} did not sign the statement that introduces it`);
  }
  return { next: { seq: statement.seq, keys, retired }, statement };
}
