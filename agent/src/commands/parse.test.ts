import { readFileSync } from "node:fs";
import path from "node:path";
import { PassThrough, Readable, Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { parseCommand } from "./parse.ts";

const FIXTURES = path.join(import.meta.dirname, "../../../lib/shared/bpftrace/fixtures");

function fixture(name: string): Buffer {
  return readFileSync(path.join(FIXTURES, `${name}.jsonl`));
}

function goldenRecords(name: string): unknown[] {
  return readFileSync(path.join(FIXTURES, `${name}.expected.jsonl`), "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line))
    .filter((line) => !("skippedLine" in line));
}

/** Splits bytes into chunks of `size`, so lines and UTF-8 characters straddle chunks. */
function chunked(bytes: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return Readable.from(chunks);
}

function collect(stream: PassThrough): () => string {
  let text = "";
  stream.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
  return () => text;
}

async function run(stdin: Readable) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = collect(stdout);
  const err = collect(stderr);
  const exitCode = await parseCommand({ stdin, stdout, stderr });
  return { exitCode, stdout: out(), stderr: err() };
}

describe("parseCommand", () => {
  it("writes one record per line and reports each line that is not a record on stderr, exiting 0", async () => {
    const result = await run(chunked(fixture("v0.17/child-output"), 7));

    expect(result.exitCode).toBe(0);
    expect(result.stdout.endsWith("\n")).toBe(true);
    expect(
      result.stdout
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).toEqual(goldenRecords("v0.17/child-output"));
    expect(result.stderr.split("\n")).toEqual([
      `not JSON (line 1): ERROR: Unknown error -1: couldn't set RLIMIT_MEMLOCK for bpftrace. If your program is not loading, you can try "ulimit -l 8192" to fix the problem`,
      "not JSON (line 4): café ✓ from the child",
      'not a bpftrace record (line 5): {"level": "info", "msg": "child log line"}',
      "not JSON (line 7): last child line",
      "",
    ]);
  });

  it("names the problem with a bpftrace record it cannot read, and cuts long lines in the report", async () => {
    const longLine = "x".repeat(2000);
    const result = await run(Readable.from([`{"type": "hist", "data": {"@h": 5}}\n${longLine}\n`]));
    const [shapeReport, longReport] = result.stderr.split("\n");
    expect(shapeReport).toBe('unexpected bpftrace record (line 1; @h is neither a bucket list nor keyed bucket lists): {"type": "hist", "data": {"@h": 5}}');
    expect(longReport).toBe(`not JSON (line 2): ${"x".repeat(500)}… (2000 characters)`);
    expect(result.exitCode).toBe(0);
  });

  it("writes a last line that has no line break, and an empty input gives no output", async () => {
    expect((await run(Readable.from(['{"type": "printf", "data": "bye"}']))).stdout).toBe('{"type":"printf","text":"bye"}\n');
    expect(await run(Readable.from([]))).toEqual({ exitCode: 0, stdout: "", stderr: "" });
  });

  it("waits for a slow stdout to drain instead of buffering the whole output", async () => {
    const input = fixture("v0.17/lost-events");
    let written = "";
    let mostBuffered = 0;
    const slowStdout = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, done) {
        written += chunk.toString("utf8");
        setTimeout(done, 0);
      },
    });
    const stdoutWrite = slowStdout.write.bind(slowStdout);
    slowStdout.write = ((...args: Parameters<Writable["write"]>) => {
      const accepted = stdoutWrite(...args);
      mostBuffered = Math.max(mostBuffered, slowStdout.writableLength);
      return accepted;
    }) as Writable["write"];

    const exitCode = await parseCommand({ stdin: chunked(input, 4096), stdout: slowStdout, stderr: new PassThrough() });

    expect(exitCode).toBe(0);
    expect(written.trimEnd().split("\n")).toHaveLength(goldenRecords("v0.17/lost-events").length);
    // Without waiting for "drain", everything (hundreds of KB) would sit in the buffer.
    expect(mostBuffered).toBeLessThan(16 * 1024);
  });

  it("rejects with the error when stdout fails while it waits for a drain", async () => {
    const brokenStdout = new Writable({
      highWaterMark: 1,
      write(_chunk, _encoding, done) {
        done(new Error("EPIPE: the reader went away"));
      },
    });
    await expect(parseCommand({ stdin: chunked(fixture("v0.17/lost-events"), 4096), stdout: brokenStdout, stderr: new PassThrough() })).rejects.toThrow(
      "EPIPE: the reader went away",
    );
  });

  it("rejects with the error when stdout fails later, after accepting a write", async () => {
    // Like a pipe whose reader went away: the write is accepted, the error comes from the OS afterwards.
    const brokenStdout = new Writable({
      highWaterMark: 1024 * 1024,
      write(_chunk, _encoding, done) {
        setTimeout(() => done(new Error("EPIPE: the reader went away")), 1);
      },
    });
    async function* slowStdin() {
      for (const line of fixture("v0.17/syscall-latency-interval").toString("utf8").split("\n")) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        yield `${line}\n`;
      }
    }
    await expect(parseCommand({ stdin: Readable.from(slowStdin()), stdout: brokenStdout, stderr: new PassThrough() })).rejects.toThrow("EPIPE: the reader went away");
  });
});
