import fs from "node:fs";
import { MAX_ENVELOPE_JSON_BYTES, RunOrderError, verifyRunOrder } from "@/lib/protocol/run-order.ts";
import { AgentError } from "../errors.ts";
import { loadTrustedKeys } from "../trust.ts";

export type VerifyOptions = { envelopeFile: string; publicKeyFiles: string[]; host: string | undefined; now: Date };

/** `workbench-agent verify`: what the agent would decide about an envelope, without running anything. */
export function verifyCommand(options: VerifyOptions, out: NodeJS.WritableStream): void {
  const keys = loadTrustedKeys(options.publicKeyFiles);
  const text = readEnvelopeFile(options.envelopeFile);
  let envelope: unknown;
  try {
    envelope = JSON.parse(text);
  } catch {
    throw new AgentError("REFUSED", `refused: cannot read the envelope ${options.envelopeFile} (not JSON)`);
  }
  try {
    const { order, keyId } = verifyRunOrder(envelope, { trustedKeys: keys, hostName: options.host, now: options.now });
    out.write(JSON.stringify({ verdict: "would-run", keyId, order }, null, 2) + "\n");
  } catch (error) {
    if (error instanceof RunOrderError) throw new AgentError("REFUSED", `refused (${error.reason}): ${error.message}`);
    throw error;
  }
}

/**
 * The file's text, read only up to MAX_ENVELOPE_JSON_BYTES: a bigger file is no envelope this agent
 * would accept, so it is refused before it is read into memory (its size from fstat, or, for a pipe
 * that has none, by reading one byte past the cap).
 */
function readEnvelopeFile(file: string): string {
  const tooLarge = (size?: number) =>
    new AgentError(
      "REFUSED",
      `refused (malformed-envelope): the envelope file ${file}${size === undefined ? "" : ` (${size} bytes)`} is larger than any run-order envelope can be (${MAX_ENVELOPE_JSON_BYTES} bytes); nothing of it was parsed`,
    );
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch (error) {
    throw new AgentError("REFUSED", `refused: cannot read the envelope ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isFile() && stat.size > MAX_ENVELOPE_JSON_BYTES) throw tooLarge(stat.size);
    const buffer = Buffer.alloc(MAX_ENVELOPE_JSON_BYTES + 1);
    let length = 0;
    for (;;) {
      const read = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > MAX_ENVELOPE_JSON_BYTES) throw tooLarge();
    }
    return buffer.subarray(0, length).toString("utf8");
  } catch (error) {
    if (error instanceof AgentError) throw error;
    throw new AgentError("REFUSED", `refused: cannot read the envelope ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  } finally {
    fs.closeSync(fd);
  }
}
