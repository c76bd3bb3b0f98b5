// The workbench's HTTP API as its users call it (docs/http-api.md): signed-in
// users with the session cookie next-auth sets, hosts with their one-time
// enrollment token. The base URL is read on every call: each load runs on a
// freshly started server, and the cookies outlive it (one NEXTAUTH_SECRET
// for the whole bench run; sessions live in the database).
import { randomBytes } from "node:crypto";
import { signInCookie } from "../../../test/web-server.ts";

export class ApiError extends Error {}

export type ServerAddress = { url: string };

export class WorkbenchApi {
  constructor(
    private readonly server: ServerAddress,
    readonly cookie: string,
  ) {}

  async post<T>(path: string, body: unknown): Promise<T> {
    return call<T>(this.server.url, path, { method: "POST", body, cookie: this.cookie });
  }

  /** A page as a browser loads it (server-rendered HTML); throws unless it answers 200. */
  async page(path: string): Promise<void> {
    const response = await fetch(new URL(path, this.server.url), { headers: { cookie: this.cookie }, signal: AbortSignal.timeout(60_000) });
    await response.arrayBuffer();
    if (response.status !== 200) throw new ApiError(`GET ${path}: ${response.status}`);
  }
}

async function call<T>(baseUrl: string, path: string, options: { method: string; body?: unknown; cookie?: string }): Promise<T> {
  const response = await fetch(new URL(path, baseUrl), {
    method: options.method,
    headers: { "content-type": "application/json", ...(options.cookie ? { cookie: options.cookie } : {}) },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  if (!response.ok) throw new ApiError(`${options.method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

export async function signIn(server: ServerAddress, email: string, password: string): Promise<WorkbenchApi> {
  return new WorkbenchApi(server, await signInCookie(server.url, email, password));
}

/** An account made by an admin through POST /api/users, signed in through next-auth's credentials form. */
export async function createSignedInUser(server: ServerAddress, admin: WorkbenchApi, role: "ENGINEER" | "REVIEWER" | "SRE", name: string): Promise<WorkbenchApi> {
  const password = `bench-${randomBytes(12).toString("hex")}`;
  const email = `${name}-${randomBytes(3).toString("hex")}@bench.local`;
  await admin.post("/api/users", { email, name, roles: [role], password, reason: "bench:fleet" });
  return signIn(server, email, password);
}

/** What `workbench-agent enroll` does: a one-time token from an admin, exchanged for the host's credential. */
export async function enrollHost(server: ServerAddress, admin: WorkbenchApi, hostName: string): Promise<{ hostId: string; hostName: string; credential: string }> {
  const { token } = await admin.post<{ token: string }>("/api/enrollment-tokens", { ttlMinutes: 60, labels: ["bench-fleet"] });
  const { hostId, credential } = await call<{ hostId: string; credential: string }>(server.url, "/api/agent/enroll", {
    method: "POST",
    body: { token, hostName },
  });
  return { hostId, hostName, credential };
}
