// How long approving a fleet takes: from the reviewer's request to every
// order signed and stored. Against the production server (server.ts, built
// with `npm run build`) on a scratch database on TEST_DATABASE_ADMIN_URL,
// everything through the HTTP API as people and agents use it: an admin
// creates one enrollment token per host carrying its labels, each host
// redeems its token, an engineer submits programs whose label selectors
// match 1, 100, 500 and all `--hosts` hosts, and a reviewer approves each.
// The approval answers after its transaction committed, so its latency is
// request to every order stored; the bench then counts the queued runs in
// the database, checks that each names a distinct host, and verifies the
// audit chain at the end. Prints figures; asserts nothing.
//
//   npm run bench:approval -- [--hosts 2000] [--repeat 3] [--concurrency 8]
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { createDbClient, setDb } from "@/lib/server/db/client.ts";
import { verifyAuditChain } from "@/lib/server/data/audit-verification.ts";
import { createBenchDatabase } from "./bench-database.ts";
import { createUser } from "../../test/factories.ts";
import { signInCookie, startWebServer } from "../../test/web-server.ts";

const { values } = parseArgs({ options: { hosts: { type: "string" }, repeat: { type: "string" }, concurrency: { type: "string" } } });
const HOSTS = Number(values.hosts ?? 2000);
const REPEAT = Number(values.repeat ?? 3);
const CONCURRENCY = Number(values.concurrency ?? 8);
const SOURCE = "tracepoint:syscalls:sys_enter_nanosleep { @sleeps = count(); }\ninterval:s:1 { print(@sleeps); }\n";

/** Runs `work` over `items`, `width` at a time. */
async function pool<T>(items: readonly T[], width: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index]!, index);
      }
    }),
  );
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function main(): Promise<void> {
  const database = await createBenchDatabase("wb_bench_approval");
  const url = database.url;
  const db = createDbClient(url);
  setDb(db);
  let web: Awaited<ReturnType<typeof startWebServer>> | undefined;
  try {
    const [admin, engineer, reviewer] = [await createUser(db, ["ADMIN"]), await createUser(db, ["ENGINEER"]), await createUser(db, ["REVIEWER"])];
    web = await startWebServer(url);
    const server = web.url;
    const cookies = {
      admin: await signInCookie(server, admin.email, admin.password),
      engineer: await signInCookie(server, engineer.email, engineer.password),
      reviewer: await signInCookie(server, reviewer.email, reviewer.password),
    };
    const call = async <T>(who: keyof typeof cookies | null, method: string, path: string, body?: unknown): Promise<T> => {
      const response = await fetch(`${server}${path}`, {
        method,
        headers: { origin: server, "content-type": "application/json", ...(who ? { cookie: cookies[who] } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return JSON.parse(text) as T;
    };

    // 1. The fleet, enrolled as admins and agents do it: a token with the host's labels, redeemed by the host.
    // Each host is in one slice of four (500 of 2,000) and one cohort of twenty (100 of 2,000).
    const hostNames = Array.from({ length: HOSTS }, (_, i) => `bench-${String(i).padStart(5, "0")}`);
    let started = performance.now();
    await pool(hostNames, CONCURRENCY, async (hostName, i) => {
      const { token } = await call<{ token: string }>("admin", "POST", "/api/enrollment-tokens", {
        ttlMinutes: 60,
        labels: ["fleet=bench", `slice=s${i % 4}`, `cohort=c${i % 20}`],
      });
      await call(null, "POST", "/api/agent/enroll", { token, hostName });
    });
    const enrollMs = performance.now() - started;

    // 2. Programs aimed at ever larger parts of the fleet, each approved by the reviewer.
    const firstHost = await call<{ hosts: { id: string }[] }>("engineer", "GET", `/api/hosts/matches?selector=${encodeURIComponent("cohort=c0")}&limit=1`);
    const targets: { label: string; content: { targetSelector?: string; targetHostIds?: string[] }; expected: number }[] = [
      { label: "1 host, by name", content: { targetHostIds: [firstHost.hosts[0]!.id] }, expected: 1 },
      { label: "cohort=c0", content: { targetSelector: "cohort=c0" }, expected: Math.ceil(HOSTS / 20) },
      { label: "slice=s0", content: { targetSelector: "slice=s0" }, expected: Math.ceil(HOSTS / 4) },
      { label: "fleet=bench", content: { targetSelector: "fleet=bench" }, expected: HOSTS },
    ];
    const rows: string[] = [];
    for (const target of targets) {
      const times: number[] = [];
      for (let round = 0; round < REPEAT; round++) {
        const { revisionId } = await call<{ revisionId: string }>("engineer", "POST", "/api/programs", {
          name: `bench ${target.label} ${round}`,
          source: SOURCE,
          durationSec: 60,
          ...target.content,
        });
        started = performance.now();
        const outcome = await call<{ status: string; reviewId: string; runIds: string[] }>("reviewer", "POST", `/api/revisions/${revisionId}/reviews`, {
          decision: "approve",
          reason: "bench",
        });
        times.push(performance.now() - started);
        const stored = await db.run.findMany({ where: { approvalId: outcome.reviewId, status: "QUEUED" }, select: { hostId: true } });
        const distinct = new Set(stored.map((run) => run.hostId)).size;
        if (outcome.status !== "APPROVED" || outcome.runIds.length !== target.expected || stored.length !== target.expected || distinct !== target.expected) {
          throw new Error(
            `${target.label}: expected ${target.expected} orders for as many hosts, got ${outcome.runIds.length} answered, ${stored.length} stored, ${distinct} hosts`,
          );
        }
      }
      times.sort((a, b) => a - b);
      const median = percentile(times, 50);
      rows.push(
        `  ${target.label.padEnd(18)} ${String(target.expected).padStart(6)} ${median.toFixed(0).padStart(9)} ms ${times.at(-1)!.toFixed(0).padStart(7)} ms ${((median / target.expected) * 1000).toFixed(0).padStart(8)} µs`,
      );
    }
    const verification = await verifyAuditChain(db);
    process.stdout.write(
      [
        `approval of a fleet: ${HOSTS} hosts enrolled through the API (a token with labels per host, ${CONCURRENCY} at a time) in ${(enrollMs / 1000).toFixed(1)} s (${(HOSTS / (enrollMs / 1000)).toFixed(0)} hosts/s)`,
        `  request to every order signed and stored (the approval answers after its commit), ${REPEAT} approvals each:`,
        `  ${"target".padEnd(18)} ${"hosts".padStart(6)} ${"median".padStart(12)} ${"max".padStart(10)} ${"per host".padStart(11)}`,
        ...rows,
        `  every order queued for a distinct host; the audit chain after it: ${verification.ok ? `intact, ${verification.checked} entries` : `BROKEN: ${verification.firstBroken?.message}`}`,
        "",
      ].join("\n"),
    );
  } finally {
    await web?.stop();
    await db.$disconnect();
    await database.drop();
  }
}

await main();
