import fs from "node:fs";
import { createPublicKey, type KeyObject } from "node:crypto";
import { keyIdOf } from "@/lib/shared/dsse.ts";
import { AgentError } from "./errors.ts";

/**
 * The keys this agent trusts, read from files it was installed with. The
 * server never supplies a key at run time: an attacker who controls the
 * server (or the network) still cannot make the agent trust a new key.
 */
export function loadTrustedKeys(files: string[]): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const file of files) {
    let pem: string;
    try {
      pem = fs.readFileSync(file, "utf8");
    } catch (error) {
      throw new AgentError("CONFIG", `cannot read public key ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    let key: KeyObject;
    try {
      key = createPublicKey({ key: pem, format: "pem" });
    } catch {
      throw new AgentError("CONFIG", `${file} is not a PEM public key`);
    }
    if (key.asymmetricKeyType !== "ed25519") {
      throw new AgentError("CONFIG", `${file} holds a ${key.asymmetricKeyType} key; run orders are signed with Ed25519`);
    }
    keys.set(keyIdOf(key), key);
  }
  if (keys.size === 0) throw new AgentError("CONFIG", "no trusted public key given");
  return keys;
}
