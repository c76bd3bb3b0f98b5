import fs from "node:fs";
import { RunOrderError, verifyRunOrder } from "@/lib/shared/run-order.ts";
import { AgentError } from "../errors.ts";
import { loadTrustedKeys } from "../trust.ts";

export type VerifyOptions = { envelopeFile: string; publicKeyFiles: string[]; host: string | undefined; now: Date };

/** `workbench-agent verify`: what the agent would decide about an envelope, without running anything. */
export function verifyCommand(options: VerifyOptions, out: NodeJS.WritableStream): void {
  const keys = loadTrustedKeys(options.publicKeyFiles);
  let envelope: unknown;
  try {
    envelope = JSON.parse(fs.readFileSync(options.envelopeFile, "utf8"));
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? "not JSON";
    throw new AgentError("REFUSED", `refused: cannot read the envelope ${options.envelopeFile} (${why})`);
  }
  try {
    const { order, keyId } = verifyRunOrder(envelope, { trustedKeys: keys, hostName: options.host, now: options.now });
    out.write(JSON.stringify({ verdict: "would-run", keyId, order }, null, 2) + "\n");
  } catch (error) {
    if (error instanceof RunOrderError) throw new AgentError("REFUSED", `refused (${error.reason}): ${error.message}`);
    throw error;
  }
}
