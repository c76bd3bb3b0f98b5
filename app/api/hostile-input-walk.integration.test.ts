// Walks every route on disk (and every page) with input an attacker, a broken
// client or a stray proxy sends: NUL characters in every text field, numbers
// past PostgreSQL's integer, wrong JSON types, bodies nested too deep,
// `Origin: null` or garbage, malformed %-escapes in the path, in cookies and
// in the query. Every answer must be a 4xx with a sentence (never a 5xx,
// never a hang-up), carry the security headers, and leave the database as it
// was. Each body route has a valid sample, proved accepted at the end, so
// each hostile variant differs from an accepted request in one place only.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { io } from "socket.io-client";
import { LIVE_NAMESPACE, SOCKET_PATH } from "@/lib/shared/sockets.ts";
import type { Role } from "@/lib/server/db/generated/enums.ts";
import { PERMISSIONS } from "@/lib/server/auth/permissions.ts";
import { createProgram } from "@/lib/server/use-cases/create-program.ts";
import { createApiToken } from "@/lib/server/use-cases/create-api-token.ts";
import { createTestDatabase, type TestDatabase } from "@/test/test-database.ts";
import { createUser, enrollTestHost } from "@/test/factories.ts";
import { signInCookie, startWebServer, type WebServer } from "@/test/web-server.ts";
import { discoverApiRoutes, discoverPages, templateParams, type ApiRoute } from "@/test/app-routes.ts";

const ROLES: Role[] = ["ENGINEER", "REVIEWER", "SECURITY_REVIEWER", "SRE", "ADMIN"];
const SOURCE = "interval:s:1 { @ticks = count(); }";
const NUL = "\u0000";
/** A %-escape no decoder accepts: E0 A4 starts a three-byte UTF-8 sequence, "%A" is cut short. */
const BAD_ESCAPE = "%E0%A4%A";
const HUGE = "99999999999999";
const METRICS_TOKEN = "metrics-token-for-the-walk-0123456789";

let t: TestDatabase;
let web: WebServer;
let routes: ApiRoute[];
const cookies = new Map<Role, string>();
/** Ids for the `[param]` segments, by template: real rows, so a request that passes validation reaches the database. */
let pathFor: (route: Pick<ApiRoute, "template">, override?: Record<string, string>) => string;
let samples: Map<string, Sample>;

/** A request the route accepts (proved at the end), the base of every hostile variant. */
type Sample = { body?: unknown; query?: Record<string, string> };
const key = (route: Pick<ApiRoute, "method" | "template">) => `${route.method} ${route.template}`;

function callerCookie(route: ApiRoute): string | undefined {
  if (route.access?.kind !== "user") return undefined;
  const allowed: readonly Role[] = PERMISSIONS[route.access.action];
  const role = ROLES.find((r) => allowed.includes(r));
  return role ? cookies.get(role) : undefined;
}

async function post(cookie: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${web.url}${path}`, {
    method: "POST",
    headers: { cookie, origin: web.url, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`setup: POST ${path} answered ${response.status} ${JSON.stringify(json)}`);
  return json;
}

beforeAll(async () => {
  routes = await discoverApiRoutes();
  t = await createTestDatabase();
  web = await startWebServer(t.url, { WORKBENCH_METRICS_TOKEN: METRICS_TOKEN });
  const users = new Map<Role, Awaited<ReturnType<typeof createUser>>>();
  for (const role of ROLES) {
    const user = await createUser(t.db, [role]);
    users.set(role, user);
    cookies.set(role, await signInCookie(web.url, user.email, user.password));
  }
  const admin = users.get("ADMIN")!;
  const engineer = users.get("ENGINEER")!;
  const { hostId } = await enrollTestHost(t.db, admin);
  const { hostId: spareHostId } = await enrollTestHost(t.db, admin);
  const create = () => createProgram(t.db, engineer, { name: "walk", source: SOURCE, durationSec: 5, targetHostIds: [hostId] }, { maxDurationSec: 600 });
  const approved = await create();
  const { runIds } = (await post(cookies.get("REVIEWER")!, `/api/revisions/${approved.revisionId}/reviews`, { decision: "approve", reason: "walk" })) as { runIds: string[] };
  const runId = runIds[0]!;
  const reviewId = (await t.db.review.findFirstOrThrow({ where: { revisionId: approved.revisionId }, select: { id: true } })).id;
  const pending = await create();
  // A runbook every role may launch, so the sample's caller (the first role the route's action allows) is let through.
  const runbook = await createProgram(
    t.db,
    engineer,
    {
      name: "walk runbook",
      source: SOURCE,
      durationSec: 5,
      targetHostIds: [hostId],
      runbook: {
        measures: "ticks",
        params: [{ name: "n", description: "a number", type: "integer", min: 0, max: 9, default: 1 }],
        maxHostsPerLaunch: 1,
        maxConcurrentLaunches: 100,
        launchRoles: [...ROLES],
      },
    },
    { maxDurationSec: 600 },
  );
  await post(cookies.get("REVIEWER")!, `/api/revisions/${runbook.revisionId}/reviews`, { decision: "approve", reason: "walk" });
  const toRevise = await create();
  const { incidentId } = (await post(cookies.get("ENGINEER")!, "/api/incidents", { title: "Walk incident" })) as { incidentId: string };
  await post(cookies.get("ENGINEER")!, `/api/incidents/${incidentId}/runs`, { runId, role: "INCIDENT" });
  const replayCookie = callerCookie({ method: "POST", template: "replays", access: { kind: "user", action: "replay.create" } })!;
  const { runId: replayRunId } = (await post(replayCookie, "/api/replays", { name: "walk.json", startedAt: Date.now() })) as { runId: string };
  const toDisable = await createUser(t.db, ["ENGINEER"]);
  // The engineer's cookie calls the token routes (the first role token.manage allows): a token of theirs to revoke.
  const { id: tokenId } = await createApiToken(t.db, engineer, { name: "walk", expiresInDays: 1, scopes: ["runs:read"] }, { maxDays: 90 });
  // It lets the agent propose labels, so the enrollment sample's labels are accepted and walked.
  const { token } = (await post(cookies.get("ADMIN")!, "/api/enrollment-tokens", { ttlMinutes: 30, allowAgentLabels: true })) as { token: string };

  // A switch over a label no host carries, for the release sample to release.
  const { switchId } = (await post(cookies.get("SRE")!, "/api/stop-switches", { scope: { kind: "label", label: "rack=walk-setup" }, reason: "walk" })) as { switchId: string };
  const ids: Record<string, string> = {
    hostId: spareHostId,
    programId: toRevise.programId,
    revisionId: pending.revisionId,
    runId,
    reviewId,
    incidentId,
    userId: toDisable.id,
    keyId: "0".repeat(64),
    switchId,
    tokenId,
  };
  pathFor = (route, override = {}) => {
    const own: Record<string, string> = route.template.startsWith("replays/")
      ? { runId: replayRunId }
      : route.template.startsWith("runbooks/")
        ? { programId: runbook.programId }
        : {};
    const values: Record<string, string> = { ...ids, ...own, ...override };
    return `/api/${route.template.replace(/\[([^\]]+)\]/g, (_, name: string) => values[name] ?? "walk0id")}`;
  };

  const hist = { type: "hist", map: "@usecs", series: [{ key: null, buckets: [{ min: 0, max: 1, count: 3 }], total: 3 }] };
  // In the order the proof sends them: later samples may depend on earlier ones (disable before enable, frames before end).
  samples = new Map<string, Sample>([
    ["POST agent/enroll", { body: { token, hostName: "walk-enrolled", labels: ["rack=a1"] } }],
    ["POST enrollment-tokens", { body: { ttlMinutes: 5, labels: ["role=db", "zone=eu-1"], allowAgentLabels: false } }],
    ["PUT hosts/[hostId]/labels", { body: { labels: ["role=db", "zone=eu-1"], reason: "walk" } }],
    ["POST hosts/[hostId]/revoke", {}],
    ["POST programs", { body: { name: "walk program", source: SOURCE, durationSec: 5, targetHostIds: [hostId], targetSelector: "rack=a1" } }],
    ["POST programs/[programId]/revisions", { body: { source: SOURCE, durationSec: 6, targetHostIds: [hostId], targetSelector: "role=db,zone!=eu-2", baseRevision: 1 } }],
    ["POST revisions/[revisionId]/comments", { body: { line: 1, body: "a comment" } }],
    ["POST revisions/[revisionId]/dry-runs", { body: { hostId } }],
    ["POST revisions/[revisionId]/reviews", { body: { decision: "reject", reason: "walk" } }],
    ["POST incidents", { body: { title: "Another incident", summary: "what happened" } }],
    ["POST incidents/[incidentId]/notes", { body: { body: "a note" } }],
    ["POST incidents/[incidentId]/runs", { body: { runId, role: "BASELINE" } }],
    ["DELETE incidents/[incidentId]/runs/[runId]", {}],
    ["PATCH incidents/[incidentId]", { body: { status: "RESOLVED" } }],
    ["POST replays", { body: { name: "capture.json", sourceHost: "db-1", program: SOURCE, startedAt: 1_700_000_000_000 } }],
    ["POST replays/[runId]/frames", { body: { frames: [{ seq: 1, at: 1_700_000_000_000, record: hist, delta: hist }] } }],
    ["POST replays/[runId]/end", { body: { endedAt: 1_700_000_001_000, skippedLines: 0 } }],
    ["POST runs/[runId]/stop", {}],
    ["POST stop-switches", { body: { scope: { kind: "label", label: "rack=walk-none" }, reason: "walk" } }],
    ["POST stop-switches/[switchId]/release", { body: { reason: "walk" } }],
    ["POST reviews/[reviewId]/revoke", { body: { reason: "walk" } }],
    [
      "PUT settings",
      {
        body: {
          reviewRules: { approvalsRequired: 1, reviewWindowHours: 24, approvalValidHours: 4, elevatedNeedSecurityReview: true },
          lintPolicy: { allowedProbeTypes: ["tracepoint", "interval", "BEGIN", "END"], maxTotalProbes: 100 },
        },
      },
    ],
    ["POST signing-keys/rotate", {}],
    ["POST tokens", { body: { name: "walk token", expiresInDays: 7, scopes: ["runs:read", "replays:upload"] } }],
    ["POST tokens/[tokenId]/revoke", {}],
    ["POST signing-keys/[keyId]/retire", {}],
    ["POST users", { body: { email: "walk.person@test.local", name: "Walk Person", roles: ["ENGINEER"], reason: "walk" } }],
    ["POST users/[userId]/disable", { body: { reason: "walk" } }],
    ["POST users/[userId]/enable", { body: { reason: "walk" } }],
    ["POST users/[userId]/roles", { body: { roles: ["ENGINEER", "SRE"], reason: "walk" } }],
    ["GET audit", { query: { actor: "admin", action: "auth.", targetType: "run", targetId: "x", from: "2026-01-01T00:00", to: "2030-01-01T00:00", before: "100", limit: "10" } }],
    ["GET audit/export", { query: { actor: "admin", action: "auth.", targetType: "run", targetId: "x", from: "2026-01-01T00:00", to: "2030-01-01T00:00" } }],
    ["GET hosts/probes", { query: { hostIds: hostId } }],
    ["GET hosts/matches", { query: { selector: "role=db,!retired", limit: "10" } }],
    ["GET incidents", { query: { status: "OPEN" } }],
    ["GET incidents/[incidentId]/comparison", { query: { map: "@usecs", key: "k" } }],
    ["GET programs", { query: { mine: "1", status: "PENDING" } }],
    ["GET runs", { query: { status: "QUEUED" } }],
    ["GET runs/[runId]/rollout", {}],
    ["GET runs/[runId]/export", { query: { format: "csv" } }],
    ["GET runs/[runId]/frames", { query: { afterSeq: "0", limit: "10" } }],
    ["GET runs/comparison", { query: { a: runId, b: replayRunId, aFrom: "0", aTo: "10", bFrom: "0", bTo: "10", map: "@usecs", key: "k" } }],
    // Last: the launch attaches its run to the incident, which would change what the incident's comparison above compares.
    ["POST runbooks/[programId]/launches", { body: { hostIds: [hostId], values: { n: 3 }, durationSec: 5, reason: "walk", incidentId } }],
  ]);
}, 240_000);

afterAll(async () => {
  await web?.stop();
  await t?.drop();
});

type Answer = { status: number; headers: Headers; text: string; json: { error?: { code?: string; message?: string } } | null };

/** One request; a hang-up or a stall past 10 s fails the walk with what was sent. */
async function send(method: string, path: string, options: { cookie?: string; origin?: string | null; body?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.cookie) headers.cookie = options.cookie;
  if (options.origin !== null) headers.origin = options.origin ?? web.url;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(`${web.url}${path}`, { method, headers, body: options.body, redirect: "manual", signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new Error(`${method} ${path} got no answer (${(error as Error).cause ?? error})`);
  }
  const text = await response.text();
  let json: Answer["json"] = null;
  try {
    json = JSON.parse(text) as Answer["json"];
  } catch {
    json = null;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/**
 * A raw request line, for targets fetch() would clean up first (it
 * re-escapes a malformed %-escape). Answers the status and headers.
 */
function sendRaw(target: string, cookie?: string): Promise<{ status: number; head: string }> {
  const { port } = new URL(web.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), "127.0.0.1", () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${cookie ? `Cookie: ${cookie}\r\n` : ""}Connection: close\r\n\r\n`);
    });
    let received = "";
    socket.setTimeout(10_000, () => socket.destroy(new Error(`GET ${target} got no answer in 10 s`)));
    socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
    socket.on("error", reject);
    socket.on("close", () => {
      const head = received.split("\r\n\r\n")[0] ?? "";
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? "0");
      if (!status) reject(new Error(`GET ${target} got no status line (hung up)`));
      else resolve({ status, head: head.toLowerCase() });
    });
  });
}

/** Every failure found, so one run names them all. */
class Findings {
  readonly problems: string[] = [];
  check(label: string, answer: Answer, expect: { status?: number | [number, number]; nul?: boolean } = {}): void {
    const [low, high] = Array.isArray(expect.status) ? expect.status : expect.status ? [expect.status, expect.status] : [400, 499];
    const where = `${label}: ${answer.status}`;
    if (answer.status >= 500) this.problems.push(`${where}, a 5xx (${answer.text.slice(0, 160)})`);
    else if (answer.status < low || answer.status > high) this.problems.push(`${where}, expected ${low === high ? low : `${low}-${high}`} (${answer.text.slice(0, 160)})`);
    else if (answer.status >= 400 && !(answer.json?.error?.message && answer.json.error.message.length > 10))
      this.problems.push(`${where} without a sentence: ${answer.text.slice(0, 160)}`);
    if (expect.nul && !answer.json?.error?.message?.includes("NUL")) this.problems.push(`${where} does not name the NUL character: ${answer.text.slice(0, 160)}`);
    if (answer.headers.get("cache-control") !== "no-store") this.problems.push(`${label}: Cache-Control is ${answer.headers.get("cache-control")}, not no-store`);
    if (answer.headers.get("cross-origin-opener-policy") !== "same-origin") this.problems.push(`${label}: no Cross-Origin-Opener-Policy`);
    if (!answer.headers.get("permissions-policy")?.includes("camera=()")) this.problems.push(`${label}: no Permissions-Policy`);
    if (answer.headers.get("x-content-type-options") !== "nosniff") this.problems.push(`${label}: no X-Content-Type-Options`);
  }
}

/** Every leaf and node of a JSON value, with a setter that rebuilds the value with that spot replaced. */
function spots(value: unknown, path: string[] = []): { path: string[]; value: unknown }[] {
  const here = path.length > 0 ? [{ path, value }] : [];
  if (Array.isArray(value)) return [...here, ...value.flatMap((item, index) => spots(item, [...path, String(index)]))];
  if (value !== null && typeof value === "object") return [...here, ...Object.entries(value).flatMap(([k, v]) => spots(v, [...path, k]))];
  return here;
}

function replaced(value: unknown, path: string[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((item, index) => (String(index) === head ? replaced(item, rest, replacement) : item));
  return { ...(value as Record<string, unknown>), [head!]: replaced((value as Record<string, unknown>)[head!], rest, replacement) };
}

/** Body fields stored in a PostgreSQL integer column (frame numbers, revision numbers, line numbers). */
const INT4_FIELDS = new Set(["seq", "baseRevision", "line"]);

const nested = (depth: number) => JSON.parse(`${"[".repeat(depth)}1${"]".repeat(depth)}`) as unknown;

/** What replaces one spot of a valid body: NUL in text, numbers PostgreSQL's integer cannot hold, the wrong JSON type. */
function hostileValues(value: unknown, field: string): { name: string; value: unknown; nul?: boolean }[] {
  const common = [{ name: "nested 1000 deep", value: nested(1000) }];
  if (typeof value === "string") {
    return [
      { name: "NUL appended", value: `${value}${NUL}x`, nul: true },
      { name: "only NUL", value: NUL, nul: true },
      { name: "a number", value: 12345 },
      { name: "null", value: null },
      { name: "an object", value: { text: value } },
      ...common,
    ];
  }
  if (typeof value === "number") {
    return [
      // Past every limit and not a safe integer: no field takes these.
      { name: "1e308", value: 1e308 },
      { name: "2^53", value: 2 ** 53 },
      // Past PostgreSQL's integer, only where the field is stored in one (a time in ms or a bucket count may well exceed it).
      ...(INT4_FIELDS.has(field)
        ? [
            { name: "2^31", value: 2 ** 31 },
            { name: HUGE, value: Number(HUGE) },
          ]
        : []),
      { name: "a string", value: "seven" },
      { name: "a string with NUL", value: `${value}${NUL}`, nul: true },
      ...common,
    ];
  }
  if (typeof value === "boolean")
    return [
      { name: "a string", value: String(value) },
      { name: "a number", value: 1 },
      { name: "null", value: null },
    ];
  // A null in a sample is a nullable field (a record's key, a bucket's bound): only NUL text is surely refused there.
  if (value === null)
    return [
      { name: "NUL text", value: NUL, nul: true },
      { name: "an object", value: { a: 1 } },
    ];
  return [{ name: "a string", value: "x" }, { name: "a string with NUL", value: `x${NUL}`, nul: true }, ...common];
}

async function tableCounts(): Promise<Record<string, number>> {
  const tables = await t.db.$queryRawUnsafe<{ name: string }[]>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations' ORDER BY 1",
  );
  const counts: Record<string, number> = {};
  for (const { name } of tables) {
    const [row] = await t.db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM "${name}"`);
    counts[name] = Number(row!.n);
  }
  return counts;
}

describe("every route against hostile input", () => {
  let before: Record<string, number>;
  beforeAll(async () => {
    before = await tableCounts();
  });

  it("has a valid sample for every route that changes something, so no body goes unwalked", () => {
    const missing = routes.filter((route) => route.method !== "GET" && !samples.has(key(route))).map(key);
    expect(missing, "add a valid sample request for each (see `samples` above)").toEqual([]);
    const stale = [...samples.keys()].filter((name) => !routes.some((route) => key(route) === name));
    expect(stale, "samples for routes that no longer exist").toEqual([]);
  });

  it("a hostile Origin is refused with a 4xx on every write route, never a 500", async () => {
    const findings = new Findings();
    for (const route of routes.filter((r) => r.method !== "GET")) {
      const sample = samples.get(key(route))!;
      const body = sample.body === undefined ? undefined : JSON.stringify(sample.body);
      for (const [name, origin, status] of [
        ["null", "null", 403],
        ["garbage", "::::", 400],
        ["no scheme", "127.0.0.1", 400],
        ["another site", "https://evil.example", 403],
        ["a data URL", "data:text/html,x", 403],
      ] as const) {
        const answer = await send(route.method, pathFor(route), { cookie: callerCookie(route), origin, body });
        findings.check(`${key(route)} with Origin ${name}`, answer, { status });
      }
    }
    expect(findings.problems).toEqual([]);
  });

  it("NUL, integer overflow and wrong types in any body field are a 400, never a 500", async () => {
    const findings = new Findings();
    for (const route of routes.filter((r) => r.method !== "GET")) {
      const sample = samples.get(key(route))!;
      const cookie = callerCookie(route);
      const path = pathFor(route);
      if (sample.body === undefined) continue;
      for (const spot of spots(sample.body)) {
        for (const hostile of hostileValues(spot.value, spot.path.at(-1)!)) {
          const answer = await send(route.method, path, { cookie, body: JSON.stringify(replaced(sample.body, spot.path, hostile.value)) });
          findings.check(`${key(route)} with ${spot.path.join(".")} = ${hostile.name}`, answer, hostile.nul ? { status: 400, nul: true } : {});
        }
      }
      for (const [name, body] of [
        ["a NUL in a field name", JSON.stringify({ ...(sample.body as object), [`note${NUL}`]: "x" })],
        ["null", "null"],
        ["an array", "[]"],
        ["a string", '"text"'],
        ["a number", "42"],
        ["nested 100000 deep", `${"[".repeat(100_000)}1${"]".repeat(100_000)}`],
        ["truncated JSON", JSON.stringify(sample.body).slice(0, -1)],
      ] as const) {
        findings.check(`${key(route)} with a body of ${name}`, await send(route.method, path, { cookie, body }));
      }
    }
    expect(findings.problems).toEqual([]);
  });

  it("NUL, huge numbers, malformed escapes and wrong types in the query are a 4xx, never a 500", async () => {
    const findings = new Findings();
    for (const route of routes.filter((r) => r.method === "GET")) {
      const cookie = callerCookie(route);
      const query = samples.get(key(route))?.query ?? {};
      // Parameters a route does not take are ignored; these are for every route.
      const generic = { afterSeq: HUGE, limit: HUGE, before: "9".repeat(30), format: "xml", status: "ALL" };
      for (const [name, value] of Object.entries({ ...generic, ...query })) {
        const variants: [string, string, object][] = [
          ["NUL", "%00", { status: 400, nul: true }],
          ["NUL inside", `${encodeURIComponent(value)}%00x`, { status: 400, nul: true }],
          ["huge", HUGE, { status: [200, 499] }],
          ["2^31", String(2 ** 31), { status: [200, 499] }],
          ["a malformed escape", BAD_ESCAPE, { status: [200, 499] }],
          ["not a number", "abc", { status: [200, 499] }],
          ["empty", "", { status: [200, 499] }],
        ];
        for (const [variant, raw, expected] of variants) {
          const rest = Object.entries(query)
            .filter(([k]) => k !== name)
            .map(([k, v]) => `${k}=${encodeURIComponent(v)}`);
          const target = `${pathFor(route)}?${[...rest, `${name}=${raw}`].join("&")}`;
          findings.check(`${key(route)} with ?${name} ${variant}`, await send("GET", target, { cookie }), expected);
        }
      }
    }
    expect(findings.problems).toEqual([]);
  });

  it("a path parameter that is NUL, huge, too long or badly escaped is a 4xx on every route, never a 500", async () => {
    const findings = new Findings();
    for (const route of routes) {
      const params = templateParams(route.template);
      const sample = samples.get(key(route));
      const body = sample?.body === undefined ? undefined : JSON.stringify(sample.body);
      for (const param of params) {
        for (const [name, value] of [
          ["NUL", "%00"],
          ["NUL inside", "abc%00def"],
          ["huge", "9".repeat(40)],
          ["too long", "a".repeat(300)],
          ["an escaped slash", "a%2Fb"],
        ] as const) {
          const answer = await send(route.method, pathFor(route, { [param]: value }), { cookie: callerCookie(route), body });
          // A well-formed id nobody has may list nothing (200) on a read; a write must refuse it.
          const expected = name.startsWith("NUL") ? { status: 400, nul: true } : route.method === "GET" ? { status: [200, 499] as [number, number] } : {};
          findings.check(`${key(route)} with [${param}] ${name}`, answer, expected);
        }
        // fetch() would re-escape a malformed escape; the raw request line keeps it.
        const raw = await sendRaw(pathFor(route, { [param]: BAD_ESCAPE }), callerCookie(route));
        if (raw.status !== 400) findings.problems.push(`${key(route)} with [${param}] ${BAD_ESCAPE}: ${raw.status}, expected 400`);
        if (!raw.head.includes("cache-control: no-store")) findings.problems.push(`${key(route)} with [${param}] ${BAD_ESCAPE}: not no-store`);
      }
    }
    for (const target of ["/api/%", "/api/runs/%C3/frames", `/api/${BAD_ESCAPE}`]) {
      const raw = await sendRaw(target);
      if (raw.status !== 400) findings.problems.push(`${target}: ${raw.status}, expected 400`);
    }
    expect(findings.problems).toEqual([]);
  });

  it("a malformed cookie next to a valid session changes nothing; a malformed session cookie is no session", async () => {
    const findings = new Findings();
    for (const route of routes.filter((r) => r.method === "GET")) {
      const cookie = callerCookie(route);
      const path = pathFor(route);
      const clean = await send("GET", path, { cookie });
      for (const extra of [`other=${BAD_ESCAPE}`, "broken=%", "%=%", "noequals", `next-auth.callback-url=${BAD_ESCAPE}`]) {
        for (const header of [cookie ? `${extra}; ${cookie}` : extra, cookie ? `${cookie}; ${extra}` : extra]) {
          const answer = await send("GET", path, { cookie: header });
          if (answer.status !== clean.status) findings.problems.push(`${key(route)} with cookie "${extra}": ${answer.status}, without it ${clean.status}`);
        }
      }
      if (route.access?.kind === "user") {
        findings.check(`${key(route)} with a malformed session cookie`, await send("GET", path, { cookie: `next-auth.session-token=${BAD_ESCAPE}` }), { status: 401 });
      }
    }
    expect(findings.problems).toEqual([]);
  });

  it("the live socket connects with a malformed cookie next to a valid session, and answers a malformed session cookie", async () => {
    const connect = (cookie: string) =>
      new Promise<string>((resolve) => {
        const socket = io(`${web.url}${LIVE_NAMESPACE}`, { path: SOCKET_PATH, transports: ["websocket"], reconnection: false, forceNew: true, extraHeaders: { cookie } });
        const done = (outcome: string) => {
          clearTimeout(timer);
          socket.disconnect();
          resolve(outcome);
        };
        // The handshake used to throw on such a cookie and never answer at all.
        const timer = setTimeout(() => done("no answer in 10 s"), 10_000);
        socket.once("connect", () => done("connected"));
        socket.once("connect_error", (error) => done(error.message));
      });
    const session = cookies.get("SRE")!;
    for (const extra of [`other=${BAD_ESCAPE}`, "broken=%", "%=%"]) {
      expect(await connect(`${extra}; ${session}`), extra).toBe("connected");
      expect(await connect(`${session}; ${extra}`), extra).toBe("connected");
    }
    expect(await connect(`next-auth.session-token=${BAD_ESCAPE}`)).toBe("Sign in first.");
  });

  it("wrote nothing: every table holds the rows it held before the walk", async () => {
    expect(await tableCounts()).toEqual(before);
  });

  it("each valid sample is accepted (and its answer is not cacheable), so each hostile variant above differed from an accepted request in one place", async () => {
    const findings = new Findings();
    for (const [name, sample] of samples) {
      // Routes without input have nothing a variant could differ in.
      if (sample.body === undefined && sample.query === undefined) continue;
      const [method, template] = name.split(" ") as [ApiRoute["method"], string];
      const route = routes.find((r) => r.method === method && r.template === template)!;
      const query = sample.query ? `?${new URLSearchParams(sample.query)}` : "";
      const answer = await send(method, `${pathFor(route)}${query}`, { cookie: callerCookie(route), body: sample.body === undefined ? undefined : JSON.stringify(sample.body) });
      findings.check(name, answer, { status: [200, 299] });
    }
    expect(findings.problems).toEqual([]);
  });
});

describe("every page against hostile input", () => {
  const pagePath = (template: string, value = "walk0id") => `/${template.replace(/\[[^\]]+\]/g, value)}`;

  it("answers a page's hostile path and query with a 4xx or the page, never a 500", async () => {
    const problems: string[] = [];
    const admin = cookies.get("ADMIN")!;
    for (const template of discoverPages()) {
      const targets = [
        `${pagePath(template)}?actor=%00`,
        `${pagePath(template)}?a=${HUGE}&b=%00`,
        `${pagePath(template)}?callbackUrl=/%5Cevil.example&map=${BAD_ESCAPE}&aFrom=${HUGE}&limit=${HUGE}&before=${"9".repeat(30)}`,
        ...(template.includes("[") ? [pagePath(template, "%00"), pagePath(template, BAD_ESCAPE), pagePath(template, "9".repeat(40))] : []),
      ];
      for (const target of targets) {
        for (const cookie of [admin, `other=${BAD_ESCAPE}; ${admin}`, `next-auth.session-token=${BAD_ESCAPE}`]) {
          const { status } = await sendRaw(target, cookie);
          if (status >= 500) problems.push(`${target} with cookie ${cookie.slice(0, 30)}: ${status}`);
          if (target.includes("%00") && status !== 400) problems.push(`${target}: ${status}, expected 400 for the NUL`);
        }
      }
      const clean = await sendRaw(pagePath(template), admin);
      const withBadCookie = await sendRaw(pagePath(template), `other=${BAD_ESCAPE}; ${admin}`);
      if (withBadCookie.status !== clean.status) problems.push(`${pagePath(template)}: ${withBadCookie.status} with a malformed cookie, ${clean.status} without`);
    }
    expect(problems).toEqual([]);
  });
});
