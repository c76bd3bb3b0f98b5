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

/**
 * The session cookie's value from a Cookie header, as the socket handshake
 * gets it. Any cookie of the site may be badly %-escaped (set by another app
 * on the same host, or by hand): that one is skipped, so it cannot keep a
 * valid session from connecting. A malformed session cookie is no session.
 * Read the way Next.js reads cookies for the pages (skip what does not
 * decode, the last of two same-named cookies wins), so a page and its live
 * socket always see the same session.
 */
export function sessionTokenFromCookieHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const cookies = new Map<string, string>();
  for (const part of header.split(";")) {
    const index = part.indexOf("=");
    if (index < 0) continue;
    const name = part.slice(0, index).trim();
    try {
      cookies.set(name, decodeURIComponent(part.slice(index + 1).trim()));
    } catch {
      // not %-escaped properly: not a cookie this server set
    }
  }
  return SESSION_COOKIE_NAMES.map((name) => cookies.get(name)).find(Boolean);
}
