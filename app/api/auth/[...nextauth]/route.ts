import NextAuth from "next-auth";
import { getAuthOptions, OIDC_PROVIDER_ID } from "@/lib/server/http/next-auth-options.ts";

/**
 * An identity provider that refuses a sign-in comes back with `?error=` (RFC
 * 6749 §4.1.2.1), which next-auth turns into a generic "Callback" failure.
 * The sign-in page says what the OAuth error code means instead; the
 * provider's own error_description is not shown (anyone can write it into a
 * link).
 */
function providerRefusal(request: Request, segments: string[]): Response | null {
  if (request.method !== "GET" || segments.join("/") !== `callback/${OIDC_PROVIDER_ID}`) return null;
  const code = new URL(request.url).searchParams.get("error");
  if (!code) return null;
  const error = code === "access_denied" ? "SsoRefusedByProvider" : "OAuthCallback";
  return new Response(null, { status: 302, headers: { location: `/login?error=${error}`, "cache-control": "no-store" } });
}

// next-auth's own endpoints (sign-in, sign-out, CSRF token, session).
async function handler(request: Request, context: { params: Promise<{ nextauth: string[] }> }) {
  const refused = providerRefusal(request, (await context.params).nextauth);
  if (refused) return refused;
  return NextAuth(request as never, context as never, getAuthOptions());
}

export { handler as GET, handler as POST };
