import "server-only";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { getDb } from "@/lib/server/db/client.ts";
import { loadServerEnv } from "@/lib/server/env.ts";
import { AppError } from "@/lib/server/errors.ts";
import { clientAddress } from "@/lib/server/http/client-address.ts";
import { authenticateApiToken, bearerTokenOf } from "@/lib/server/use-cases/authenticate-api-token.ts";
import { authorize, can, type Action, type Actor } from "./permissions.ts";
import { SESSION_COOKIE_NAMES, actorFromSessionToken } from "./session-token.ts";

export async function getCurrentActor(): Promise<Actor | null> {
  const store = await cookies();
  return actorFromSessionToken(SESSION_COOKIE_NAMES.map((name) => store.get(name)?.value).find(Boolean));
}

/**
 * For route handlers: the caller allowed to do `action`, or an AppError
 * (401/403). A request with an Authorization header is judged by it alone
 * (an API token, narrowed to its scopes), whatever cookie it also carries;
 * otherwise by the session cookie.
 */
export async function requireActor(action: Action, headers: Headers): Promise<Actor> {
  const authorization = headers.get("authorization");
  let actor: Actor | null;
  if (authorization !== null) {
    const address = clientAddress(Object.fromEntries(headers), { trustProxy: loadServerEnv().WORKBENCH_TRUST_PROXY });
    actor = await authenticateApiToken(getDb(), bearerTokenOf(authorization), address);
  } else {
    actor = await getCurrentActor();
  }
  if (!actor) throw new AppError("UNAUTHENTICATED", "Sign in first.");
  authorize(actor, action);
  return actor;
}

/**
 * For server-rendered pages: sends a signed-out visitor to the sign-in page.
 * A signed-in user without the role gets null, and the page says so.
 */
export async function requirePageActor(action: Action, returnTo: string): Promise<{ actor: Actor; allowed: boolean }> {
  const actor = await getCurrentActor();
  if (!actor) redirect(`/login?callbackUrl=${encodeURIComponent(returnTo)}`);
  return { actor, allowed: can(actor, action) };
}
