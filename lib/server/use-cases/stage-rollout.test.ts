import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/server/errors.ts";
import { planRollout } from "./stage-rollout.ts";

const hosts = [
  { id: "h3", name: "web-3" },
  { id: "h1", name: "web-1" },
  { id: "h2", name: "web-2" },
];

describe("choosing a launch's canary", () => {
  it("is the first host by name unless the rule names hosts, and every order signs the same rule", () => {
    expect(planRollout({ hosts: [], periodSec: 10 }, hosts)).toEqual({ canaries: [{ id: "h1", name: "web-1" }], signed: { canaryHosts: ["web-1"], periodSec: 10 } });
    expect(planRollout({ hosts: ["web-3", "web-9"], periodSec: 30 }, hosts)).toEqual({
      canaries: [{ id: "h3", name: "web-3" }],
      signed: { canaryHosts: ["web-3"], periodSec: 30 },
    });
  });

  it("stages nothing for one host, no rule, a rule of 0 s, or a canary that is every host", () => {
    expect(planRollout({ hosts: [], periodSec: 10 }, [hosts[0]!])).toBeNull();
    expect(planRollout(null, hosts)).toBeNull();
    expect(planRollout({ hosts: [], periodSec: 0 }, hosts)).toBeNull();
    expect(planRollout({ hosts: ["web-1", "web-2", "web-3"], periodSec: 10 }, hosts)).toBeNull();
  });

  it("refuses when none of the named canary hosts is among the launch's hosts any more", () => {
    expect(() => planRollout({ hosts: ["db-1"], periodSec: 10 }, hosts)).toThrow(AppError);
  });
});
