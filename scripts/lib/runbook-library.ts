import fs from "node:fs";
import path from "node:path";
import type { Db } from "@/lib/server/db/client.ts";
import type { Actor } from "@/lib/server/auth/permissions.ts";
import { runbookLibraryEntrySchema, type RunbookLibraryEntry } from "@/lib/shared/runbook-params.ts";
import type { RunbookPolicyInput } from "@/lib/shared/runbook-policy.ts";
import { createProgram } from "@/lib/server/use-cases/create-program.ts";

// The starter library (runbooks/library/<slug>.json beside <slug>.bt) comes
// in as PROPOSED runbooks: each one a program whose first revision, with its
// launch policy, is submitted for review like any other. Seeding never
// approves anything; a reviewer reads and approves each one.

/** Every host that does not carry the label `no-runbooks`: the scope a reviewer sees, and may narrow by requesting changes. */
export const SEED_RUNBOOK_SELECTOR = "!no-runbooks";

/** The launch bounds a proposed library runbook starts with; the reviewer approves or sends them back. */
const SEED_POLICY = { maxHostsPerLaunch: 20, maxConcurrentLaunches: 3, launchRoles: ["SRE" as const] };

export type LibraryRunbook = { entry: RunbookLibraryEntry; source: string };

/** Reads and checks every pair in `dir`, in name order; a .json without its .bt, or one that breaks the schema, throws with the file's name. */
export function readRunbookLibrary(dir: string): LibraryRunbook[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => {
      const file = path.join(dir, name);
      const parsed = runbookLibraryEntrySchema.safeParse(JSON.parse(fs.readFileSync(file, "utf8")));
      if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}`);
      if (`${parsed.data.slug}.json` !== name) throw new Error(`${file}: its slug is ${parsed.data.slug}`);
      const source = fs.readFileSync(path.join(dir, `${parsed.data.slug}.bt`), "utf8");
      return { entry: parsed.data, source };
    });
}

export function libraryPolicy(entry: RunbookLibraryEntry, validityDays: number): RunbookPolicyInput {
  return { measures: entry.measures, whenToUse: entry.whenToUse, params: entry.params, ...SEED_POLICY, validityDays };
}

/**
 * Submits each library runbook not already there (by title) as a proposed
 * runbook by `author`. Returns the titles it submitted and those it skipped.
 */
export async function proposeLibraryRunbooks(
  db: Db,
  author: Actor,
  library: LibraryRunbook[],
  rules: { maxDurationSec: number; maxRunbookValidityDays: number },
): Promise<{ proposed: string[]; skipped: string[] }> {
  const proposed: string[] = [];
  const skipped: string[] = [];
  for (const { entry, source } of library) {
    if (await db.program.findFirst({ where: { name: entry.title }, select: { id: true } })) {
      skipped.push(entry.title);
      continue;
    }
    // The longest launch: ten times the suggested duration, within the server's limit.
    const durationSec = Math.min(rules.maxDurationSec, Math.max(entry.defaultDurationSec, entry.defaultDurationSec * 10));
    await createProgram(
      db,
      author,
      { name: entry.title, source, durationSec, targetSelector: SEED_RUNBOOK_SELECTOR, runbook: libraryPolicy(entry, rules.maxRunbookValidityDays) },
      rules,
    );
    proposed.push(entry.title);
  }
  return { proposed, skipped };
}
