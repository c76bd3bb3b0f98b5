import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { resolveRunConfig } from "./config.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-config-"));
const credentialFile = path.join(dir, "credential");
fs.writeFileSync(credentialFile, `wba_${"x".repeat(40)}`, { mode: 0o600 });
/** An environment with only these variables (NODE_ENV is not one the agent reads). */
const env = (vars: Record<string, string> = {}) => vars as unknown as NodeJS.ProcessEnv;
const base = {
  server: "https://workbench.example.com",
  "credential-file": credentialFile,
  "public-key": ["/etc/workbench-agent/signing-key.pub.pem"],
  bpftrace: "sh",
  setpriv: "sh",
};

describe("the agent's configuration", () => {
  it("keeps the local stop switch beside the rest of its configuration, and an offline grace of a minute, by default", () => {
    const config = resolveRunConfig(base, env());
    expect(config.stopFile).toBe("/etc/workbench-agent/stop");
    expect(config.offlineGraceMs).toBe(60_000);
  });

  it("takes both from flags or the environment", () => {
    const fromEnv = resolveRunConfig(base, env({ WORKBENCH_AGENT_STOP_FILE: "/run/wb/stop", WORKBENCH_AGENT_OFFLINE_GRACE_SEC: "5" }));
    expect([fromEnv.stopFile, fromEnv.offlineGraceMs]).toEqual(["/run/wb/stop", 5000]);
    const fromFlags = resolveRunConfig({ ...base, "stop-file": "/srv/stop", "offline-grace-sec": "90" }, env({ WORKBENCH_AGENT_STOP_FILE: "/run/wb/stop" }));
    expect([fromFlags.stopFile, fromFlags.offlineGraceMs]).toEqual(["/srv/stop", 90_000]);
  });

  it("refuses a relative switch path and a grace below a second, naming the flag", () => {
    expect(() => resolveRunConfig({ ...base, "stop-file": "stop" }, env())).toThrow(/--stop-file \(or WORKBENCH_AGENT_STOP_FILE\): must be an absolute path/);
    expect(() => resolveRunConfig({ ...base, "offline-grace-sec": "0" }, env())).toThrow(/--offline-grace-sec \(or WORKBENCH_AGENT_OFFLINE_GRACE_SEC\)/);
  });
});
