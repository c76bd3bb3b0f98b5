// Walks every route handler under app/api and every socket namespace with
// every kind of caller (anonymous, each role, an agent credential, another
// host's agent credential) and compares what the server answers with the
// permission table. New routes are found on disk, so none can be left out.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { io } from "socket.io-client";
import type { Role } from "@/lib/server/db/generated/enums.ts";
import { PERMISSIONS, type Action } from "@/lib/server/auth/permissions.ts";
import { SCOPE_ACTIONS } from "@/lib/server/auth/token-scopes.ts";
import { createApiToken } from "@/lib/server/use-cases/create-api-token.ts";
import { TOKEN_SCOPE_NAMES, type TokenScope } from "@/lib/shared/api-token.ts";
import type { RouteAccess } from "@/lib/server/http/route.ts";
import { AGENT_NAMESPACE, LIVE_NAMESPACE, SOCKET_PATH } from "@/lib/shared/sockets.ts";
import { createTestDatabase, type TestDatabase } from "@/test/test-database.ts";
import { createUser, enrollTestHost } from "@/test/factories.ts";
import { signInCookie, startWebServer, type WebServer } from "@/test/web-server.ts";
import { discoverApiRoutes, type ApiRoute } from "@/test/app-routes.ts";

const ROLES: Role[] = ["ENGINEER", "REVIEWER", "SECURITY_REVIEWER", "SRE", "ADMIN"];

type RouteEntry = Omit<ApiRoute, "access"> & { access: RouteAccess };

async function discoverRoutes(): Promise<RouteEntry[]> {
  const routes = await discoverApiRoutes();
  for (const route of routes) {
    // Every handler is built with defineRoute and declares who may call it.
    expect(route.access, `${route.method} /api/${route.template} must be built with defineRoute`).toBeDefined();
  }
  return routes as RouteEntry[];
}

/** Any syntactically valid id: authorization is decided before anything is looked up. */
const concretePath = (template: string) => `/api/${template.replace(/\[[^\]]+\]/g, "walk0id")}`;

let t: TestDatabase;
let web: WebServer;
let routes: RouteEntry[];
const cookies = new Map<Role, string>();
let agentCredential: string;
/** One API token per scope, of a user holding every role: what it may do is exactly its scope. */
const scopeTokens = new Map<TokenScope, string>();

beforeAll(async () => {
  routes = await discoverRoutes();
  t = await createTestDatabase();
  web = await startWebServer(t.url);
  for (const role of ROLES) {
    const user = await createUser(t.db, [role]);
    cookies.set(role, await signInCookie(web.url, user.email, user.password));
  }
  const admin = await createUser(t.db, ["ADMIN"]);
  agentCredential = (await enrollTestHost(t.db, admin)).credential;
  const everyRole = await createUser(t.db, ROLES);
  for (const scope of TOKEN_SCOPE_NAMES) {
    scopeTokens.set(scope, (await createApiToken(t.db, everyRole, { name: scope, expiresInDays: 1, scopes: [scope] }, { maxDays: 1 })).token);
  }
}, 180_000);

afterAll(async () => {
  await web?.stop();
  await t?.drop();
});

type Caller = { name: string; headers: Record<string, string>; roles: Role[]; scope?: TokenScope };

function callers(): Caller[] {
  return [
    { name: "anonymous", headers: {}, roles: [] },
    ...ROLES.map((role) => ({ name: role.toLowerCase(), headers: { cookie: cookies.get(role)! }, roles: [role] })),
    // An agent's credential opens the agent socket and nothing else.
    { name: "agent credential", headers: { authorization: `Bearer ${agentCredential}`, cookie: `next-auth.session-token=${agentCredential}` }, roles: [] },
    // An API token acts as its user narrowed to its scope; a session cookie sent beside it changes nothing.
    ...TOKEN_SCOPE_NAMES.map((scope) => ({
      name: `API token with ${scope}`,
      headers: { authorization: `Bearer ${scopeTokens.get(scope)!}`, cookie: cookies.get("ADMIN")! },
      roles: ROLES,
      scope,
    })),
  ];
}

describe("every route against the permission table", () => {
  it("finds the routes on disk, each declaring its access", () => {
    expect(routes.length).toBeGreaterThan(15);
    for (const route of routes) {
      if (route.access.kind === "user") expect(Object.keys(PERMISSIONS)).toContain(route.access.action);
      else expect(route.access.why.length).toBeGreaterThan(10);
    }
  });

  it("answers each caller as the table says", async () => {
    const mismatches: string[] = [];
    for (const route of routes) {
      for (const caller of callers()) {
        const response = await fetch(`${web.url}${concretePath(route.template)}`, {
          method: route.method,
          headers: { ...caller.headers, origin: web.url, ...(route.method === "GET" ? {} : { "content-type": "application/json" }) },
          body: route.method === "GET" ? undefined : "{}",
        });
        await response.arrayBuffer();
        const status = response.status;
        let expected: string;
        let ok: boolean;
        if (route.access.kind === "public") {
          expected = "not 401/403 (public)";
          ok = status !== 401 && status !== 403;
        } else if (caller.roles.length === 0) {
          expected = "401";
          ok = status === 401;
        } else if (
          (PERMISSIONS[route.access.action] as readonly Role[]).some((role) => caller.roles.includes(role)) &&
          (!caller.scope || (SCOPE_ACTIONS[caller.scope] as readonly Action[]).includes(route.access.action))
        ) {
          expected = "allowed (not 401/403)";
          ok = status !== 401 && status !== 403;
        } else {
          expected = "403";
          ok = status === 403;
        }
        if (status >= 500) mismatches.push(`${route.method} ${route.template} as ${caller.name}: ${status} (a 5xx is never an answer to bad input)`);
        else if (!ok) mismatches.push(`${route.method} ${route.template} as ${caller.name}: ${status}, expected ${expected}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});

describe("every socket namespace against its callers", () => {
  const attempt = (namespace: string, options: { auth?: Record<string, unknown>; cookie?: string }) =>
    new Promise<"connected" | string>((resolve) => {
      const socket = io(`${web.url}${namespace}`, {
        path: SOCKET_PATH,
        transports: ["websocket"],
        reconnection: false,
        // One connection per attempt: socket.io-client would otherwise share the first
        // connection (and its headers) between namespaces of the same server.
        forceNew: true,
        auth: options.auth,
        extraHeaders: options.cookie ? { cookie: options.cookie } : {},
      });
      socket.once("connect", () => {
        socket.disconnect();
        resolve("connected");
      });
      socket.once("connect_error", (error) => resolve(error.message));
    });

  it("the agent namespace admits agent credentials only", async () => {
    expect(await attempt(AGENT_NAMESPACE, { auth: { token: agentCredential } })).toBe("connected");
    expect(await attempt(AGENT_NAMESPACE, {})).toBe("Missing or malformed agent credential.");
    for (const role of ROLES) expect(await attempt(AGENT_NAMESPACE, { cookie: cookies.get(role)! }), role).toBe("Missing or malformed agent credential.");
  });

  it("the live namespace admits signed-in users only, never an agent credential", async () => {
    for (const role of ROLES) expect(await attempt(LIVE_NAMESPACE, { cookie: cookies.get(role)! }), role).toBe("connected");
    expect(await attempt(LIVE_NAMESPACE, {})).toBe("Sign in first.");
    expect(await attempt(LIVE_NAMESPACE, { auth: { token: agentCredential }, cookie: `next-auth.session-token=${agentCredential}` })).toBe("Sign in first.");
    expect(await attempt(LIVE_NAMESPACE, { auth: { apiToken: agentCredential } })).toMatch(/^The bearer token is malformed/);
    expect(await attempt(LIVE_NAMESPACE, { auth: { apiToken: scopeTokens.get("runs:read")! } })).toBe("connected");
  });

  it("the agent namespace never admits an API token", async () => {
    for (const token of scopeTokens.values()) expect(await attempt(AGENT_NAMESPACE, { auth: { token } })).toBe("Missing or malformed agent credential.");
  });
});
