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

describe("scaling out", () => {
  it("runs one process unless told otherwise, and refuses several without Redis to share frames through", () => {
    expect(load({}).WORKBENCH_PROCESSES).toBe(1);
    expect(() => load({ WORKBENCH_PROCESSES: "2" })).toThrow(/WORKBENCH_PROCESSES: several server processes share frames and sockets through Redis/);
    const env = load({ WORKBENCH_PROCESSES: "2", WORKBENCH_REDIS_URL: "redis://127.0.0.1:6379" });
    expect(env.WORKBENCH_PROCESSES).toBe(2);
    expect(env.WORKBENCH_REDIS_CHANNEL_PREFIX).toBe("workbench");
  });

  it("refuses a Redis address that is not a redis:// URL, and pool sizes out of range, naming the variable", () => {
    expect(() => load({ WORKBENCH_REDIS_URL: "127.0.0.1:6379" })).toThrow(/WORKBENCH_REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(() => load({ WORKBENCH_DB_POOL_SIZE: "2" })).toThrow(/WORKBENCH_DB_POOL_SIZE/);
    expect(() => load({ WORKBENCH_HOT_PATH_POOL_SIZE: "500" })).toThrow(/WORKBENCH_HOT_PATH_POOL_SIZE/);
  });
});

describe("hosts per approval", () => {
  it("lets one approval sign for 5,000 hosts unless told otherwise", () => {
    expect(load({}).WORKBENCH_MAX_HOSTS_PER_APPROVAL).toBe(5000);
    expect(load({ WORKBENCH_MAX_HOSTS_PER_APPROVAL: "200" }).WORKBENCH_MAX_HOSTS_PER_APPROVAL).toBe(200);
  });

  it("refuses to start with a cap that is not a whole number from 1 to 20,000, naming the variable", () => {
    for (const value of ["0", "-5", "2.5", "many", "20001"]) {
      expect(() => load({ WORKBENCH_MAX_HOSTS_PER_APPROVAL: value }), value).toThrow(/WORKBENCH_MAX_HOSTS_PER_APPROVAL/);
    }
  });
});

describe("single sign-on settings", () => {
  const oidc = { WORKBENCH_AUTH_PROVIDERS: "oidc", WORKBENCH_OIDC_ISSUER: "https://idp.example.com", WORKBENCH_OIDC_CLIENT_ID: "wb", WORKBENCH_OIDC_CLIENT_SECRET: "s" };

  it("asks for openid email profile unless told otherwise, and refuses scopes without openid", () => {
    expect(load(oidc).WORKBENCH_OIDC_SCOPES).toBe("openid email profile");
    expect(load({ ...oidc, WORKBENCH_OIDC_SCOPES: "openid email profile groups" }).WORKBENCH_OIDC_SCOPES).toBe("openid email profile groups");
    expect(() => load({ ...oidc, WORKBENCH_OIDC_SCOPES: "email profile" })).toThrow(/WORKBENCH_OIDC_SCOPES: the scopes must include openid/);
    expect(() => load({ ...oidc, WORKBENCH_OIDC_SCOPES: 'openid "groups"' })).toThrow(/WORKBENCH_OIDC_SCOPES: space-separated scope names/);
  });

  it("leaves roles to the Users page without a group mapping, and refuses a mapping it cannot read, naming the entry", () => {
    expect(load(oidc).WORKBENCH_OIDC_GROUP_ROLES).toBeUndefined();
    expect([...load({ ...oidc, WORKBENCH_OIDC_GROUP_ROLES: "ops=SRE" }).WORKBENCH_OIDC_GROUP_ROLES!]).toEqual([["ops", ["SRE"]]]);
    expect(() => load({ ...oidc, WORKBENCH_OIDC_GROUP_ROLES: "ops=ROOT" })).toThrow(/WORKBENCH_OIDC_GROUP_ROLES: "ops=ROOT": the role is one of/);
  });
});

describe("metrics token", () => {
  it("treats an empty token as none (metrics off), and refuses a short one", () => {
    expect(load({ WORKBENCH_METRICS_TOKEN: "" }).WORKBENCH_METRICS_TOKEN).toBeUndefined();
    expect(() => load({ WORKBENCH_METRICS_TOKEN: "short" })).toThrow(/WORKBENCH_METRICS_TOKEN: must be at least 24 characters/);
  });
});
