// The HTTP requests of `workbench-agent replay` (replay.ts): each with the
// user's API token, POSTs retried a few times on network errors and 5xx, and
// a refusal turned into an AgentError with the server's sentence. The token is
// never part of a message.
import { AgentError } from "../errors.ts";

/** Where the replay goes and the user's API token (scope replays:upload), sent as `Authorization: Bearer`. */
export type ReplaySession = { server: string; token: string };

async function request(session: ReplaySession, method: "GET" | "POST", route: string, body?: unknown): Promise<Response> {
  try {
    return await fetch(new URL(route, session.server), {
      method,
      headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), authorization: `Bearer ${session.token}` },
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

/** POST with a few retries on network errors and 5xx; a 4xx is final (the server said why). */
export async function post<T>(session: ReplaySession, route: string, body: unknown): Promise<T> {
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
