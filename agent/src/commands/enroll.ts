import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { normalizeLabels } from "@/lib/shared/host-labels.ts";
import { HOST_NAME_PATTERN } from "@/lib/shared/input-limits.ts";
import { AgentError } from "../errors.ts";

export type EnrollOptions = {
  server: string;
  token: string;
  host: string;
  /** Labels the agent proposes; the server keeps them only if the enrollment token allows it. */
  labels: string[];
  credentialFile: string;
  force: boolean;
};

/** An enrollment answer is a few hundred bytes; the agent reads no more than this of any answer. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/** The body up to `max` bytes; the rest is never read (an endless answer cannot fill the agent's memory). */
async function readCapped(response: Response, max: number): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
      if (size > max) throw new AgentError("UNAVAILABLE", `the server's answer is larger than ${max} bytes`);
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).toString("utf8");
}

const enrollReply = z.object({ hostId: z.string(), credential: z.string().startsWith("wba_"), labels: z.array(z.string()).optional() });

/**
 * `workbench-agent enroll`: trades a one-time enrollment token for this
 * host's own credential and writes it to a file only root can read.
 */
export async function enrollCommand(options: EnrollOptions, out: NodeJS.WritableStream): Promise<void> {
  if (!HOST_NAME_PATTERN.test(options.host)) throw new AgentError("USAGE", `invalid host name ${JSON.stringify(options.host)}`);
  const labels = normalizeLabels(options.labels);
  if (!labels.ok) throw new AgentError("USAGE", labels.error);
  if (fs.existsSync(options.credentialFile) && !options.force) {
    throw new AgentError("USAGE", `${options.credentialFile} exists; pass --force to replace this host's credential`);
  }
  let response: Response;
  try {
    response = await fetch(new URL("/api/agent/enroll", options.server), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: options.token, hostName: options.host, labels: labels.labels }),
      signal: AbortSignal.timeout(15_000),
      redirect: "error",
    });
  } catch (error) {
    throw new AgentError("UNAVAILABLE", `cannot reach ${options.server}: ${(error as Error).message}`);
  }
  const text = await readCapped(response, MAX_RESPONSE_BYTES);
  if (!response.ok) {
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
    } catch {
      // not JSON: show it as it is
    }
    // 401: the token; 400 and 422: what this host asked for (labels the token does not allow). Retrying changes nothing.
    const refused = response.status === 401 || response.status === 400 || response.status === 422;
    throw new AgentError(refused ? "REFUSED" : "UNAVAILABLE", `enrollment refused (${response.status}): ${message}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AgentError("UNAVAILABLE", "the server's answer to enrollment is not JSON");
  }
  const reply = enrollReply.safeParse(body);
  if (!reply.success) throw new AgentError("UNAVAILABLE", "the server's answer to enrollment is malformed");
  fs.mkdirSync(path.dirname(path.resolve(options.credentialFile)), { recursive: true, mode: 0o700 });
  // Write then rename, so a crash never leaves a half-written credential.
  const temporary = `${options.credentialFile}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, reply.data.credential + "\n", { mode: 0o600 });
  fs.renameSync(temporary, options.credentialFile);
  const given = reply.data.labels?.length ? `, labels ${reply.data.labels.join(",")}` : "";
  out.write(`enrolled ${options.host} (host id ${reply.data.hostId}${given}); credential written to ${options.credentialFile}\n`);
}
