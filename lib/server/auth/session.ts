import "server-only";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { decode } from "next-auth/jwt";
import { getDb } from "@/lib/server/db/client.ts";
import { loadServerEnv } from "@/lib/server/env.ts";
import { loadSessionActor } from "@/lib/server/data/users.ts";
import { AppError } from "@/lib/server/errors.ts";
import { authorize, can, type Action, type Actor } from "./permissions.ts";

// next-auth names its cookie with the __Secure- prefix when served over https.
export const SESSION_COOKIE_NAMES = ["__Secure-next-auth.session-token", "next-auth.session-token"] as const;

/** The user behind a session cookie value; null for a missing, forged, expired or signed-out session. */
export async function actorFromSessionToken(token: string | undefined): Promise<Actor | null> {
  if (!token) return null;
  let sid: unknown;
  try {
    sid = (await decode({ token, secret: loadServerEnv().NEXTAUTH_SECRET }))?.sid;
  } catch {
    return null;
  }
  return typeof sid === "string" ? loadSessionActor(getDb(), sid) : null;
}

export function sessionTokenFromCookieHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const cookies = new Map(
    header.split(";").map((part) => {
      const index = part.indexOf("=");
      return [part.slice(0, index).trim(), decodeURIComponent(part.slice(index + 1).trim())] as const;
    }),
  );
  return SESSION_COOKIE_NAMES.map((name) => cookies.get(name)).find(Boolean);
}

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
