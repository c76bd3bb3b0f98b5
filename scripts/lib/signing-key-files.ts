import fs from "node:fs";
import path from "node:path";
import { generateKeyPairSync } from "node:crypto";
import { keyIdOf } from "@/lib/protocol/dsse.ts";

export type KeyPairFiles = { privateKeyFile: string; publicKeyFile: string; keyId: string };

/** Writes a new Ed25519 key pair; the private key file is readable by its owner only. Never overwrites. */
export function generateSigningKeyFiles(dir: string, name = "signing-key"): KeyPairFiles {
  const privateKeyFile = path.join(dir, `${name}.pem`);
  const publicKeyFile = path.join(dir, `${name}.pub.pem`);
  for (const file of [privateKeyFile, publicKeyFile]) {
    if (fs.existsSync(file)) throw new Error(`${file} exists; refusing to overwrite a signing key`);
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  fs.writeFileSync(privateKeyFile, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  fs.writeFileSync(publicKeyFile, publicKey.export({ type: "spki", format: "pem" }), { mode: 0o644 });
  return { privateKeyFile, publicKeyFile, keyId: keyIdOf(publicKey) };
}
