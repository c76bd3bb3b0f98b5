import { getDb } from "@/lib/server/db/client.ts";
import { requirePageActor } from "@/lib/server/auth/session.ts";
import { SCOPE_GATE } from "@/lib/server/auth/token-scopes.ts";
import { can } from "@/lib/server/auth/permissions.ts";
import { loadServerEnv } from "@/lib/server/env.ts";
import { listApiTokens } from "@/lib/server/use-cases/list-api-tokens.ts";
import { TOKEN_SCOPE_NAMES, TOKEN_SCOPES } from "@/lib/shared/api-token.ts";
import { Forbidden } from "@/components/layout/forbidden.tsx";
import { CreateTokenForm } from "./create-token-form.tsx";
import { TokenTable } from "./token-table.tsx";

export default async function AccountPage() {
  const { actor, allowed } = await requirePageActor("token.manage", "/account");
  if (!allowed) return <Forbidden what="manage API tokens" />;
  const tokens = await listApiTokens(getDb(), actor);
  // Only the scopes this user's roles allow are offered: a token never does more than its user.
  const scopes = TOKEN_SCOPE_NAMES.filter((scope) => can(actor, SCOPE_GATE[scope])).map((scope) => ({ scope, description: TOKEN_SCOPES[scope] }));
  return (
    <main>
      <h1>Your account</h1>
      <p className="muted">
        {actor.name} ({actor.email}) · {actor.roles.map((r) => r.toLowerCase()).join(", ")}
      </p>
      <h2>API tokens</h2>
      <p className="muted">
        For scripts and the <code>workbench</code> terminal client (<code>Authorization: Bearer TOKEN</code>). A token acts as you, limited to its scopes, and stops working when it
        expires, when you revoke it, or when your account is disabled.
      </p>
      <CreateTokenForm scopes={scopes} maxDays={loadServerEnv().WORKBENCH_MAX_TOKEN_DAYS} />
      <TokenTable
        tokens={tokens.map((t) => ({
          id: t.id,
          name: t.name,
          scopes: t.scopes,
          createdAt: t.createdAt.toISOString(),
          expiresAt: t.expiresAt.toISOString(),
          revokedAt: t.revokedAt?.toISOString() ?? null,
          lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
          lastUsedFrom: t.lastUsedFrom,
        }))}
      />
    </main>
  );
}
