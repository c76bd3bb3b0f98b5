// The starter library comes in as proposed runbooks: submitted for review with
// their launch policy, never approved by seeding, and not submitted twice.
// Reads the fixture pair under test/fixtures/runbook-library, and the real
// runbooks/library when the checkout has one.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/test/test-database.ts";
import { createUser, type TestUser } from "@/test/factories.ts";
import { SEED_RUNBOOK_SELECTOR, proposeLibraryRunbooks, readRunbookLibrary } from "./runbook-library.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const RULES = { maxDurationSec: 3600, maxRunbookValidityDays: 90 };
let t: TestDatabase;
let engineer: TestUser;

beforeAll(async () => {
  t = await createTestDatabase();
  engineer = await createUser(t.db, ["ENGINEER"]);
});

afterAll(async () => {
  await t?.drop();
});

describe("seeding the runbook library", () => {
  it("submits each runbook as a pending revision with its policy, and skips it the second time", async () => {
    const library = readRunbookLibrary(path.join(ROOT, "test/fixtures/runbook-library"));
    expect(library.map((item) => item.entry.slug)).toEqual(["openat-by-pid"]);
    expect(await proposeLibraryRunbooks(t.db, engineer, library, RULES)).toEqual({ proposed: ["File opens of one process"], skipped: [] });
    const revision = await t.db.revision.findFirstOrThrow({ where: { program: { name: "File opens of one process" } }, include: { reviews: true } });
    expect(revision).toMatchObject({ status: "PENDING", number: 1, targetSelector: SEED_RUNBOOK_SELECTOR, durationSec: 300, reviews: [] });
    expect(revision.runbookPolicy).toMatchObject({ launchRoles: ["SRE"], validityDays: 90, params: [{ name: "pid" }, { name: "prefix" }] });
    expect(await proposeLibraryRunbooks(t.db, engineer, library, RULES)).toEqual({ proposed: [], skipped: ["File opens of one process"] });
  });

  it("submits every runbook of runbooks/library, when the checkout has it, as pending", async () => {
    const dir = path.join(ROOT, "runbooks/library");
    const library = fs.existsSync(dir) ? readRunbookLibrary(dir) : [];
    const { proposed } = await proposeLibraryRunbooks(t.db, engineer, library, RULES);
    expect(proposed).toHaveLength(library.length);
    const approvedOrSigned = await t.db.revision.count({ where: { program: { name: { in: proposed } }, status: { not: "PENDING" } } });
    expect(approvedOrSigned).toBe(0);
    expect(await t.db.run.count()).toBe(0);
  });
});
