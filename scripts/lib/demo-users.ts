import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import type { Db } from "@/lib/server/db/client.ts";
import type { Role } from "@/lib/server/db/generated/enums.ts";
import { hashPassword } from "@/lib/server/auth/password.ts";
import { findActorByEmail, upsertUser } from "@/lib/server/data/users.ts";

export type DemoUser = { email: string; name: string; roles: Role[]; password: string };

const DEMO_USERS: Omit<DemoUser, "password">[] = [
  { email: "engineer@workbench.local", name: "Erin Engineer", roles: ["ENGINEER"] },
  { email: "reviewer@workbench.local", name: "Rae Reviewer", roles: ["REVIEWER"] },
  { email: "sre@workbench.local", name: "Sam SRE", roles: ["SRE"] },
  { email: "admin@workbench.local", name: "Ada Admin", roles: ["ADMIN"] },
  { email: "security@workbench.local", name: "Sid Security", roles: ["SECURITY_REVIEWER"] },
  // Writes and reviews: shows that nobody approves their own work, whatever their roles.
  { email: "lead@workbench.local", name: "Lee Lead", roles: ["ENGINEER", "REVIEWER"] },
];

/**
 * One demo user per role, created when missing. Passwords are random, made
 * when the user is created and kept in the data directory (mode 0600), so the
 * launcher can print them again. A demo user that exists is left alone: an
 * admin's later changes to its roles, password or state stand.
 */
export async function seedDemoUsers(db: Db, dataDir: string): Promise<DemoUser[]> {
  const file = path.join(dataDir, "demo-users.json");
  const known: Record<string, string> = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
  const users: DemoUser[] = [];
  for (const user of DEMO_USERS) {
    const existing = await findActorByEmail(db, user.email);
    if (existing) {
      users.push({ ...user, roles: existing.roles, password: known[user.email] ?? "(set before this data directory)" });
      continue;
    }
    const password = randomBytes(9).toString("base64url");
    await upsertUser(db, { email: user.email, name: user.name, roles: user.roles, passwordHash: await hashPassword(password) });
    users.push({ ...user, password });
  }
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(Object.fromEntries(users.map((u) => [u.email, u.password])), null, 2), { mode: 0o600 });
  return users;
}

export function formatDemoUsers(users: DemoUser[]): string {
  return users.map((u) => `  ${u.roles.join(",").toLowerCase().padEnd(10)} ${u.email.padEnd(28)} ${u.password}`).join("\n");
}
