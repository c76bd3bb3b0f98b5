import { getDb } from "@/lib/server/db/client.ts";
import { requirePageActor } from "@/lib/server/auth/session.ts";
import { listUserAccounts } from "@/lib/server/use-cases/list-user-accounts.ts";
import { ALL_ROLES, APPROVING_ROLES } from "@/lib/server/use-cases/user-administration.ts";
import { Forbidden } from "@/components/layout/forbidden.tsx";
import { CreateUserForm } from "./create-user-form.tsx";
import { UserRow } from "./user-row.tsx";

const when = (date: Date | null) => (date ? date.toISOString().replace("T", " ").slice(0, 16) : "never");

export default async function UsersPage() {
  const { actor, allowed } = await requirePageActor("user.manage", "/admin/users");
  if (!allowed) return <Forbidden what="manage users" />;
  const users = await listUserAccounts(getDb(), actor);
  return (
    <main>
      <h1>Users</h1>
      <p className="muted">
        Roles are read on every request: a change applies to the user&apos;s next click. Disabling an account ends its sessions at once. A role that approves programs (reviewer,
        security reviewer) comes from another admin, never from yourself. Every change is in the <a href="/admin/audit?targetType=user">audit trail</a>.
      </p>
      <table className="list" data-testid="users">
        <thead>
          <tr>
            <th>User</th>
            <th>Roles</th>
            <th>Last sign-in (UTC)</th>
            <th>Account</th>
          </tr>
        </thead>
        <tbody>
          {users.map((user) => (
            <UserRow
              key={user.id}
              user={{ id: user.id, name: user.name, email: user.email, roles: user.roles, disabled: !!user.disabledAt }}
              lastSignIn={when(user.lastSignInAt)}
              isSelf={user.id === actor.id}
              availableRoles={ALL_ROLES}
              approvingRoles={APPROVING_ROLES}
            />
          ))}
        </tbody>
      </table>
      <h2>Add a user</h2>
      <CreateUserForm availableRoles={ALL_ROLES} />
    </main>
  );
}
