import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { freePort } from "./web-server.ts";
import { waitFor } from "./processes.ts";

// Debian's Prometheus (scripts/setup/install-system.sh --tests installs it),
// as a process of the test's own: a temporary config and storage directory,
// a free port, and a 1 s scrape interval so a test sees a change within
// seconds. The package's system service is never used.

export type PrometheusServer = {
  url: string;
  /** A PromQL query through Prometheus' HTTP API (/api/v1/query): its status, error and result. */
  query(promql: string): Promise<PrometheusAnswer>;
  /** GET on any other API path, e.g. /api/v1/label/host/values?match[]=... */
  api(pathAndQuery: string): Promise<PrometheusAnswer>;
  output(): string;
  stop(): Promise<void>;
};

export type PrometheusSample = { metric: Record<string, string>; value: [number, string] };
export type PrometheusAnswer = {
  status: "success" | "error";
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: PrometheusSample[] } & Record<string, unknown>;
};

export function prometheusInstalled(): boolean {
  return spawnSync("prometheus", ["--version"]).status === 0 && spawnSync("promtool", ["--version"]).status === 0;
}

/** `promtool check metrics` over an exposition: its exit status and what it printed. */
export function promtoolCheckMetrics(exposition: string): { status: number | null; output: string } {
  const result = spawnSync("promtool", ["check", "metrics"], { input: exposition, encoding: "utf8" });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Starts Prometheus scraping `target` (host:port) at /metrics with `bearerToken`. */
export async function startPrometheus(options: { target: string; bearerToken: string; jobName?: string }): Promise<PrometheusServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-prometheus-"));
  const tokenFile = path.join(dir, "workbench-metrics-token");
  fs.writeFileSync(tokenFile, options.bearerToken, { mode: 0o600 });
  fs.writeFileSync(
    path.join(dir, "prometheus.yml"),
    [
      "global:",
      "  scrape_interval: 1s",
      "  evaluation_interval: 1s",
      "scrape_configs:",
      `  - job_name: ${options.jobName ?? "bpftrace-workbench"}`,
      "    metrics_path: /metrics",
      "    authorization:",
      "      type: Bearer",
      `      credentials_file: ${tokenFile}`,
      "    static_configs:",
      `      - targets: ["${options.target}"]`,
      "",
    ].join("\n"),
  );
  const port = await freePort();
  const child = spawn(
    "prometheus",
    [
      `--config.file=${path.join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${path.join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // Debian's build looks for its console templates under /etc/prometheus; none are needed here.
      `--web.console.templates=${dir}`,
      `--web.console.libraries=${dir}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    "Prometheus to be ready",
    async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited: ${output}`);
      return fetch(`${url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
    },
    30_000,
  );
  const api = async (pathAndQuery: string) => (await (await fetch(`${url}${pathAndQuery}`)).json()) as PrometheusAnswer;
  return {
    url,
    api,
    query: (promql) => api(`/api/v1/query?query=${encodeURIComponent(promql)}`),
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          fs.rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once("exit", done);
        child.kill("SIGTERM");
      }),
  };
}
