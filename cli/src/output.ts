// What a command prints: for people (text on stdout, problems on stderr) or,
// with --json, one JSON document (or one per line for `watch`) for scripts.
export type Output = {
  json: boolean;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
};

export function printLine(out: Output, text: string): void {
  out.stdout.write(`${text}\n`);
}

export function printJson(out: Output, value: unknown): void {
  out.stdout.write(`${JSON.stringify(value)}\n`);
}
