// The SRE views' server side over real HTTP against the production server:
// a capture uploaded with `workbench-agent replay` becomes a replay run that
// viewers receive live and that says it is a replay everywhere; runs export
// as JSON lines and CSV; two runs (and two ranges of one) compare with a
// stated test; an incident collects runs with who did what; /metrics shows
// live histograms of running runs to a scraper with the token, and nothing
// to anyone else.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { io } from "socket.io-client";
import { LIVE_NAMESPACE, SOCKET_PATH } from "@/lib/shared/sockets.ts";
import type { Frame } from "@/lib/shared/frame.ts";
import { insertFrames } from "@/lib/server/frames/frame-store.ts";
import type { HistogramComparison } from "@/lib/views/compare-histograms.ts";
import { replayCommand, type ReplayOptions } from "@/agent/src/commands/replay.ts";
import { createApiToken } from "@/lib/server/use-cases/create-api-token.ts";
import { createTestDatabase, type TestDatabase } from "@/test/test-database.ts";
import { createUser, type TestUser } from "@/test/factories.ts";
import { waitFor } from "@/test/processes.ts";
import { signInCookie, startWebServer, type WebServer } from "@/test/web-server.ts";

const METRICS_TOKEN = "metrics-token-for-tests-0123456789";

let t: TestDatabase;
let web: WebServer;
let engineer: TestUser;
let sre: TestUser;
let other: TestUser;
const cookies: Record<string, string> = {};
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-replay-"));

beforeAll(async () => {
  t = await createTestDatabase();
  engineer = await createUser(t.db, ["ENGINEER"]);
  sre = await createUser(t.db, ["SRE"]);
  other = await createUser(t.db, ["ENGINEER"]);
  web = await startWebServer(t.url, { WORKBENCH_METRICS_TOKEN: METRICS_TOKEN });
  for (const user of [engineer, sre, other]) cookies[user.id] = await signInCookie(web.url, user.email, user.password);
}, 180_000);

afterAll(async () => {
  await web?.stop();
  await t?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * A bpftrace 0.17 `-f json` capture of a program printing a cumulative
 * `@usecs` histogram every second: `perSecond` samples per bucket per
 * second, as [min, max, count] with log2 bounds.
 */
function capture(name: string, seconds: number, perSecond: [number, number, number][]): string {
  const lines = ['{"type": "attached_probes", "data": {"probes": 3}}'];
  for (let s = 1; s <= seconds; s += 1) {
    const buckets = perSecond.map(([min, max, count]) => ({ min, max, count: count * s }));
    lines.push(JSON.stringify({ type: "hist", data: { "@usecs": buckets } }));
  }
  lines.push("not json: a line the traced program printed");
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

const BASELINE: [number, number, number][] = [
  [8, 15, 80],
  [16, 31, 20],
];
const SLOW: [number, number, number][] = [
  [8, 15, 20],
  [16, 31, 30],
  [32, 63, 50],
];

async function replay(file: string, user: TestUser, extra: Partial<ReplayOptions> = {}) {
  const out = new PassThrough();
  let printed = "";
  out.on("data", (chunk: Buffer) => (printed += chunk.toString()));
  const result = await replayCommand(
    {
      file,
      server: web.url,
      // The upload authenticates with the user's API token (scope replays:upload), never a password.
      token: (await createApiToken(t.db, user, { name: "replay upload", expiresInDays: 1, scopes: ["replays:upload"] }, { maxDays: 90 })).token,
      name: path.basename(file),
      sourceHost: "lab-7",
      programFile: undefined,
      intervalMs: 1000,
      startedAt: Date.UTC(2026, 0, 1, 12, 0, 0),
      pace: "fast",
      ...extra,
    },
    { stdout: out, stderr: new PassThrough(), stdin: new PassThrough() },
  );
  return { ...result, printed };
}

async function get<T>(user: TestUser | null, route: string, headers: Record<string, string> = {}): Promise<{ status: number; body: T; text: string; headers: Headers }> {
  const response = await fetch(`${web.url}${route}`, { headers: { ...(user ? { cookie: cookies[user.id]! } : {}), ...headers } });
  const text = await response.text();
  let body: T = null as T;
  try {
    body = JSON.parse(text) as T;
  } catch {
    // not JSON (CSV, metrics)
  }
  return { status: response.status, body, text, headers: response.headers };
}

async function send(user: TestUser, method: string, route: string, body: unknown) {
  const response = await fetch(`${web.url}${route}`, {
    method,
    headers: { cookie: cookies[user.id]!, "content-type": "application/json", origin: web.url },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json().catch(() => null)) as Record<string, unknown> & { error?: { message: string } } };
}

type RunSnapshotBody = {
  run: { status: string; origin: { kind: string; uploadedBy?: string; sourceHost?: string | null }; hostName: string; programName: string; endDetail: string | null };
};

describe("replays", () => {
  it("uploads a capture as a replay run that says it is one, with deltas and times laid out per interval", async () => {
    const { runId, frames, skippedLines, printed } = await replay(capture("baseline.json", 5, BASELINE), engineer);
    expect(frames).toBe(6);
    expect(skippedLines).toBe(1);
    expect(printed).toContain(`/runs/${runId}`);

    const { body } = await get<RunSnapshotBody>(sre, `/api/runs/${runId}`);
    expect(body.run).toMatchObject({
      status: "ENDED",
      hostName: "lab-7",
      programName: "baseline.json",
      origin: { kind: "replay", uploadedBy: engineer.name, sourceHost: "lab-7" },
    });
    expect(body.run.endDetail).toContain("1 lines of the file were not bpftrace records");

    const stored = await get<{ frames: { seq: number; at: number; record: { type: string }; delta?: { series: { buckets: { count: number }[] }[] } }[] }>(
      sre,
      `/api/runs/${runId}/frames`,
    );
    expect(stored.body.frames.map((f) => f.at - Date.UTC(2026, 0, 1, 12, 0, 0))).toEqual([0, 1000, 2000, 3000, 4000, 5000]);
    // The first print is its own interval; every later one carries what happened in its second: 80 and 20.
    expect(stored.body.frames[1]!.delta).toBeUndefined();
    expect(stored.body.frames[2]!.delta!.series[0]!.buckets.map((b) => b.count)).toEqual([80, 20]);
  });

  it("lets only its uploader add frames, and refuses records only an agent makes", async () => {
    const created = await send(engineer, "POST", "/api/replays", { name: "mine", startedAt: Date.now() });
    expect(created.status).toBe(201);
    const runId = created.body.runId as string;
    const frame = { seq: 1, at: Date.now(), record: { type: "printf", text: "hi\n" } };
    const byOther = await send(other, "POST", `/api/replays/${runId}/frames`, { frames: [frame] });
    expect(byOther.status).toBe(403);
    expect(byOther.body.error?.message).toBe("Only the person uploading a replay can add frames to it.");
    const fakeOverhead = await send(engineer, "POST", `/api/replays/${runId}/frames`, {
      frames: [{ seq: 1, at: 1, record: { type: "overhead", windowSec: 1, cpuPercent: 0, bpfPercent: 0, bpftracePercent: 0, budgetPercent: 1, eventsPerSec: 0, programs: [] } }],
    });
    expect(fakeOverhead.status).toBe(400);
    expect((await send(engineer, "POST", `/api/replays/${runId}/frames`, { frames: [frame] })).status).toBe(200);
    // A replay runs on no host: nobody can "stop" it as if an agent ran it.
    expect((await send(sre, "POST", `/api/runs/${runId}/stop`, {})).status).toBe(422);
  });

  it("is held to having no host, revision, approval or signed envelope by the database itself", async () => {
    const created = await send(engineer, "POST", "/api/replays", { name: "guarded", startedAt: Date.now() });
    const runId = created.body.runId as string;
    await expect(t.db.run.update({ where: { id: runId }, data: { envelope: { payload: "x" } }, select: { id: true } })).rejects.toThrow(
      /a replay has no revision, host, approval or envelope/,
    );
    await expect(t.db.run.update({ where: { id: runId }, data: { kind: "LIVE" }, select: { id: true } })).rejects.toThrow(
      /a live run needs its revision, host, approval and envelope/,
    );
  });

  it("relays a replay's frames to viewers as they are uploaded, like an agent's", async () => {
    const created = await send(engineer, "POST", "/api/replays", { name: "watched", startedAt: Date.now() });
    const runId = created.body.runId as string;
    const socket = io(`${web.url}${LIVE_NAMESPACE}`, { path: SOCKET_PATH, transports: ["websocket"], extraHeaders: { cookie: cookies[sre.id]! }, forceNew: true });
    try {
      const received: Frame[] = [];
      socket.on("frames", (frames: Frame[]) => received.push(...frames));
      const watched = await socket.timeout(10_000).emitWithAck("run:watch", { runId });
      expect(watched).toMatchObject({ ok: true, value: { run: { origin: { kind: "replay" } } } });
      const hist = { type: "hist", map: "@usecs", series: [{ key: null, buckets: [{ min: 8, max: 15, count: 3 }], total: 3 }] };
      expect((await send(engineer, "POST", `/api/replays/${runId}/frames`, { frames: [{ seq: 1, at: Date.now(), record: hist }] })).status).toBe(200);
      await waitFor("the viewer to receive the replay's frame", async () => received.some((frame) => frame.runId === runId && frame.seq === 1), 10_000);
    } finally {
      socket.disconnect();
    }
  });
});

describe("export", () => {
  it("writes a run as JSON lines (a header line saying what it is, then every frame) and as CSV", async () => {
    const { runId } = await replay(capture("export.json", 3, BASELINE), engineer);
    const jsonl = await get<unknown>(sre, `/api/runs/${runId}/export?format=jsonl`);
    expect(jsonl.status).toBe(200);
    expect(jsonl.headers.get("content-disposition")).toMatch(/^attachment; filename="run-[0-9a-f]{8}-replay-export-json\.jsonl"$/);
    const lines = jsonl.text
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ run: { id: runId, origin: { kind: "replay" } } });
    expect(lines.slice(1).map((line) => line.seq)).toEqual([1, 2, 3, 4]);

    const csv = await get<unknown>(sre, `/api/runs/${runId}/export?format=csv`);
    const rows = csv.text.trimEnd().split("\r\n");
    expect(rows[0]).toBe("seq,at,host,type,map,key,bucket_min,bucket_max,count,interval_count,value");
    // The third print: running totals 240 and 60, 80 and 20 of them in its second.
    expect(rows).toContain("4,2026-01-01T12:00:03.000Z,lab-7 (replay),hist,@usecs,,8,15,240,80,");
    expect(rows).toContain("4,2026-01-01T12:00:03.000Z,lab-7 (replay),hist,@usecs,,16,31,60,20,");
  });

  it("refuses an unknown format with a sentence", async () => {
    const { runId } = await replay(capture("format.json", 1, BASELINE), engineer);
    const response = await get<{ error: { message: string } }>(sre, `/api/runs/${runId}/export?format=xml`);
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain('format must be "jsonl" (JSON lines) or "csv"');
  });
});

describe("runs stored before frames were validated in full", () => {
  it("read back whole: the frames page, the JSON lines and CSV exports and comparisons answer 200, malformed records and all", async () => {
    const { runId } = await replay(capture("legacy.json", 3, BASELINE), engineer);
    const { runId: other } = await replay(capture("legacy-b.json", 3, SLOW), engineer);
    // What an agent could store before every record was checked: written past the schema, as it was then.
    const malformed = [
      { runId, seq: 100, at: Date.now(), record: { type: "hist", map: "@usecs" } },
      { runId, seq: 101, at: Date.now(), record: { type: "hist", map: "@usecs", series: [{ key: null, buckets: "x", total: 1 }] } },
      { runId, seq: 102, at: Date.now(), record: { type: "overhead", cpuPercent: "high" } },
    ] as unknown as Frame[];
    await t.db.run.update({ where: { id: runId }, data: { status: "RUNNING" }, select: { id: true } });
    await insertFrames(t.db, runId, malformed);
    await t.db.run.update({ where: { id: runId }, data: { status: "ENDED" }, select: { id: true } });

    const page = await get<{ frames: { seq: number }[] }>(sre, `/api/runs/${runId}/frames?afterSeq=0&limit=1000`);
    expect(page.status).toBe(200);
    expect(page.body.frames.map((frame) => frame.seq)).toEqual(expect.arrayContaining([100, 101, 102]));
    const jsonl = await get<unknown>(sre, `/api/runs/${runId}/export?format=jsonl`);
    expect(jsonl.status).toBe(200);
    expect(jsonl.text.trimEnd().split("\n").at(-1)).toContain('"seq":102');
    const csv = await get<unknown>(sre, `/api/runs/${runId}/export?format=csv`);
    expect(csv.status).toBe(200);
    const rows = csv.text.trimEnd().split("\r\n");
    expect(rows.filter((row) => row.includes(",malformed,"))).toHaveLength(3);
    expect(rows.some((row) => row.startsWith("4,"))).toBe(true);
    const comparison = await get<{ comparison: HistogramComparison }>(sre, `/api/runs/comparison?a=${runId}&b=${other}`);
    expect(comparison.status).toBe(200);
    // The well-formed prints still compare: three seconds of 100 samples each.
    expect(comparison.body.comparison.totalA).toBe(300);
  });
});

describe("comparison", () => {
  it("compares two runs: percentile shifts and a chi-square verdict", async () => {
    const a = await replay(capture("a.json", 5, BASELINE), engineer);
    const b = await replay(capture("b.json", 5, SLOW), engineer);
    const { status, body } = await get<{ map: string; comparison: HistogramComparison }>(sre, `/api/runs/comparison?a=${a.runId}&b=${b.runId}`);
    expect(status).toBe(200);
    expect(body.map).toBe("@usecs");
    expect(body.comparison.totalA).toBe(500);
    expect(body.comparison.totalB).toBe(500);
    expect(body.comparison.test).toMatchObject({ testable: true, differ: true, degreesOfFreedom: 2 });
    expect(body.comparison.statement).toContain("The distributions differ");
    const p50 = body.comparison.shifts.find((s) => s.name === "p50")!;
    // A: rank 250 of 500 in [8, 16) holding 400: 8 + 250/400 × 8 = 13; B: rank 250 in [32, 64) with 250 before: exactly 32.
    expect(p50.a).toBeCloseTo(13, 10);
    expect(p50.b).toBeCloseTo(32, 10);
  });

  it("compares two time ranges of one run, and finds the same distribution the same", async () => {
    const { runId } = await replay(capture("ranges.json", 6, BASELINE), engineer);
    const { body } = await get<{ comparison: HistogramComparison }>(sre, `/api/runs/comparison?a=${runId}&b=${runId}&aFrom=0.5&aTo=3&bFrom=3.5&bTo=6`);
    // Intervals printed at 1, 2, 3 s against 4, 5, 6 s: 300 samples each, the same shape.
    expect(body.comparison.totalA).toBe(300);
    expect(body.comparison.totalB).toBe(300);
    expect(body.comparison.test).toMatchObject({ testable: true, differ: false });
    expect(body.comparison.statement).toContain("No significant difference");
  });
});

describe("incidents", () => {
  it("collects incident and baseline runs, notes and who did what, and compares them", async () => {
    const baseline = await replay(capture("incident-baseline.json", 4, BASELINE), engineer);
    const evidence = await replay(capture("incident-slow.json", 4, SLOW), engineer);
    const created = await send(sre, "POST", "/api/incidents", { title: "slow sleeps on lab-7", summary: "p99 up since noon" });
    expect(created.status).toBe(201);
    const incidentId = created.body.incidentId as string;
    expect((await send(sre, "POST", `/api/incidents/${incidentId}/runs`, { runId: baseline.runId, role: "BASELINE" })).status).toBe(200);
    expect((await send(sre, "POST", `/api/incidents/${incidentId}/runs`, { runId: evidence.runId, role: "INCIDENT" })).status).toBe(200);
    expect((await send(engineer, "POST", `/api/incidents/${incidentId}/notes`, { body: "the lab box had THP on" })).status).toBe(201);
    const missing = await send(sre, "POST", `/api/incidents/${incidentId}/runs`, { runId: "no-such-run", role: "INCIDENT" });
    expect(missing.status).toBe(422);

    const { body } = await get<{
      incident: { runs: { role: string; run: { id: string }; approval: unknown }[]; notes: { body: string; author: string }[]; activity: { action: string; actorName: string }[] };
    }>(sre, `/api/incidents/${incidentId}`);
    expect(body.incident.runs.map((r) => [r.role, r.run.id, r.approval])).toEqual([
      ["BASELINE", baseline.runId, null],
      ["INCIDENT", evidence.runId, null],
    ]);
    expect(body.incident.notes).toMatchObject([{ body: "the lab box had THP on", author: engineer.name }]);
    expect(body.incident.activity.map((a) => [a.action, a.actorName])).toEqual([
      ["incident.create", sre.name],
      ["incident.run.attach", sre.name],
      ["incident.run.attach", sre.name],
      ["incident.note", engineer.name],
    ]);

    const comparison = await get<{ comparison: { a: { label: string }; b: { label: string }; comparison: HistogramComparison } }>(sre, `/api/incidents/${incidentId}/comparison`);
    expect(comparison.body.comparison.a.label).toBe("baseline");
    expect(comparison.body.comparison.comparison.statement).toMatch(/^From baseline to incident: p50 /);
    expect(comparison.body.comparison.comparison.test).toMatchObject({ differ: true });

    expect((await send(sre, "PATCH", `/api/incidents/${incidentId}`, { status: "RESOLVED" })).status).toBe(200);
    expect((await send(sre, "DELETE", `/api/incidents/${incidentId}/runs/${baseline.runId}`, {})).status).toBe(200);
    const after = await get<{ incident: { status: string; runs: unknown[] } }>(sre, `/api/incidents/${incidentId}`);
    expect(after.body.incident).toMatchObject({ status: "RESOLVED" });
    expect(after.body.incident.runs).toHaveLength(1);
  });
});

describe("/metrics", () => {
  it("answers only a scraper with the token", async () => {
    expect((await get(null, "/metrics")).status).toBe(401);
    expect((await get(sre, "/metrics")).status).toBe(401);
    expect((await get(null, "/metrics", { authorization: "Bearer wrong-token-of-the-same-sort-00000" })).status).toBe(401);
    const scrape = await get(null, "/metrics", { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    expect(scrape.text).toContain("# TYPE workbench_agents_connected gauge");
    expect(scrape.text).toMatch(/^workbench_frames_received_total\{source="replay"\} \d+/m);
    expect(scrape.text).toContain("# TYPE workbench_relay_latency_seconds histogram");
  });

  it("shows a running run's histogram as a Prometheus histogram with run, host and program labels, until it ends", async () => {
    const created = await send(engineer, "POST", "/api/replays", { name: "metered", sourceHost: "lab-9", startedAt: Date.now() });
    const runId = created.body.runId as string;
    const hist = (counts: [number, number]) => ({
      type: "hist",
      map: "@usecs",
      series: [
        {
          key: null,
          buckets: [
            { min: 8, max: 15, count: counts[0] },
            { min: 16, max: 31, count: counts[1] },
          ],
          total: counts[0] + counts[1],
        },
      ],
    });
    await send(engineer, "POST", `/api/replays/${runId}/frames`, { frames: [{ seq: 1, at: Date.now(), record: hist([3, 1]) }] });
    const scrape = () => get(null, "/metrics", { authorization: `Bearer ${METRICS_TOKEN}` }).then((r) => r.text);
    const labels = `run="${runId}",host="lab-9",program="metered",source="replay",map="@usecs",key="",unit="us"`;
    await waitFor("the run's histogram in /metrics", async () => (await scrape()).includes(`workbench_run_map_bucket{${labels},le="15"} 3`), 10_000);
    const text = await scrape();
    expect(text).toContain(`workbench_run_map_bucket{${labels},le="31"} 4`);
    expect(text).toContain(`workbench_run_map_bucket{${labels},le="+Inf"} 4`);
    expect(text).toContain(`workbench_run_map_count{${labels}} 4`);
    await send(engineer, "POST", `/api/replays/${runId}/end`, { endedAt: Date.now() });
    await waitFor("the ended run to leave /metrics", async () => !(await scrape()).includes(runId), 10_000);
  });
});
