import readline from "node:readline";
import { Writable } from "node:stream";
import { API_TOKEN_PATTERN } from "@/lib/shared/api-token.ts";
import { WorkbenchApi } from "../api.ts";
import { CliError } from "../cli-error.ts";
import { saveCredentials } from "../config.ts";
import { printJson, printLine, type Output } from "../output.ts";

export type LoginOptions = { server: string; tokenFromStdin: boolean };

/** Reads the token: a hidden prompt on a terminal, else the first line of stdin (`--token-stdin`, or a pipe). */
async function readToken(stdin: NodeJS.ReadableStream & { isTTY?: boolean }, out: Output, hidden: boolean): Promise<string> {
  if (hidden) out.stderr.write("API token (from your account page): ");
  const prompt = readline.createInterface({ input: stdin, output: hidden ? new Writable({ write: (_c, _e, done) => done() }) : undefined, terminal: hidden });
  try {
    const line = await new Promise<string>((resolve) => {
      prompt.once("line", resolve);
      prompt.once("close", () => resolve(""));
    });
    return line.trim();
  } finally {
    prompt.close();
    if (hidden) out.stderr.write("\n");
  }
}

/**
 * Checks the token against the server before keeping it: a 401 means it is
 * no token there (said why); a 403 means the token is good but lacks runs:read,
 * which is fine for a token made only to submit or upload.
 */
export async function loginCommand(
  options: LoginOptions,
  env: Readonly<Record<string, string | undefined>>,
  stdin: NodeJS.ReadableStream & { isTTY?: boolean },
  out: Output,
): Promise<void> {
  const token = await readToken(stdin, out, !options.tokenFromStdin && stdin.isTTY === true);
  if (!API_TOKEN_PATTERN.test(token)) {
    throw new CliError("USAGE", "That is not a workbench API token (wbt_ and 43 characters): create one on your account page and paste it.");
  }
  const api = new WorkbenchApi({ server: options.server, token });
  let canReadRuns = true;
  try {
    await api.json("GET", "/api/runs?status=RUNNING");
  } catch (error) {
    if (!(error instanceof CliError && error.code === "FORBIDDEN")) throw error;
    canReadRuns = false;
  }
  const file = saveCredentials(env, { server: options.server, token });
  if (out.json) return printJson(out, { server: options.server, credentialsFile: file, canReadRuns });
  printLine(out, `Logged in to ${options.server}; the token is in ${file} (readable by you alone).`);
  if (!canReadRuns) printLine(out, "This token cannot read runs (no runs:read scope): status, watch and export will be refused.");
}
