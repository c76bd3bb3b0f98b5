import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { CliError } from "./cli-error.ts";

// Where `workbench login` keeps the server and the API token: one file in the
// user's configuration directory ($XDG_CONFIG_HOME/workbench, else
// ~/.config/workbench), readable by the user alone (0600, in a 0700
// directory), as ssh and gh keep theirs. WORKBENCH_SERVER_URL and
// WORKBENCH_TOKEN override it (CI jobs set those instead of logging in).

const credentialsSchema = z.object({ server: z.url(), token: z.string().min(1) });
export type Credentials = z.infer<typeof credentialsSchema>;

export function configDir(env: Readonly<Record<string, string | undefined>>): string {
  const base = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), ".config");
  return path.join(base, "workbench");
}

export const credentialsFile = (env: Readonly<Record<string, string | undefined>>) => path.join(configDir(env), "credentials.json");

export function saveCredentials(env: Readonly<Record<string, string | undefined>>, credentials: Credentials): string {
  const dir = configDir(env);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = credentialsFile(env);
  // Written beside it and renamed, with the mode set before the token is in it.
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify(credentials, null, 2) + "\n", { mode: 0o600 });
  fs.chmodSync(temporary, 0o600);
  fs.renameSync(temporary, file);
  return file;
}

export function removeCredentials(env: Readonly<Record<string, string | undefined>>): boolean {
  try {
    fs.unlinkSync(credentialsFile(env));
    return true;
  } catch {
    return false;
  }
}

/** The server and token to use: the environment's, else the saved ones; a sentence saying how to log in when there are none. */
export function loadCredentials(env: Readonly<Record<string, string | undefined>>, serverFlag?: string): Credentials {
  let saved: Credentials | null = null;
  const file = credentialsFile(env);
  if (fs.existsSync(file)) {
    const mode = fs.statSync(file).mode & 0o077;
    if (mode !== 0) throw new CliError("UNAUTHENTICATED", `${file} is readable by other users; run \`chmod 600 ${file}\` (or log in again).`);
    const parsed = credentialsSchema.safeParse(JSON.parse(fs.readFileSync(file, "utf8")));
    if (!parsed.success) throw new CliError("UNAUTHENTICATED", `${file} is damaged; run \`workbench login\` again.`);
    saved = parsed.data;
  }
  const server = serverFlag ?? env.WORKBENCH_SERVER_URL ?? saved?.server;
  const token = env.WORKBENCH_TOKEN ?? saved?.token;
  if (!server || !token) {
    throw new CliError(
      "UNAUTHENTICATED",
      "Not logged in: run `workbench login --server URL` with a token from your account page (or set WORKBENCH_SERVER_URL and WORKBENCH_TOKEN).",
    );
  }
  return { server, token };
}
