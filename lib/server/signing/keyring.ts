import "server-only";
import { createCipheriv, createDecipheriv, createPrivateKey, hkdfSync, randomBytes, type KeyObject } from "node:crypto";
import type { Db } from "@/lib/server/db/client.ts";
import { countSigningKeys, findActiveSigningKeyRow, insertSigningKey, lockKeyring } from "@/lib/server/data/signing-keys.ts";
import { logError, logInfo } from "@/lib/server/log.ts";
import { loadServerEnv } from "@/lib/server/env.ts";
import { getConfiguredSigningKey, parseSigningKey, type LoadedSigningKey } from "./signing-key.ts";

// The server's keyring: which key signs now. Keys the server generates at a
// rotation are kept in the database, their private part encrypted with
// AES-256-GCM under a key derived (HKDF-SHA256) from WORKBENCH_KEYRING_SECRET,
// with the key id as associated data so a ciphertext cannot be moved to
// another key's row. The secret never reaches the database, and private keys
// never reach logs or the browser.

const ENCRYPTION_VERSION = "v1";
const HKDF_SALT = "bpftrace-workbench keyring";

function encryptionKey(secret: string, keyId: string): Buffer {
  return Buffer.from(hkdfSync("sha256", Buffer.from(secret, "utf8"), HKDF_SALT, `signing-key ${keyId}`, 32));
}

export function encryptPrivateKey(privateKey: KeyObject, keyId: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", encryptionKey(secret, keyId), iv);
  cipher.setAAD(Buffer.from(keyId, "utf8"));
  const der = privateKey.export({ type: "pkcs8", format: "der" });
  const ciphertext = Buffer.concat([cipher.update(der), cipher.final()]);
  return [ENCRYPTION_VERSION, iv.toString("base64"), ciphertext.toString("base64"), cipher.getAuthTag().toString("base64")].join(".");
}

/** Throws a message without key material when the secret is wrong or the row was tampered with. */
export function decryptPrivateKey(blob: string, keyId: string, secret: string): KeyObject {
  const [version, iv, ciphertext, tag] = blob.split(".");
  if (version !== ENCRYPTION_VERSION || !iv || !ciphertext || !tag) throw new Error(`signing key ${keyId}: unknown encryption format`);
  try {
    const decipher = createDecipheriv("aes-256-gcm", encryptionKey(secret, keyId), Buffer.from(iv, "base64"));
    decipher.setAAD(Buffer.from(keyId, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64"));
    const der = Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64")), decipher.final()]);
    return createPrivateKey({ key: der, format: "der", type: "pkcs8" });
  } catch {
    throw new Error(`signing key ${keyId} cannot be decrypted: WORKBENCH_KEYRING_SECRET is not the one it was stored with`);
  }
}

export type KeyringDeps = {
  /** The key of WORKBENCH_SIGNING_KEY(_FILE): the first key of a new keyring, and the fallback signer. */
  configuredKey: LoadedSigningKey;
  /** WORKBENCH_KEYRING_SECRET, if set. */
  secret: string | undefined;
};

// The key that signs now, shared by the custom server and Next's route handlers (one process, two
// module graphs), hence on globalThis.
const globalForKeyring = globalThis as unknown as { workbenchActiveKey?: LoadedSigningKey };

export function cachedActiveKey(): LoadedSigningKey | undefined {
  return globalForKeyring.workbenchActiveKey;
}

export function setCachedActiveKey(key: LoadedSigningKey): void {
  globalForKeyring.workbenchActiveKey = key;
}

/**
 * Records the configured key as the first active key of an empty keyring,
 * then loads whichever key is active into this process. Run at start and
 * whenever another process announces a rotation.
 */
export async function loadKeyring(db: Db, deps: KeyringDeps): Promise<LoadedSigningKey> {
  if ((await countSigningKeys(db)) === 0) {
    await db.$transaction(async (tx) => {
      await lockKeyring(tx);
      if ((await countSigningKeys(tx)) > 0) return;
      await insertSigningKey(tx, {
        id: deps.configuredKey.keyId,
        publicKeyPem: deps.configuredKey.publicKeyPem,
        encryptedPrivateKey: null,
        status: "ACTIVE",
        activatedAt: new Date(),
        createdByName: "configuration",
      });
    });
  }
  const row = await findActiveSigningKeyRow(db);
  let active = deps.configuredKey;
  if (row && row.id !== deps.configuredKey.keyId) {
    if (row.encryptedPrivateKey && deps.secret) {
      active = parseSigningKey(decryptPrivateKey(row.encryptedPrivateKey, row.id, deps.secret).export({ type: "pkcs8", format: "pem" }).toString(), `signing key ${row.id}`);
    } else {
      // Signing with another key than the active one would be refused by every agent that follows rotations.
      logError(
        "the active signing key is not available; signing with the configured key instead",
        new Error(row.encryptedPrivateKey ? "WORKBENCH_KEYRING_SECRET is not set" : "the active key is a configured key this server was not given"),
        { activeKeyId: row.id, configuredKeyId: deps.configuredKey.keyId },
      );
    }
  }
  if (cachedActiveKey()?.keyId !== active.keyId) logInfo("signing key loaded", { keyId: active.keyId });
  setCachedActiveKey(active);
  return active;
}

/** The keyring's inputs from the server's environment; undefined where it has none (tools, tests). */
export function keyringDepsFromEnv(): KeyringDeps | undefined {
  try {
    return { configuredKey: getConfiguredSigningKey(), secret: loadServerEnv().WORKBENCH_KEYRING_SECRET };
  } catch {
    return undefined;
  }
}
