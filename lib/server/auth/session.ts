import "server-only";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { AppError } from "@/lib/server/errors.ts";
import { authorize, can, type Action, type Actor } from "./permissions.ts";
import { SESSION_COOKIE_NAMES, actorFromSessionToken } from "./session-token.ts";

export async function getCurrentActor(): Promise<Actor | null> {
  const store = await cookies();
  return actorFromSessionToken(SESSION_COOKIE_NAMES.map((name) => store.get(name)?.value).find(Boolean));
}

/** For route handlers: the signed-in user allowed to do `action`, or an AppError (401/403). */
export async function requireActor(action: Action): Promise<Actor> {
  const actor = await getCurrentActor();
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
