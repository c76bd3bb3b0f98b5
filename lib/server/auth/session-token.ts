import "server-only";
import { decode } from "next-auth/jwt";
import { getDb } from "@/lib/server/db/client.ts";
import { loadServerEnv } from "@/lib/server/env.ts";
import { loadSessionActor } from "@/lib/server/data/users.ts";
import type { Actor } from "./permissions.ts";

// Reading a session from its cookie value, without Next's request context:
// the socket server (outside Next) and the pages (inside it) share this.

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
