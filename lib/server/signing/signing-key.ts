import "server-only";
import fs from "node:fs";
import { createPrivateKey, createPublicKey } from "node:crypto";
import { keyIdOf, signEnvelope, type Envelope, type SigningKey } from "@/lib/protocol/dsse.ts";
import { RUN_ORDER_PAYLOAD_TYPE, encodeRunOrder, type RunOrder } from "@/lib/protocol/run-order.ts";
import { loadServerEnv } from "@/lib/server/env.ts";

export type LoadedSigningKey = SigningKey & { publicKeyPem: string };

/** Parses a PEM Ed25519 private key; the error never includes the key material. */
export function parseSigningKey(pem: string, origin: string): LoadedSigningKey {
  let privateKey;
  try {
    privateKey = createPrivateKey({ key: pem, format: "pem" });
  } catch {
    throw new Error(`${origin} does not hold a PEM private key`);
  }
  if (privateKey.asymmetricKeyType !== "ed25519") {
    throw new Error(`${origin} holds a ${privateKey.asymmetricKeyType} key; run orders are signed with Ed25519`);
  }
  const publicKeyPem = createPublicKey(privateKey).export({ type: "spki", format: "pem" }).toString();
  return { keyId: keyIdOf(privateKey), privateKey, publicKeyPem };
}

const globalForKey = globalThis as unknown as { workbenchSigningKey?: LoadedSigningKey; workbenchActiveKey?: LoadedSigningKey };

/**
 * The key that signs run orders now: the keyring's active key once the
 * server loaded it (lib/server/signing/keyring.ts, after rotations), else the
 * configured one.
 */
export function getSigningKey(): LoadedSigningKey {
  return globalForKey.workbenchActiveKey ?? getConfiguredSigningKey();
}

/** The key of WORKBENCH_SIGNING_KEY or WORKBENCH_SIGNING_KEY_FILE. */
export function getConfiguredSigningKey(): LoadedSigningKey {
  if (!globalForKey.workbenchSigningKey) {
    const env = loadServerEnv();
    globalForKey.workbenchSigningKey = env.WORKBENCH_SIGNING_KEY
      ? parseSigningKey(env.WORKBENCH_SIGNING_KEY, "WORKBENCH_SIGNING_KEY")
      : parseSigningKey(fs.readFileSync(env.WORKBENCH_SIGNING_KEY_FILE!, "utf8"), env.WORKBENCH_SIGNING_KEY_FILE!);
  }
  return globalForKey.workbenchSigningKey;
}

export function signRunOrder(order: RunOrder, key: SigningKey = getSigningKey()): Envelope {
  return signEnvelope(RUN_ORDER_PAYLOAD_TYPE, encodeRunOrder(order), key);
}
