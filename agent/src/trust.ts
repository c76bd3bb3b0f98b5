import fs from "node:fs";
import { createPublicKey, type KeyObject } from "node:crypto";
import { z } from "zod";
import { keyIdOf, type Envelope } from "@/lib/protocol/dsse.ts";
import { applyTrustStatement, publicKeyEntry, type TrustStatement } from "@/lib/protocol/trust-statement.ts";
import { AgentError } from "./errors.ts";
import { assertInstalledByRoot, type StateDir } from "./state-dir.ts";

/**
 * The keys this agent trusts, read from files it was installed with. The
 * server never supplies a key at run time: an attacker who controls the
 * server (or the network) still cannot make the agent trust a new key.
 */
export function loadTrustedKeys(files: string[], options: { requireRootOwned?: boolean } = {}): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const file of files) {
    let pem: string;
    try {
      if (options.requireRootOwned) assertInstalledByRoot(file, "the public key file");
      pem = fs.readFileSync(file, "utf8");
    } catch (error) {
      if (error instanceof AgentError) throw error;
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

const TRUST_FILE = "trust.json";
const trustFileSchema = z
  .object({
    seq: z.number().int().nonnegative(),
    keys: z.array(z.object({ keyId: z.string(), publicKey: z.string() }).strict()),
    retired: z.array(z.string()),
  })
  .strict();

/**
 * What the agent trusts now: the installed keys and those of the last key
 * rotation statement it applied, minus every retired key. Rotation statements
 * are checked by lib/protocol/trust-statement.ts against the current set and
 * persisted in the state directory before the agent acts on them, so a
 * restart neither forgets a rotation nor trusts a retired key again, even one
 * still installed in /etc.
 */
export class TrustStore {
  private seq = 0;
  private rotated = new Map<string, KeyObject>();
  private retired = new Set<string>();

  constructor(
    private readonly installed: ReadonlyMap<string, KeyObject>,
    private readonly state: StateDir,
  ) {
    const saved = state.readJson(TRUST_FILE, trustFileSchema);
    if (saved) {
      this.seq = saved.seq;
      this.retired = new Set(saved.retired);
      for (const entry of saved.keys) {
        this.rotated.set(entry.keyId, createPublicKey({ key: Buffer.from(entry.publicKey, "base64"), format: "der", type: "spki" }));
      }
    }
    if (this.keys.size === 0) {
      throw new AgentError("CONFIG", "every trusted key has been retired; install the server's current public key (see README)");
    }
  }

  /** Key id -> key, for verifying envelopes. */
  get keys(): ReadonlyMap<string, KeyObject> {
    const keys = new Map<string, KeyObject>();
    for (const [keyId, key] of [...this.installed, ...this.rotated]) if (!this.retired.has(keyId)) keys.set(keyId, key);
    return keys;
  }

  get lastStatementSeq(): number {
    return this.seq;
  }

  isRetired(keyId: string): boolean {
    return this.retired.has(keyId);
  }

  /** Applies one rotation statement (throws TrustStatementError when refused) and persists the result first. */
  apply(envelope: Envelope): TrustStatement {
    const { next, statement } = applyTrustStatement(envelope, { seq: this.seq, keys: this.keys, retired: this.retired });
    this.state.writeJson(TRUST_FILE, {
      seq: next.seq,
      keys: [...next.keys.values()].map((key) => publicKeyEntry(key)),
      retired: [...next.retired],
    });
    this.seq = next.seq;
    this.rotated = new Map(next.keys);
    this.retired = new Set(next.retired);
    return statement;
  }
}
