import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PERMISSIONS, type Action } from "./permissions.ts";

// docs/http-api.md's role table is what API users read; PERMISSIONS is what the server enforces
// (and what the authorization walk checks every route against). They must say the same thing.
const DOCS = readFileSync(path.join(import.meta.dirname, "../../../docs/http-api.md"), "utf8");

/** `| \`a\`, \`b\` | engineer, security reviewer; never ... |` -> each action with its roles. */
function documentedRoleTable(): Map<string, string[]> {
  const section = DOCS.slice(DOCS.indexOf("## Roles"), DOCS.indexOf("## Routes"));
  const table = new Map<string, string[]>();
  for (const line of section.split("\n")) {
    const cells = /^\|\s*(`[^|]+)\|\s*([^|]+)\|\s*$/.exec(line);
    if (!cells) continue;
    const roles = cells[2]!
      .split(/[;(]/)[0]!
      .split(",")
      .map((role) => role.trim().toUpperCase().replace(" ", "_"))
      .filter(Boolean)
      .sort();
    for (const action of cells[1]!.matchAll(/`([^`]+)`/g)) table.set(action[1]!, roles);
  }
  return table;
}

describe("the permission table", () => {
  it("is the role table docs/http-api.md shows, action by action", () => {
    const documented = documentedRoleTable();
    const enforced = new Map(Object.entries(PERMISSIONS).map(([action, roles]) => [action, [...roles].sort()]));
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(enforced));
  });

  it("lets a security reviewer read incidents: the context of the elevated probes they approve", () => {
    expect(PERMISSIONS["incident.read" satisfies Action]).toContain("SECURITY_REVIEWER");
  });
});
