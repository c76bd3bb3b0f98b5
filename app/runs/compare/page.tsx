import Link from "next/link";
import { getDb } from "@/lib/server/db/client.ts";
import { requirePageActor } from "@/lib/server/auth/session.ts";
import { AppError } from "@/lib/server/errors.ts";
import { listRuns } from "@/lib/server/use-cases/read-runs.ts";
import { compareRuns, compareRunsQuerySchema, type RunComparison } from "@/lib/server/use-cases/compare-runs.ts";
import { Forbidden } from "@/components/layout/forbidden.tsx";
import { ComparisonView } from "@/components/runs/comparison-view.tsx";
import { runChoices } from "@/app/runs/run-choices.ts";
import "@/components/runs/sre-views.css";

type Search = Record<string, string | string[] | undefined>;
const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * Compare two runs, two sets of hosts' runs, or two time ranges of one run.
 * A plain GET form: the URL is the comparison, so it can be pasted into an
 * incident's notes or a chat.
 */
export default async function ComparePage({ searchParams }: { searchParams: Promise<Search> }) {
  const search = await searchParams;
  const { actor, allowed } = await requirePageActor("run.read", "/runs/compare");
  if (!allowed) return <Forbidden what="compare runs" />;
  const db = getDb();
  const choices = runChoices(await listRuns(db, actor, { take: 200 }));
  const query = Object.fromEntries(Object.entries(search).flatMap(([k, v]) => (one(v) ? [[k, one(v)!]] : [])));
  let comparison: RunComparison | null = null;
  let problem: string | null = null;
  if (query.a && query.b) {
    const parsed = compareRunsQuerySchema.safeParse(query);
    if (!parsed.success) problem = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
    else {
      const q = parsed.data;
      comparison = await compareRuns(db, actor, {
        a: { runIds: q.a, fromSec: q.aFrom, toSec: q.aTo },
        b: { runIds: q.b, fromSec: q.bFrom, toSec: q.bTo },
        map: q.map,
        key: q.key,
      }).catch((error: unknown) => {
        if (error instanceof AppError) {
          problem = error.message;
          return null;
        }
        throw error;
      });
    }
  }
  const withCurrent = (value: string | undefined) => (value && !choices.some((c) => c.value === value) ? [{ value, label: `runs ${value}` }, ...choices] : choices);
  return (
    <main>
      <h1>Compare runs</h1>
      <form className="panel compare-form" method="get" action="/runs/compare" data-testid="compare-form">
        <div className="grid2">
          {(["a", "b"] as const).map((side) => (
            <fieldset key={side} style={{ border: 0, padding: 0, margin: 0 }}>
              <div className="form-row">
                <label htmlFor={`compare-${side}`}>{side === "a" ? "A (before, or baseline)" : "B (after, or incident)"}</label>
                <select id={`compare-${side}`} name={side} defaultValue={query[side] ?? ""} required>
                  <option value="">choose a run…</option>
                  {withCurrent(query[side]).map((choice) => (
                    <option key={choice.value} value={choice.value}>
                      {choice.label}
                    </option>
                  ))}
                </select>
              </div>
              <div className="actions">
                <label className="muted small-text">
                  from{" "}
                  <input
                    type="number"
                    name={`${side}From`}
                    min={0}
                    step="any"
                    defaultValue={query[`${side}From`] ?? ""}
                    style={{ width: 90 }}
                    aria-label={`${side.toUpperCase()} from (seconds since its start)`}
                  />
                </label>
                <label className="muted small-text">
                  to{" "}
                  <input
                    type="number"
                    name={`${side}To`}
                    min={0}
                    step="any"
                    defaultValue={query[`${side}To`] ?? ""}
                    style={{ width: 90 }}
                    aria-label={`${side.toUpperCase()} to (seconds since its start)`}
                  />
                </label>
                <span className="muted small-text">seconds since the run started; empty for the whole run</span>
              </div>
            </fieldset>
          ))}
        </div>
        <div className="actions" style={{ marginTop: 12 }}>
          {comparison && comparison.maps.length > 0 && (
            <label>
              Map{" "}
              <select name="map" defaultValue={comparison.map ?? ""}>
                {comparison.maps.map((map) => (
                  <option key={map} value={map}>
                    {map}
                  </option>
                ))}
              </select>
            </label>
          )}
          <button className="primary" type="submit">
            Compare
          </button>
          <span className="muted small-text">Compare one run with itself over two time ranges by choosing it on both sides.</span>
        </div>
      </form>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      {comparison &&
        (comparison.comparison ? (
          <section className="panel">
            <h2>
              {comparison.map}{" "}
              <span className="muted">
                · A: {comparison.a.label} · B: {comparison.b.label}
              </span>
            </h2>
            {(comparison.a.runs.some((r) => r.replay) || comparison.b.runs.some((r) => r.replay)) && (
              <p className="replay-banner">One side includes a replay: a recorded capture, not live data from an enrolled host.</p>
            )}
            <ComparisonView
              comparison={comparison.comparison}
              unit={comparison.unit}
              labels={{ a: comparison.a.label, b: comparison.b.label }}
              title={comparison.map ?? "comparison"}
              fileKey={comparison.a.runs[0]?.id ?? "compare"}
            />
            <p className="muted small-text">
              Runs: A{" "}
              {comparison.a.runs.map((r) => (
                <Link key={r.id} href={`/runs/${r.id}`}>{`${r.hostName} `}</Link>
              ))}{" "}
              · B{" "}
              {comparison.b.runs.map((r) => (
                <Link key={r.id} href={`/runs/${r.id}`}>{`${r.hostName} `}</Link>
              ))}
            </p>
          </section>
        ) : (
          <p className="notice">Neither side printed a histogram.</p>
        ))}
    </main>
  );
}
