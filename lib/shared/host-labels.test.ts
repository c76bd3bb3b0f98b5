import { describe, expect, it } from "vitest";
import { MAX_LABELS_PER_HOST, hostLabelsSchema, labelMap, mergeLabels, normalizeLabels, parseLabel, splitLabelText } from "./host-labels.ts";

describe("host labels", () => {
  it("reads key=value and a bare key, ignoring spaces around them", () => {
    expect(parseLabel("role=db")).toEqual({ ok: true, label: { key: "role", value: "db" } });
    expect(parseLabel("  zone = eu-1 ")).toEqual({ ok: true, label: { key: "zone", value: "eu-1" } });
    expect(parseLabel("canary")).toEqual({ ok: true, label: { key: "canary", value: "" } });
    expect(parseLabel("canary=")).toEqual({ ok: true, label: { key: "canary", value: "" } });
    expect(parseLabel("k8s.io/zone=EU_1.b")).toEqual({ ok: true, label: { key: "k8s.io/zone", value: "EU_1.b" } });
  });

  it("refuses malformed labels with a sentence naming the label", () => {
    const refused = (text: string) => {
      const result = parseLabel(text);
      expect(result.ok, text).toBe(false);
      return result.ok ? "" : result.error;
    };
    expect(refused("")).toBe("A label is empty.");
    expect(refused("Role=db")).toMatch(/"Role=db" has a bad key: a key is 1 to 63 lower-case/);
    expect(refused("-role=db")).toMatch(/bad key/);
    expect(refused("=db")).toMatch(/bad key/);
    expect(refused("role=d b")).toMatch(/bad value/);
    expect(refused("role=a=b")).toMatch(/bad value/);
    expect(refused("role=db\u0000")).toMatch(/bad value/);
    expect(refused("rôle=db")).toMatch(/bad key/);
    expect(refused("role=dé")).toMatch(/bad value/);
    expect(refused(`${"k".repeat(64)}=v`)).toMatch(/bad key/);
    expect(refused(`k=${"v".repeat(64)}`)).toMatch(/bad value/);
    expect(refused("x".repeat(100_000))).toMatch(/longer than 127 characters/);
    // Control characters and new lines never pass as part of a key or value.
    expect(refused("ro\nle=db")).toMatch(/bad key/);
  });

  it("normalizes a list: sorted by key, bare keys without '=', duplicates once", () => {
    expect(normalizeLabels(["zone=eu-1", "role=db", "canary=", "role=db"])).toEqual({ ok: true, labels: ["canary", "role=db", "zone=eu-1"] });
    expect(normalizeLabels([])).toEqual({ ok: true, labels: [] });
  });

  it("refuses two values for one key, and more than the maximum", () => {
    const twoValues = normalizeLabels(["role=db", "role=web"]);
    expect(twoValues).toEqual({ ok: false, error: expect.stringMatching(/"role" is given two values \("db" and "web"\)/) });
    const many = Array.from({ length: MAX_LABELS_PER_HOST + 1 }, (_, i) => `k${i}=v`);
    expect(normalizeLabels(many)).toEqual({ ok: false, error: `A host has at most ${MAX_LABELS_PER_HOST} labels; ${MAX_LABELS_PER_HOST + 1} were given.` });
    expect(normalizeLabels(many.slice(1)).ok).toBe(true);
  });

  it("maps stored labels by key, leaving out ones that do not parse", () => {
    expect([...labelMap(["role=db", "canary", "Legacy Label", "zone=eu-1"])]).toEqual([
      ["role", "db"],
      ["canary", ""],
      ["zone", "eu-1"],
    ]);
  });

  it("merges: the second list's values win for the same key", () => {
    expect(mergeLabels(["role=db", "zone=eu-1"], ["zone=us-2", "canary"])).toEqual(["canary", "role=db", "zone=us-2"]);
  });

  it("splits labels typed in a form on commas, spaces and new lines", () => {
    expect(splitLabelText(" role=db, zone=eu-1\ncanary ,,")).toEqual(["role=db", "zone=eu-1", "canary"]);
  });

  it("validates requests with the same rules (zod schema)", () => {
    expect(hostLabelsSchema.parse(["zone=eu-1", "role=db"])).toEqual(["role=db", "zone=eu-1"]);
    const bad = hostLabelsSchema.safeParse(["role=db", "role=web"]);
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toMatch(/two values/);
    expect(hostLabelsSchema.safeParse("role=db").success).toBe(false);
    expect(hostLabelsSchema.safeParse([42]).success).toBe(false);
  });
});
