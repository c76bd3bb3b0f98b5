import "server-only";
import type { RunOrder } from "@/lib/shared/run-order.ts";

/**
 * The limits signed into a run order for a revision: what the agent enforces.
 * The revision's own limits come first; server-wide caps fill in the rest.
 */
export function signedLimits(revision: { durationSec: number }): RunOrder["limits"] {
  return { durationSec: revision.durationSec };
}
