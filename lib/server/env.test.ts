import { describe, expect, it } from "vitest";
import { EnvError, loadServerEnv } from "./env.ts";

const BASE = {
  DATABASE_URL: "postgresql://localhost/workbench",
  NEXTAUTH_SECRET: "x".repeat(40),
  WORKBENCH_SIGNING_KEY_FILE: "/dev/null",
};
const load = (vars: Record<string, string>) => loadServerEnv({ ...BASE, ...vars } as Record<string, string> as NodeJS.ProcessEnv);

describe("frame retention setting", () => {
  it("keeps frames of ended runs 14 days unless told otherwise; 0 keeps them all", () => {
    expect(load({}).WORKBENCH_FRAME_RETENTION_DAYS).toBe(14);
    expect(load({ WORKBENCH_FRAME_RETENTION_DAYS: "90" }).WORKBENCH_FRAME_RETENTION_DAYS).toBe(90);
    expect(load({ WORKBENCH_FRAME_RETENTION_DAYS: "0" }).WORKBENCH_FRAME_RETENTION_DAYS).toBe(0);
  });

  it("refuses to start with a retention that is not a whole number of days, naming the variable", () => {
    for (const value of ["-1", "1.5", "two weeks", "4000"]) {
      expect(() => load({ WORKBENCH_FRAME_RETENTION_DAYS: value })).toThrow(EnvError);
      expect(() => load({ WORKBENCH_FRAME_RETENTION_DAYS: value })).toThrow(/WORKBENCH_FRAME_RETENTION_DAYS/);
    }
  });
});
