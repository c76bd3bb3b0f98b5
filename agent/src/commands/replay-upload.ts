// The replay command's side of the HTTP API: sign in as the user (next-auth's
// credentials endpoint, as the login form does) and post with retries.
import readline from "node:readline";
import { AgentError } from "../errors.ts";
import type { ReplayIo } from "./replay-arguments.ts";

export type Session = { server: string; cookie: string };

async function request(session: Session | { server: string; cookie?: string }, method: "GET" | "POST", route: string, body?: unknown): Promise<Response> {
  try {
    return await fetch(new URL(route, session.server), {
      method,
      headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...(session.cookie ? { cookie: session.cookie } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: "manual",
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new AgentError("UNAVAILABLE", `cannot reach ${session.server}: ${(error as Error).message}`);
  }
}

async function readError(response: Response): Promise<string> {
  const text = (await response.text()).slice(0, 4000);
  try {
    return (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
  } catch {
    return text;
  }
}

/** Signs in through next-auth's credentials endpoint, as the login form does; returns the session. */
export async function signIn(server: string, email: string, password: string): Promise<Session> {
  const csrf = await request({ server }, "GET", "/api/auth/csrf");
  if (!csrf.ok) throw new AgentError("UNAVAILABLE", `the server did not offer a sign-in (${csrf.status})`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const csrfCookie = csrf.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  let response: Response;
  try {
    response = await fetch(new URL("/api/auth/callback/credentials", server), {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: csrfCookie },
      body: new URLSearchParams({ csrfToken, email, password, json: "true" }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new AgentError("UNAVAILABLE", `cannot reach ${server}: ${(error as Error).message}`);
  }
  const session = response.headers.getSetCookie().find((c) => /(^|__Secure-)next-auth\.session-token=/.test(c));
  if (!session) throw new AgentError("REFUSED", `sign-in as ${email} failed: wrong email or password, or the account is disabled`);
  return { server, cookie: session.split(";")[0]! };
}

/** POST with a few retries on network errors and 5xx; a 4xx is final (the server said why). */
export async function post<T>(session: Session, route: string, body: unknown): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    let response: Response;
    try {
      response = await request(session, "POST", route, body);
    } catch (error) {
      if (attempt >= 4) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
      continue;
    }
    if (response.ok) return (await response.json()) as T;
    const message = await readError(response);
    if (response.status >= 500 && attempt < 4) {
      await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
      continue;
    }
    const code = response.status === 401 || response.status === 403 ? "REFUSED" : response.status >= 500 ? "UNAVAILABLE" : "REFUSED";
    throw new AgentError(code, `the server refused ${route} (${response.status}): ${message}`);
  }
}

export async function askPassword(io: ReplayIo, user: string): Promise<string> {
  if (!io.stdin.isTTY) throw new AgentError("USAGE", "set WORKBENCH_PASSWORD, or run replay in a terminal to be asked for the password");
  const muted = new (await import("node:stream")).Writable({ write: (_chunk, _encoding, done) => done() });
  io.stderr.write(`password for ${user}: `);
  const prompt = readline.createInterface({ input: io.stdin, output: muted, terminal: true });
  try {
    return await new Promise<string>((resolve) => prompt.question("", resolve));
  } finally {
    prompt.close();
    io.stderr.write("\n");
  }
}
