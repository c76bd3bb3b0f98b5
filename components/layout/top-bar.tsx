import Link from "next/link";
import { getCurrentActor } from "@/lib/server/auth/session.ts";
import { can } from "@/lib/server/auth/permissions.ts";
import { SignOutButton } from "./sign-out-button.tsx";

export async function TopBar() {
  const actor = await getCurrentActor();
  return (
    <header className="topbar">
      <div className="topbar-inner">
        <Link href="/" className="brand">
          bpftrace workbench
        </Link>
        {actor && (
          <nav className="actions">
            <Link href="/programs">Programs</Link>
            <Link href="/runbooks">Runbooks</Link>
            {can(actor, "revision.review") && <Link href="/reviews">Reviews</Link>}
            <Link href="/runs">Runs</Link>
            {can(actor, "incident.read") && <Link href="/incidents">Incidents</Link>}
            <Link href="/hosts">Hosts</Link>
            <Link href="/api-reference">API</Link>
            {/* Admin pages: one link per page, each shown to whoever its action allows. */}
            {can(actor, "user.manage") && <Link href="/admin/users">Users</Link>}
            {can(actor, "audit.read") && <Link href="/admin/audit">Audit</Link>}
            {can(actor, "settings.update") && <Link href="/admin/settings">Settings</Link>}
            {can(actor, "signing-key.rotate") && <Link href="/admin/signing-keys">Signing keys</Link>}
          </nav>
        )}
        <span className="spacer" />
        {actor && (
          <>
            <Link href="/account" className="who" data-testid="signed-in-as" title="Your account and API tokens">
              {actor.name} · {actor.roles.map((r) => r.toLowerCase()).join(", ")}
            </Link>
            <SignOutButton />
          </>
        )}
      </div>
    </header>
  );
}
