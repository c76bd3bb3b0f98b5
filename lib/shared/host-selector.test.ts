import { describe, expect, it } from "vitest";
import { labelMap } from "./host-labels.ts";
import { MAX_SELECTOR_LENGTH, MAX_SELECTOR_TERMS, hostSelectorSchema, parseHostSelector, selectHosts, selectorMatchesLabels, storedSelector } from "./host-selector.ts";

const canonical = (text: string) => {
  const result = parseHostSelector(text);
  if (!result.ok) throw new Error(result.error);
  return result.selector?.canonical ?? null;
};
const refusal = (text: string) => {
  const result = parseHostSelector(text);
  if (result.ok) throw new Error(`${JSON.stringify(text)} was accepted`);
  return result.error;
};
const matches = (selector: string, labels: string[]) => selectorMatchesLabels(storedSelector(canonical(selector)!), labelMap(labels));

describe("label selectors: parsing", () => {
  it("reads equality, inequality, existence and absence", () => {
    expect(parseHostSelector("role=db,zone!=eu-1,canary,!retired")).toEqual({
      ok: true,
      selector: {
        canonical: "!retired,canary,role=db,zone!=eu-1",
        terms: [
          { op: "absent", key: "retired" },
          { op: "exists", key: "canary" },
          { op: "=", key: "role", value: "db" },
          { op: "!=", key: "zone", value: "eu-1" },
        ],
      },
    });
  });

  it("has one canonical form: terms sorted, each once, no spaces", () => {
    expect(canonical(" zone != eu-1 ,  role = db ")).toBe("role=db,zone!=eu-1");
    expect(canonical("role=db,zone!=eu-1")).toBe(canonical("zone!=eu-1,role=db"));
    expect(canonical("role=db,role=db")).toBe("role=db");
    expect(canonical("! retired")).toBe("!retired");
    expect(canonical("canary=")).toBe("canary=");
  });

  it("treats blank text as no selector", () => {
    expect(parseHostSelector("")).toEqual({ ok: true, selector: null });
    expect(parseHostSelector("  \n\t ")).toEqual({ ok: true, selector: null });
  });

  it("refuses malformed terms with a sentence naming the term", () => {
    expect(refusal("role=db,,zone=eu-1")).toBe("The selector's term 2 is empty (two commas in a row, or one at an end).");
    expect(refusal("role=db,")).toMatch(/term 2 is empty/);
    expect(refusal(",role=db")).toMatch(/term 1 is empty/);
    expect(refusal("role==db")).toMatch(/has "==": equality is a single "="/);
    expect(refusal("Role=db")).toMatch(/term 1 \("Role=db"\) has a bad key/);
    expect(refusal("role=d b")).toMatch(/bad value/);
    expect(refusal("role=db!=x")).toMatch(/bad value/);
    expect(refusal("role=!db")).toMatch(/bad value/);
    expect(refusal("!=db")).toMatch(/bad key/);
    expect(refusal("!")).toMatch(/bad key/);
    expect(refusal("!!role")).toMatch(/bad key/);
    expect(refusal("role in (db, web)")).toMatch(/bad key/);
    expect(refusal("role=db;drop table")).toMatch(/bad value/);
    expect(refusal("role=db\u0000")).toMatch(/bad value/);
    expect(refusal("rôle")).toMatch(/bad key/);
    expect(refusal("role=db\nzone=eu")).toMatch(/bad value/);
  });

  it("refuses selectors nothing could ever match", () => {
    expect(refusal("role=db,role=web")).toBe("The selector asks for role=db and role=web; a host has one value per key, so nothing could match.");
    expect(refusal("canary,!canary")).toBe("The selector asks for canary and for !canary; nothing could match.");
    expect(refusal("role=db,!role")).toMatch(/role and for !role/);
    expect(refusal("role=db,role!=db")).toBe("The selector asks for role=db and role!=db; nothing could match.");
    // Not contradictions: an inequality beside another value, two inequalities.
    expect(canonical("role=db,role!=web")).toBe("role!=web,role=db");
    expect(canonical("role!=db,role!=web")).toBe("role!=db,role!=web");
  });

  it("bounds hostile input: length, term count, and time", () => {
    expect(refusal("a".repeat(MAX_SELECTOR_LENGTH + 1))).toBe(`A selector is at most ${MAX_SELECTOR_LENGTH} characters.`);
    expect(refusal(Array.from({ length: MAX_SELECTOR_TERMS + 1 }, (_, i) => `k${i}`).join(","))).toBe(`A selector has at most ${MAX_SELECTOR_TERMS} terms.`);
    expect(canonical(Array.from({ length: MAX_SELECTOR_TERMS }, (_, i) => `k${i}=v`).join(","))).toMatch(/^k0=v,k10=v,k11=v/);
    // Patterns that make backtracking regular expressions explode are refused as plainly as any other.
    expect(refusal(`${"a".repeat(60)}!`)).toMatch(/bad key/);
    expect(refusal("=".repeat(1000))).toMatch(/bad key|==/);
    expect(refusal(",".repeat(1000))).toMatch(/at most 32 terms/);
  });
});

describe("label selectors: matching", () => {
  const db = ["role=db", "zone=eu-1", "canary"];
  const web = ["role=web", "zone=us-2"];
  const bare = [] as string[];

  it("equality needs the exact value", () => {
    expect(matches("role=db", db)).toBe(true);
    expect(matches("role=db", web)).toBe(false);
    expect(matches("role=DB", db)).toBe(false);
    expect(matches("role=db", bare)).toBe(false);
  });

  it("inequality matches hosts without the key too", () => {
    expect(matches("zone!=eu-1", db)).toBe(false);
    expect(matches("zone!=eu-1", web)).toBe(true);
    expect(matches("zone!=eu-1", bare)).toBe(true);
  });

  it("existence and absence look at the key only", () => {
    expect(matches("canary", db)).toBe(true);
    expect(matches("canary", web)).toBe(false);
    expect(matches("!canary", web)).toBe(true);
    expect(matches("!canary", db)).toBe(false);
    expect(matches("canary=", db)).toBe(true);
    expect(matches("zone=", db)).toBe(false);
  });

  it("ANDs the terms", () => {
    expect(matches("role=db,zone=eu-1,canary", db)).toBe(true);
    expect(matches("role=db,zone!=eu-1", db)).toBe(false);
    expect(matches("role!=db,!canary", web)).toBe(true);
  });

  it("ignores stored labels that do not parse", () => {
    expect(matches("legacy", ["Legacy", "legacy label"])).toBe(false);
    expect(matches("!legacy", ["Legacy"])).toBe(true);
  });

  it("selects hosts in their order", () => {
    const hosts = [
      { name: "a", labels: db },
      { name: "b", labels: web },
      { name: "c", labels: ["role=db"] },
    ];
    expect(selectHosts(storedSelector("role=db"), hosts).map((h) => h.name)).toEqual(["a", "c"]);
  });
});

describe("label selectors: the request schema", () => {
  it("gives the canonical form, or nothing for none; its own output parses to itself", () => {
    expect(hostSelectorSchema.parse("zone!=eu-1, role=db")).toBe("role=db,zone!=eu-1");
    expect(hostSelectorSchema.parse("role=db,zone!=eu-1")).toBe("role=db,zone!=eu-1");
    expect(hostSelectorSchema.parse("   ")).toBeUndefined();
    expect(hostSelectorSchema.parse(undefined)).toBeUndefined();
  });

  it("refuses with the parser's sentence", () => {
    const result = hostSelectorSchema.safeParse("role=db,role=web");
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/nothing could match/);
    expect(hostSelectorSchema.safeParse(42).success).toBe(false);
    // Absent is none; null is a wrong type, as for every optional field of the API.
    expect(hostSelectorSchema.safeParse(null).success).toBe(false);
  });
});
