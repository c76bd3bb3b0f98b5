import { describe, expect, it } from "vitest";
import { splitSqlScript } from "./split-sql-script.ts";

describe("splitSqlScript", () => {
  it("splits statements and drops the ones that are only comments", () => {
    expect(splitSqlScript("-- a table\nCREATE TABLE a (x int);\n\n-- nothing else;\n  ;\nCREATE INDEX i ON a (x)")).toEqual([
      "-- a table\nCREATE TABLE a (x int)",
      "CREATE INDEX i ON a (x)",
    ]);
  });

  it("keeps a PL/pgSQL body whole, with or without a dollar-quote tag", () => {
    const fn = "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  RAISE EXCEPTION 'no; never';\n  RETURN NEW;\nEND;\n$$";
    const tagged = "CREATE FUNCTION g() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END; $body$";
    expect(splitSqlScript(`${fn};\n${tagged};\nCREATE TRIGGER t BEFORE DELETE ON a FOR EACH ROW EXECUTE FUNCTION f();`)).toEqual([
      fn,
      tagged,
      "CREATE TRIGGER t BEFORE DELETE ON a FOR EACH ROW EXECUTE FUNCTION f()",
    ]);
  });

  it("does not split inside strings, quoted identifiers or block comments", () => {
    expect(splitSqlScript(`INSERT INTO "a;b" VALUES ('it''s; fine', E'back\\'slash;');/* one; /* nested; */ two; */SELECT 1`)).toEqual([
      `INSERT INTO "a;b" VALUES ('it''s; fine', E'back\\'slash;')`,
      "/* one; /* nested; */ two; */SELECT 1",
    ]);
  });

  it("reads a positional parameter as such, not as a dollar quote", () => {
    expect(splitSqlScript("SELECT $1; SELECT 2")).toEqual(["SELECT $1", "SELECT 2"]);
  });
});
