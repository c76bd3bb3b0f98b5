import "server-only";
import { createHash, randomBytes } from "node:crypto";

// Enrollment tokens, agent credentials and API tokens (wbt_) are 256-bit random strings, so a
// plain SHA-256 is enough to store them (no dictionary to guess from); the
// prefix tells a leaked string's kind at a glance (and to secret scanners).
export function newSecret(prefix: "wbe" | "wba" | "wbt"): string {
  return `${prefix}_${randomBytes(32).toString("base64url")}`;
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}
