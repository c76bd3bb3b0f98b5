// `workbench-agent parse`: reads `bpftrace -f json` output on stdin and writes
// one record per line on stdout, in the shapes of docs/bpftrace-output.md.
// Lines that are not bpftrace records go to stderr with their line number, so
// a person can find them; they never make the command fail.
import { OutputParser, type ParsedLine, type SkipReason } from "../../../lib/shared/bpftrace/parse-output.ts";

export type ParseCommandIo = {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
};

/** Long lines (a child dumping a file) are cut in the stderr report; the records are never cut. */
const MAX_REPORTED_CHARS = 500;

const SKIP_LABELS: Record<SkipReason, string> = {
  "not-json": "not JSON",
  "not-a-record": "not a bpftrace record",
  "unexpected-shape": "unexpected bpftrace record",
};

/** Resolves with exit code 0 at end of input; rejects if stdin or an output stream fails (a closed pipe, say). */
export async function parseCommand(io: ParseCommandIo): Promise<number> {
  const parser = new OutputParser();
  let outputFailure: Error | undefined;
  const onOutputError = (error: Error) => {
    outputFailure ??= error;
  };
  io.stdout.on("error", onOutputError);
  io.stderr.on("error", onOutputError);
  const failure = () => outputFailure;
  try {
    for await (const chunk of io.stdin) {
      await writeResults(parser.push(chunk), io, failure);
    }
    await writeResults(parser.end(), io, failure);
    return 0;
  } finally {
    io.stdout.off("error", onOutputError);
    io.stderr.off("error", onOutputError);
  }
}

// One write per stream per input chunk, and none before the previous one
// drained, so a slow reader of stdout slows the reading of stdin instead of
// letting records pile up in memory.
async function writeResults(results: ParsedLine[], io: ParseCommandIo, failure: () => Error | undefined): Promise<void> {
  let records = "";
  let reports = "";
  for (const result of results) {
    if (result.kind === "record") records += `${JSON.stringify(result.record)}\n`;
    else reports += `${describeSkippedLine(result)}\n`;
  }
  await Promise.all([write(io.stdout, records, failure), write(io.stderr, reports, failure)]);
}

function describeSkippedLine(line: Extract<ParsedLine, { kind: "skipped" }>): string {
  const text = line.text.length > MAX_REPORTED_CHARS ? `${line.text.slice(0, MAX_REPORTED_CHARS)}… (${line.text.length} characters)` : line.text;
  const detail = line.reason === "unexpected-shape" ? `; ${line.detail}` : "";
  return `${SKIP_LABELS[line.reason]} (line ${line.lineNumber}${detail}): ${text}`;
}

/** Write errors arrive as "error" events after write() returned, so an earlier one is checked first. */
function write(stream: NodeJS.WritableStream, text: string, failure: () => Error | undefined): Promise<void> {
  const earlier = failure();
  if (earlier) return Promise.reject(earlier);
  if (text === "" || stream.write(text)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const settle = (error?: Error) => {
      stream.off("drain", onDrain);
      stream.off("error", onError);
      stream.off("close", onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => settle();
    const onError = (error: Error) => settle(error);
    const onClose = () => settle(new Error("the output stream closed before all records were written"));
    stream.on("drain", onDrain);
    stream.on("error", onError);
    stream.on("close", onClose);
  });
}
