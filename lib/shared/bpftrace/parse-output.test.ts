import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { OutputParser, parseOutputLine, type ParsedLine } from "./parse-output.ts";
import type { HistRecord, OutputRecord } from "./records.ts";
import { outputRecordSchema } from "./records.ts";

const FIXTURES = path.join(import.meta.dirname, "fixtures");

/** Every fixture with a golden file, as "v0.17/hist-keyed". */
const fixtureNames = readdirSync(FIXTURES, { recursive: true, encoding: "utf8" })
  .filter((file) => file.endsWith(".expected.jsonl"))
  .map((file) => file.slice(0, -".expected.jsonl".length))
  .sort();

function fixtureBytes(name: string): Buffer {
  return readFileSync(path.join(FIXTURES, `${name}.jsonl`));
}

/** Golden files hold each record as emitted, and each skipped line as {skippedLine, reason, text}. */
function expectedLines(name: string): unknown[] {
  return readFileSync(path.join(FIXTURES, `${name}.expected.jsonl`), "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line));
}

function asGolden(results: ParsedLine[]): unknown[] {
  return results.map((result) => (result.kind === "record" ? result.record : { skippedLine: result.lineNumber, reason: result.reason, text: result.text }));
}

function parseAll(...chunks: (Uint8Array | string)[]): ParsedLine[] {
  const parser = new OutputParser();
  return [...chunks.flatMap((chunk) => parser.push(chunk)), ...parser.end()];
}

function recordsOf(results: ParsedLine[]): OutputRecord[] {
  return results.flatMap((result) => (result.kind === "record" ? [result.record] : []));
}

function onlyRecord(line: string): OutputRecord {
  const result = parseOutputLine(line);
  if (result.kind !== "record") throw new Error(`expected a record, got ${result.reason}: ${result.detail}`);
  return result.record;
}

describe("OutputParser on recorded and hand-written fixtures", () => {
  it("finds fixtures of every bpftrace version", () => {
    for (const version of ["v0.17/", "v0.23/", "v0.24/", "master/"]) {
      expect(
        fixtureNames.some((name) => name.startsWith(version)),
        version,
      ).toBe(true);
    }
  });

  it.each(fixtureNames)("%s matches its golden file", (name) => {
    expect(asGolden(parseAll(fixtureBytes(name)))).toEqual(expectedLines(name));
  });

  it.each(fixtureNames)("%s emits only records that pass the receiver's schema", (name) => {
    for (const record of recordsOf(parseAll(fixtureBytes(name)))) {
      expect(outputRecordSchema.safeParse(record).error).toBeUndefined();
    }
  });
});

describe("chunking", () => {
  // The child's UTF-8 text ("café ✓") puts multi-byte characters in the stream.
  it.each(["v0.17/child-output", "v0.17/syscall-latency-interval"])("gives the same results for %s split at every byte", (name) => {
    const bytes = fixtureBytes(name);
    const whole = parseAll(bytes);
    for (let at = 0; at <= bytes.length; at++) {
      expect(parseAll(bytes.subarray(0, at), bytes.subarray(at))).toEqual(whole);
    }
  });

  it("gives the same results fed one byte at a time", () => {
    const bytes = fixtureBytes("v0.17/child-output");
    const oneByteChunks = Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
    expect(parseAll(...oneByteChunks)).toEqual(parseAll(bytes));
  });

  it("returns each record as soon as its line break arrives", () => {
    const parser = new OutputParser();
    expect(parser.push('{"type": "printf", "data": "a"}')).toEqual([]);
    expect(parser.push('\n{"type": "time"')).toEqual([{ kind: "record", lineNumber: 1, record: { type: "printf", text: "a" } }]);
    expect(parser.end()).toMatchObject([{ kind: "skipped", lineNumber: 2, reason: "not-json" }]);
  });

  it("reads a printf line the same whether it takes the printf shortcut or the general path", () => {
    // The shortcut applies to bpftrace's own spacing; without the spaces a line goes the general path.
    const bodies = [
      String.raw`ls 19173 12\n`,
      "",
      String.raw`say \"hi\"`,
      String.raw`caf\uffffffc3\uffffffa9`,
      String.raw`x\"}`,
      'a", "extra": "b',
      "cut\\",
      "raw\ttab",
      'a"} trailing',
    ];
    const outcome = (result: ParsedLine) => (result.kind === "record" ? result.record : result.reason);
    for (const body of bodies) {
      const shortcut = parseOutputLine(`{"type": "printf", "data": "${body}"}`);
      const general = parseOutputLine(`{"type":"printf","data":"${body}"}`);
      expect(outcome(shortcut), body).toEqual(outcome(general));
    }
    expect(outcome(parseOutputLine(String.raw`{"type": "printf", "data": "caf\uffffffc3\uffffffa9 \"ok\"\n"}`))).toEqual({
      type: "printf",
      text: 'café "ok"\n',
    });
    expect(outcome(parseOutputLine('{"type": "printf", "data": "cut\\"}'))).toBe("not-json");
  });

  it("reads \\r\\n line breaks like \\n, in records and in the lines it reports", () => {
    const text = fixtureBytes("v0.17/child-output").toString("utf8");
    expect(parseAll(text.replaceAll("\n", "\r\n"))).toEqual(parseAll(text));
  });

  it("flushes a last line without a line break at end of input", () => {
    const results = parseAll('{"type": "map", "data": {"@calls": 3}}\n{"type": "map", "data": {"@calls": 4}}');
    expect(recordsOf(results)).toEqual([
      { type: "map", map: "@calls", entries: [{ key: null, value: 3 }] },
      { type: "map", map: "@calls", entries: [{ key: null, value: 4 }] },
    ]);
  });
});

describe("lines that are not records", () => {
  it("reports a line cut off mid-record at end of input and keeps every record before it", () => {
    const text = fixtureBytes("v0.17/syscall-latency-interval").toString("utf8").trimEnd();
    const cut = text.slice(0, text.length - 40);
    const results = parseAll(cut);
    const last = results.at(-1);
    // Lines 8 and 9 are the blank lines before the exit dump; line 12 is its last map.
    expect(last).toMatchObject({ kind: "skipped", reason: "not-json", lineNumber: 12 });
    expect(recordsOf(results)).toEqual(recordsOf(parseAll(text)).slice(0, -1));
  });

  it("reports a non-JSON line in the middle of the stream and parses the lines after it", () => {
    const results = parseAll(
      '{"type": "attached_probes", "data": {"probes": 1}}\n',
      "Segmentation fault (core dumped)\n",
      '{"type": "hist", "data": {"@h": [{"min": 4, "max": 7, "count": 2}]}}\n',
    );
    expect(results).toEqual([
      { kind: "record", lineNumber: 1, record: { type: "attached_probes", count: 1 } },
      { kind: "skipped", lineNumber: 2, reason: "not-json", detail: expect.any(String), text: "Segmentation fault (core dumped)" },
      {
        kind: "record",
        lineNumber: 3,
        record: { type: "hist", map: "@h", series: [{ key: null, buckets: [{ min: 4, max: 7, count: 2 }], total: 2 }] },
      },
    ]);
  });

  it("skips blank and whitespace-only lines silently but counts them", () => {
    const results = parseAll('\n  \t\n\r\n{"type": "printf", "data": "x"}\n');
    expect(results).toEqual([{ kind: "record", lineNumber: 4, record: { type: "printf", text: "x" } }]);
  });

  it("reports JSON that is not a bpftrace record", () => {
    expect(parseOutputLine('{"level": "info"}', 7)).toEqual({
      kind: "skipped",
      lineNumber: 7,
      reason: "not-a-record",
      detail: 'no string "type" field',
      text: '{"level": "info"}',
    });
    expect(parseOutputLine("[1, 2]")).toMatchObject({ reason: "not-a-record" });
    expect(parseOutputLine("12345678901234567890")).toMatchObject({ reason: "not-a-record" });
  });

  it("reports a known record type whose fields match no bpftrace version, naming the problem", () => {
    expect(parseOutputLine('{"type": "hist", "data": {"@h": [{"min": 0, "max": 0}]}}')).toMatchObject({
      reason: "unexpected-shape",
      detail: "bucket 0 has no integer count",
    });
    expect(parseOutputLine('{"type": "hist", "data": {"@a": [], "@b": []}}')).toMatchObject({
      reason: "unexpected-shape",
      detail: '"data" holds 2 maps, not 1',
    });
    expect(parseOutputLine('{"type": "attached_probes", "data": {}}')).toMatchObject({ reason: "unexpected-shape" });
    expect(parseOutputLine('{"type": "printf", "data": 5}')).toMatchObject({ reason: "unexpected-shape" });
  });

  it("keeps a record type it does not model, whole", () => {
    expect(onlyRecord('{"type": "benchmark_results", "data": {"a": 12}}')).toEqual({
      type: "unrecognized",
      bpftraceType: "benchmark_results",
      raw: { type: "benchmark_results", data: { a: 12 } },
    });
  });
});

describe("big integers", () => {
  it("keeps bare integers beyond 2^53 exact, as decimal strings, and safe ones as numbers", () => {
    expect(onlyRecord('{"type": "value", "data": [9007199254740991, 9007199254740992, -9223372036854775808, 18446744073709551615]}')).toEqual({
      type: "value",
      value: [9007199254740991, "9007199254740992", "-9223372036854775808", "18446744073709551615"],
    });
  });

  it("leaves fractions, exponents and digits inside strings alone", () => {
    expect(onlyRecord('{"type": "value", "data": [12345678901234567.5, 1e300, "12345678901234567890", "\\"12\\": x"]}')).toEqual({
      type: "value",
      value: [12345678901234567.5, 1e300, "12345678901234567890", '"12": x'],
    });
  });

  it("sums bucket counts beyond 2^53 exactly, whether bpftrace printed them bare or as strings", () => {
    const bare = onlyRecord('{"type": "hist", "data": {"@h": [{"min": 0, "max": 0, "count": 9007199254740993}, {"min": 1, "max": 1, "count": 1}]}}');
    const quoted = onlyRecord('{"type": "hist", "data": {"@h": [{"min": 0, "max": 0, "count": "9007199254740993"}, {"min": 1, "max": 1, "count": 1}]}}');
    const expected: HistRecord = {
      type: "hist",
      map: "@h",
      series: [
        {
          key: null,
          buckets: [
            { min: 0, max: 0, count: "9007199254740993" },
            { min: 1, max: 1, count: 1 },
          ],
          total: "9007199254740994",
        },
      ],
    };
    expect(bare).toEqual(expected);
    expect(quoted).toEqual(expected);
  });

  it("gives the total as a decimal string when safe counts add up beyond 2^53", () => {
    const record = onlyRecord('{"type": "hist", "data": {"@h": [{"min": 0, "max": 0, "count": 5000000000000000}, {"min": 1, "max": 1, "count": 5000000000000000}]}}');
    expect(record).toMatchObject({ series: [{ total: "10000000000000000" }] });
  });

  it("reads bucket bounds beyond 2^53 (hist of u64 values, bpftrace >= 0.20)", () => {
    const record = onlyRecord('{"type": "hist", "data": {"@h": [{"min": 4611686018427387904, "max": "9223372036854775807", "count": 1}]}}');
    expect(record).toMatchObject({ series: [{ buckets: [{ min: "4611686018427387904", max: "9223372036854775807", count: 1 }] }] });
  });
});

describe("text bpftrace mangles", () => {
  it("decodes the sign-extended byte escapes bpftrace writes for non-ASCII text", () => {
    expect(onlyRecord('{"type": "printf", "data": "\\uffffffe2\\uffffff9c\\uffffff93 done"}')).toEqual({ type: "printf", text: "✓ done" });
    expect(onlyRecord('{"type": "map", "data": {"@by_comm": {"caf\\uffffffc3\\uffffffa9": 2}}}')).toEqual({
      type: "map",
      map: "@by_comm",
      entries: [{ key: "café", value: 2 }],
    });
  });

  it("leaves a literal backslash followed by uffffff as text", () => {
    expect(onlyRecord('{"type": "printf", "data": "C:\\\\uffffffc3"}')).toEqual({ type: "printf", text: "C:\\uffffffc3" });
  });

  it("keeps integer map keys in the order bpftrace printed them", () => {
    const record = onlyRecord('{"type": "hist", "data": {"@by_cpu": {"7": [{"min": 1, "max": 1, "count": 1}], "2": [{"min": 1, "max": 1, "count": 5}]}}}');
    expect(record.type === "hist" && record.series.map((series) => series.key)).toEqual(["7", "2"]);
  });

  it("keeps key order and big integers without touching text that looks like keys or numbers", () => {
    const line = '{"type": "map", "data": {"@m": {"9": "{\\"12\\": 3}", "10": ", \\"4\\": 12345678901234567890", "pid \\"42": 1, "2": 18446744073709551615}}}';
    expect(onlyRecord(line)).toEqual({
      type: "map",
      map: "@m",
      entries: [
        { key: "9", value: '{"12": 3}' },
        { key: "10", value: ', "4": 12345678901234567890' },
        { key: 'pid "42', value: 1 },
        { key: "2", value: "18446744073709551615" },
      ],
    });
  });
});

describe("bpftrace 0.17 and newer formats", () => {
  it.each(["syscall-latency-interval", "hist-keyed", "big-integers"])("%s: 0.17 and 0.24 output give the same records", (name) => {
    const recorded017 = recordsOf(parseAll(fixtureBytes(`v0.17/${name}`)));
    expect(recorded017.length).toBeGreaterThan(2);
    expect(recordsOf(parseAll(fixtureBytes(`v0.24/${name}`)))).toEqual(recorded017);
  });

  it("reads helper errors of 0.17, 0.23 and 0.24, which differ only in the fields each version prints", () => {
    const [v017, v023, v024] = ["v0.17", "v0.23", "v0.24"].map((version) =>
      recordsOf(parseAll(fixtureBytes(`${version}/helper-error`))).find((record) => record.type === "helper_error"),
    );
    const common = { type: "helper_error", helper: "probe_read", retcode: -14, line: 5, column: 10 };
    expect(v017).toEqual({ ...common, message: null, filename: null });
    expect(v023).toEqual({ ...common, message: "Bad address", filename: null });
    expect(v024).toEqual({ ...common, message: "Bad address", filename: "helper-error.bt" });
  });

  it("passes on the keys 0.24 prints without spaces, since the spaces cannot be recovered", () => {
    const keysOf = (version: string) =>
      recordsOf(parseAll(fixtureBytes(`${version}/keys-with-spaces`))).flatMap((record) => (record.type === "hist" ? record.series.map((series) => series.key) : []));
    expect(keysOf("v0.17")).toEqual(["2,big write", "Web Content"]);
    expect(keysOf("v0.24")).toEqual(["2,bigwrite", "WebContent"]);
  });

  it("reads attached_probes and lost_events counts in all three layouts", () => {
    for (const line of [
      '{"type": "attached_probes", "data": {"probes": 3}}',
      '{"type": "attached_probes", "count": 3, "data": {"probes": 3}}',
      '{"type":"attached_probes", "count":3}',
    ]) {
      expect(onlyRecord(line)).toEqual({ type: "attached_probes", count: 3 });
    }
    for (const line of ['{"type": "lost_events", "data": {"events": 9}}', '{"type": "lost_events", "count": 9, "data": {"events": 9}}']) {
      expect(onlyRecord(line)).toEqual({ type: "lost_events", count: 9 });
    }
  });
});
