import { describe, expect, it } from "vitest";
import { groupRolesSetting, rolesForGroups } from "./group-roles.ts";

describe("WORKBENCH_OIDC_GROUP_ROLES", () => {
  it("maps each group to its roles, a group named twice giving both, in any case", () => {
    const mapping = groupRolesSetting.parse("platform-sre=SRE, secops=security_reviewer,secops=reviewer,dev=engineer");
    expect(rolesForGroups(mapping, ["dev", "secops", "unknown"])).toEqual(["ENGINEER", "REVIEWER", "SECURITY_REVIEWER"]);
    expect(rolesForGroups(mapping, "platform-sre")).toEqual(["SRE"]);
  });

  it("gives no role for a claim that is not a list of strings", () => {
    const mapping = groupRolesSetting.parse("dev=ENGINEER");
    expect(rolesForGroups(mapping, undefined)).toEqual([]);
    expect(rolesForGroups(mapping, [{ name: "dev" }])).toEqual([]);
    expect(rolesForGroups(mapping, { dev: true })).toEqual([]);
  });

  it("refuses entries that are not group=ROLE with a known role, naming them", () => {
    const result = groupRolesSetting.safeParse("dev=ENGINEER,ops,=SRE,qa=TESTER");
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((issue) => issue.message)).toEqual([
      '"ops" is not group=ROLE',
      '"=SRE" is not group=ROLE',
      '"qa=TESTER": the role is one of ENGINEER, REVIEWER, SRE, ADMIN, SECURITY_REVIEWER',
    ]);
  });
});
