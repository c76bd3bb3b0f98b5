// The process around runCli (main.ts): the entry of bin/workbench.js and of the single-file bundle.
import { runCli } from "./main.ts";

process.exitCode = await runCli(process.argv.slice(2), process.env, { json: false, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
