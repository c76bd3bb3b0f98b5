import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { AnswerMismatch, answerChecksOn, checkAnswer, undocumentedField } from "./answer-check.ts";

const runAnswer = z.object({
  run: z.object({ id: z.string(), startedAt: z.iso.datetime().nullable(), hosts: z.array(z.object({ name: z.string() })) }),
});

describe("checkAnswer", () => {
  it("accepts an answer as it goes on the wire: a Date where the schema has an ISO string", () => {
    expect(() => checkAnswer("GET /api/runs/r1", runAnswer, { run: { id: "r1", startedAt: new Date("2026-12-04T10:00:00Z"), hosts: [{ name: "db-1" }] } })).not.toThrow();
  });

  it("refuses a field of the wrong type, naming the route and the field", () => {
    expect(() => checkAnswer("GET /api/runs/r1", runAnswer, { run: { id: 7, startedAt: null, hosts: [] } })).toThrow(
      /The answer of GET \/api\/runs\/r1 does not match its documented schema: run\.id: /,
    );
  });

  it("refuses a field the schema does not describe, however deep", () => {
    const leak = { run: { id: "r1", startedAt: null, hosts: [{ name: "db-1", credentialHash: "x" }] } };
    expect(() => checkAnswer("GET /api/runs/r1", runAnswer, leak)).toThrow(AnswerMismatch);
    expect(() => checkAnswer("GET /api/runs/r1", runAnswer, leak)).toThrow("run.hosts.0.credentialHash is sent but the schema does not describe it");
  });

  it("drops what JSON drops: an undefined field is absent, not undocumented", () => {
    const optional = z.object({ note: z.string().optional() });
    expect(() => checkAnswer("GET /x", optional, { note: undefined })).not.toThrow();
  });
});

describe("undocumentedField", () => {
  it("is null when the parsed value is the value sent", () => {
    expect(undocumentedField({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBeNull();
  });

  it("names the first key the schema stripped", () => {
    expect(undocumentedField({ a: { b: 1, c: 2 } }, { a: { b: 1 } })).toBe("a.c");
  });
});

describe("answerChecksOn", () => {
  const before = process.env.WORKBENCH_CHECK_ANSWERS;
  afterEach(() => {
    if (before === undefined) delete process.env.WORKBENCH_CHECK_ANSWERS;
    else process.env.WORKBENCH_CHECK_ANSWERS = before;
  });

  it("is on only when WORKBENCH_CHECK_ANSWERS is 1 (the tests set it; production leaves it off)", () => {
    process.env.WORKBENCH_CHECK_ANSWERS = "1";
    expect(answerChecksOn()).toBe(true);
    delete process.env.WORKBENCH_CHECK_ANSWERS;
    expect(answerChecksOn()).toBe(false);
  });
});
