// Every operation of the served OpenAPI document, called for real against
// the built server, in an order that gives each one something to answer
// about: its success answer is validated with Ajv (a JSON Schema validator
// that shares nothing with zod) against the schema /api/openapi.json
// publishes for it. An answer with a field the document leaves out fails
// (the document's objects forbid other properties); an operation this walk
// never called fails the last test, so a new route cannot go unchecked.
// The server here runs with its own answer check off, so this test sees what
// a client would.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { OpenApiDocument, OpenApiOperation } from "@/lib/server/http/openapi.ts";
import { createTestDatabase, type TestDatabase } from "@/test/test-database.ts";
import { createUser, type TestUser } from "@/test/factories.ts";
import { signInCookie, startWebServer, type WebServer } from "@/test/web-server.ts";

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
type Json = Record<string, unknown>;

let t: TestDatabase;
let web: WebServer;
let document: OpenApiDocument;
let author: TestUser;
let boss: TestUser;
const cookies = new Map<string, string>();
const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
/** `GET /api/runs/{runId}`: each operation whose success answer was validated. */
const validated = new Set<string>();

beforeAll(async () => {
  t = await createTestDatabase();
  web = await startWebServer(t.url, { WORKBENCH_CHECK_ANSWERS: "0", WORKBENCH_KEYRING_SECRET: randomBytes(32).toString("hex") });
  author = await createUser(t.db, ["ENGINEER", "SRE"], "author");
  boss = await createUser(t.db, ["ADMIN", "REVIEWER", "SECURITY_REVIEWER", "SRE"], "boss");
  for (const user of [author, boss]) cookies.set(user.id, await signInCookie(web.url, user.email, user.password));
  const served = await fetch(`${web.url}/api/openapi.json`, { headers: { cookie: cookies.get(boss.id)! } });
  document = (await served.json()) as OpenApiDocument;
}, 180_000);

afterAll(async () => {
  await web?.stop();
  await t?.drop();
});

function operationOf(method: Method, template: string): OpenApiOperation {
  const operation = document.paths[template]?.[method.toLowerCase() as Lowercase<Method>];
  if (!operation) throw new Error(`${method} ${template} is not in the document`);
  return operation;
}

function successOf(operation: OpenApiOperation): [number, OpenApiOperation["responses"][string]] {
  const [status, response] = Object.entries(operation.responses).find(([code]) => code.startsWith("2"))!;
  return [Number(status), response];
}

/** Calls `path` (an instance of `template`) as `user`, expects the documented success status, and validates the answer with the document's schema. */
async function call<T = Json>(user: TestUser | null, method: Method, template: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${web.url}${path}`, {
    method,
    headers: { ...(user ? { cookie: cookies.get(user.id)! } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const [status, documented] = successOf(operationOf(method, template));
  expect(response.status, `${method} ${path} answered: ${text.slice(0, 400)}`).toBe(status);
  const schema = documented.content?.["application/json"]?.schema;
  expect(schema, `${method} ${template} documents a JSON answer`).toBeDefined();
  const validate = ajv.compile(schema!);
  const answer: unknown = JSON.parse(text);
  expect(validate(answer), `${method} ${template}: ${ajv.errorsText(validate.errors, { separator: "; " })}`).toBe(true);
  validated.add(`${method} ${template}`);
  return answer as T;
}

/** A download: the documented status and one of the documented media types. */
async function download(user: TestUser, template: string, path: string): Promise<string> {
  const response = await fetch(`${web.url}${path}`, { headers: { cookie: cookies.get(user.id)! } });
  const [status, documented] = successOf(operationOf("GET", template));
  expect(response.status, path).toBe(status);
  expect(Object.keys(documented.content ?? {}), `${template}'s media types`).toContain(response.headers.get("content-type"));
  validated.add(`GET ${template}`);
  return response.text();
}

const hist = (counts: number[]) => ({
  type: "hist",
  map: "@usecs",
  series: [{ key: null, buckets: counts.map((count, i) => ({ min: 2 ** (i + 3), max: 2 ** (i + 4) - 1, count })), total: counts.reduce((a, b) => a + b, 0) }],
});

/** A replay run with two prints of a latency histogram. */
async function replayRun(name: string, counts: number[]): Promise<string> {
  const { runId } = await call<{ runId: string }>(author, "POST", "/api/replays", "/api/replays", { name, startedAt: Date.now() - 5_000, sourceHost: "lab-1" });
  const at = Date.now() - 4_000;
  await call(author, "POST", "/api/replays/{runId}/frames", `/api/replays/${runId}/frames`, {
    frames: [
      { seq: 1, at, record: hist(counts) },
      { seq: 2, at: at + 1000, record: hist(counts.map((count) => count * 2)) },
    ],
  });
  await call(author, "POST", "/api/replays/{runId}/end", `/api/replays/${runId}/end`, { endedAt: Date.now() });
  return runId;
}

const RUNBOOK_SOURCE = "tracepoint:syscalls:sys_enter_openat /pid == $1/ { @opens = count(); }";
const RUNBOOK_POLICY = {
  measures: "openat calls of one process",
  whenToUse: "A process is slow and file lookups are suspected.",
  params: [{ name: "pid", description: "The process id", type: "integer", min: 1, max: 4_194_304, default: 1 }],
  maxHostsPerLaunch: 2,
  maxConcurrentLaunches: 2,
  launchRoles: ["SRE"],
  validityDays: 30,
};

describe("every answer the server sends matches the schema its OpenAPI document publishes", () => {
  let hostId = "";
  let spareHostId = "";
  let programId = "";
  let revisionId = "";
  let reviewId = "";
  let liveRunId = "";
  let replayA = "";
  let replayB = "";

  it("service routes", async () => {
    await call(null, "GET", "/api/health", "/api/health");
    await call(author, "GET", "/api/openapi.json", "/api/openapi.json");
  });

  it("enrollment and hosts", async () => {
    const { token } = await call<{ token: string }>(boss, "POST", "/api/enrollment-tokens", "/api/enrollment-tokens", { ttlMinutes: 10, labels: ["role=web"] });
    await call(boss, "GET", "/api/enrollment-tokens", "/api/enrollment-tokens");
    ({ hostId } = await call<{ hostId: string }>(null, "POST", "/api/agent/enroll", "/api/agent/enroll", { token, hostName: "walk-web-1" }));
    const spare = await call<{ token: string }>(boss, "POST", "/api/enrollment-tokens", "/api/enrollment-tokens", { ttlMinutes: 10, labels: ["role=spare"] });
    ({ hostId: spareHostId } = await call<{ hostId: string }>(null, "POST", "/api/agent/enroll", "/api/agent/enroll", { token: spare.token, hostName: "walk-spare-1" }));
    await call(boss, "PUT", "/api/hosts/{hostId}/labels", `/api/hosts/${hostId}/labels`, { labels: ["role=web", "zone=a"], reason: "walk" });
    await call(author, "GET", "/api/hosts", "/api/hosts");
    await call(author, "GET", "/api/hosts/matches", "/api/hosts/matches?selector=role%3Dweb");
    await call(author, "GET", "/api/hosts/probes", `/api/hosts/probes?hostIds=${hostId}`);
  });

  it("programs, revisions, comments, dry runs and an approval", async () => {
    const created = await call<{ programId: string; revisionId: string }>(author, "POST", "/api/programs", "/api/programs", {
      name: "walk ticks",
      source: "interval:s:1 { @ticks = count(); }",
      durationSec: 60,
      targetHostIds: [hostId],
    });
    programId = created.programId;
    await call(author, "GET", "/api/programs", "/api/programs");
    await call(author, "GET", "/api/programs/{programId}", `/api/programs/${programId}`);
    ({ revisionId } = await call<{ revisionId: string }>(author, "POST", "/api/programs/{programId}/revisions", `/api/programs/${programId}/revisions`, {
      source: "interval:s:1 { @ticks = count(); @beats = count(); }",
      durationSec: 60,
      targetHostIds: [hostId],
      baseRevision: 1,
    }));
    await call(boss, "GET", "/api/revisions/{revisionId}", `/api/revisions/${revisionId}`);
    await call(boss, "POST", "/api/revisions/{revisionId}/comments", `/api/revisions/${revisionId}/comments`, { line: 1, body: "Two counters: fine." });
    // No agent runs for walk-web-1: the dry run answers, after its wait, that none did.
    await call(author, "POST", "/api/revisions/{revisionId}/dry-runs", `/api/revisions/${revisionId}/dry-runs`, { hostId });
    await call(author, "GET", "/api/revisions/{revisionId}/dry-runs", `/api/revisions/${revisionId}/dry-runs`);
    const outcome = await call<{ reviewId: string; runIds: string[] }>(boss, "POST", "/api/revisions/{revisionId}/reviews", `/api/revisions/${revisionId}/reviews`, {
      decision: "approve",
      reason: "bounded counters",
    });
    reviewId = outcome.reviewId;
    liveRunId = outcome.runIds[0]!;
    expect(outcome.runIds).toHaveLength(1);
  }, 90_000);

  it("runs: lists, one run, its batch, rollout and frames, and stopping it", async () => {
    await call(author, "GET", "/api/runs", "/api/runs");
    await call(author, "GET", "/api/runs/{runId}", `/api/runs/${liveRunId}`);
    await call(author, "GET", "/api/runs/{runId}/batch", `/api/runs/${liveRunId}/batch`);
    await call(author, "GET", "/api/runs/{runId}/rollout", `/api/runs/${liveRunId}/rollout`);
    await call(author, "POST", "/api/runs/{runId}/stop", `/api/runs/${liveRunId}/stop`);
  });

  it("replays, their frames, a comparison and exports", async () => {
    replayA = await replayRun("before.json", [10, 40, 5]);
    replayB = await replayRun("after.json", [2, 30, 60]);
    const { frames } = await call<{ frames: unknown[] }>(author, "GET", "/api/runs/{runId}/frames", `/api/runs/${replayA}/frames`);
    expect(frames).toHaveLength(2);
    await call(author, "GET", "/api/runs/{runId}", `/api/runs/${replayA}`);
    await call(author, "GET", "/api/runs/comparison", `/api/runs/comparison?a=${replayA}&b=${replayB}`);
    expect(await download(author, "/api/runs/{runId}/export", `/api/runs/${replayA}/export?format=csv`)).toContain("seq");
    await download(author, "/api/runs/{runId}/export", `/api/runs/${replayA}/export?format=jsonl`);
  });

  it("incidents: evidence, a baseline, the comparison, notes and resolving", async () => {
    const { incidentId } = await call<{ incidentId: string }>(author, "POST", "/api/incidents", "/api/incidents", { title: "Slow checkout", summary: "p99 up" });
    await call(author, "POST", "/api/incidents/{incidentId}/runs", `/api/incidents/${incidentId}/runs`, { runId: replayB, role: "INCIDENT" });
    await call(author, "POST", "/api/incidents/{incidentId}/runs", `/api/incidents/${incidentId}/runs`, { runId: replayA, role: "BASELINE" });
    await call(author, "POST", "/api/incidents/{incidentId}/runs", `/api/incidents/${incidentId}/runs`, { runId: liveRunId, role: "INCIDENT" });
    await call(author, "POST", "/api/incidents/{incidentId}/notes", `/api/incidents/${incidentId}/notes`, { body: "The after run has the slow tail." });
    await call(author, "GET", "/api/incidents/{incidentId}", `/api/incidents/${incidentId}`);
    await call(author, "GET", "/api/incidents/{incidentId}/comparison", `/api/incidents/${incidentId}/comparison`);
    await call(author, "GET", "/api/incidents", "/api/incidents");
    await call(author, "DELETE", "/api/incidents/{incidentId}/runs/{runId}", `/api/incidents/${incidentId}/runs/${liveRunId}`);
    await call(author, "PATCH", "/api/incidents/{incidentId}", `/api/incidents/${incidentId}`, { status: "RESOLVED" });
  });

  it("runbooks: approved with a launch policy, listed, read and launched", async () => {
    const created = await call<{ programId: string; revisionId: string }>(author, "POST", "/api/programs", "/api/programs", {
      name: "walk opens",
      source: RUNBOOK_SOURCE,
      durationSec: 120,
      targetSelector: "role=web",
      runbook: RUNBOOK_POLICY,
    });
    await call(boss, "POST", "/api/revisions/{revisionId}/reviews", `/api/revisions/${created.revisionId}/reviews`, { decision: "approve", reason: "one process" });
    await call(author, "GET", "/api/runbooks", "/api/runbooks");
    await call(author, "GET", "/api/runbooks/{programId}", `/api/runbooks/${created.programId}`);
    const launched = await call<{ runIds: string[] }>(author, "POST", "/api/runbooks/{programId}/launches", `/api/runbooks/${created.programId}/launches`, {
      hostIds: [hostId],
      values: { pid: 1 },
      durationSec: 60,
      reason: "checkout slow again",
    });
    expect(launched.runIds).toHaveLength(1);
    await call(author, "GET", "/api/runs/{runId}", `/api/runs/${launched.runIds[0]}`);
  });

  it("stop switches", async () => {
    const { switchId } = await call<{ switchId: string }>(boss, "POST", "/api/stop-switches", "/api/stop-switches", {
      scope: { kind: "host", hostId: spareHostId },
      reason: "walk: the spare host misbehaves",
    });
    await call(author, "GET", "/api/stop-switches", "/api/stop-switches");
    await call(boss, "POST", "/api/stop-switches/{switchId}/release", `/api/stop-switches/${switchId}/release`, { reason: "walk: fixed" });
  });

  it("API tokens, users and settings", async () => {
    const { id: tokenId } = await call<{ id: string }>(author, "POST", "/api/tokens", "/api/tokens", { name: "ci", expiresInDays: 7, scopes: ["runs:read"] });
    await call(author, "GET", "/api/tokens", "/api/tokens");
    await call(author, "POST", "/api/tokens/{tokenId}/revoke", `/api/tokens/${tokenId}/revoke`);
    const { id: userId } = await call<{ id: string }>(boss, "POST", "/api/users", "/api/users", { email: "walk-spare@example.test", name: "Spare", roles: ["ENGINEER"] });
    await call(boss, "GET", "/api/users", "/api/users");
    await call(boss, "POST", "/api/users/{userId}/roles", `/api/users/${userId}/roles`, { roles: ["ENGINEER", "SRE"], reason: "on call" });
    await call(boss, "POST", "/api/users/{userId}/disable", `/api/users/${userId}/disable`, { reason: "left" });
    await call(boss, "POST", "/api/users/{userId}/enable", `/api/users/${userId}/enable`, {});
    const { settings } = await call<{ settings: { reviewRules: Json } }>(boss, "GET", "/api/settings", "/api/settings");
    await call(boss, "PUT", "/api/settings", "/api/settings", { reviewRules: settings.reviewRules, lintPolicy: { maxTotalProbes: 64 } });
  });

  it("signing keys and the audit trail", async () => {
    const rotated = await call<{ previousKeyId: string }>(boss, "POST", "/api/signing-keys/rotate", "/api/signing-keys/rotate");
    await call(boss, "GET", "/api/signing-keys", "/api/signing-keys");
    await call(boss, "POST", "/api/signing-keys/{keyId}/retire", `/api/signing-keys/${rotated.previousKeyId}/retire`);
    const page = await call<{ events: unknown[] }>(boss, "GET", "/api/audit", "/api/audit?limit=500");
    expect(page.events.length).toBeGreaterThan(20);
    await call(boss, "GET", "/api/audit/verification", "/api/audit/verification");
    await download(boss, "/api/audit/export", "/api/audit/export");
  });

  it("revoking: an approval, then a host", async () => {
    await call(boss, "POST", "/api/reviews/{reviewId}/revoke", `/api/reviews/${reviewId}/revoke`, { reason: "walk over" });
    await call(boss, "POST", "/api/hosts/{hostId}/revoke", `/api/hosts/${hostId}/revoke`);
  });

  it("left no operation of the document unchecked", () => {
    const all = Object.entries(document.paths).flatMap(([template, operations]) =>
      Object.keys(operations)
        .filter(() => template !== "/api/auth/{nextauth}") // next-auth's own endpoints: no schema of ours
        .map((method) => `${method.toUpperCase()} ${template}`),
    );
    expect(all.length).toBeGreaterThan(50);
    expect(all.filter((operation) => !validated.has(operation)).sort()).toEqual([]);
  });
});
