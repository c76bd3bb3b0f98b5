import { randomBytes } from "node:crypto";
import { NextResponse, type NextRequest } from "next/server";
import { API_HEADERS, SECURITY_HEADERS, isApiPath, pageContentSecurityPolicy } from "@/lib/server/http/security-headers.ts";

// Next.js runs this before every request it serves (Next 16 calls middleware
// "proxy"). It sets the security headers, and gives each page request its own
// script nonce: Next.js reads the nonce from the request's
// Content-Security-Policy header and puts it on every script tag it renders.
// This is no authorization layer: routes and pages check the session themselves.

const dev = process.env.NODE_ENV !== "production";

export function proxy(request: NextRequest): NextResponse {
  const { pathname } = request.nextUrl;
  if (isApiPath(pathname)) return withHeaders(NextResponse.next(), API_HEADERS);
  // The build's own files (scripts, styles, fonts) are no page: no nonce to hand out.
  if (pathname.startsWith("/_next/static/")) return withHeaders(NextResponse.next(), SECURITY_HEADERS);
  // 128 random bits, fresh for every page: a nonce an attacker could predict is no nonce.
  const policy = pageContentSecurityPolicy(randomBytes(16).toString("base64"), { dev });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("content-security-policy", policy);
  return withHeaders(NextResponse.next({ request: { headers: requestHeaders } }), { ...SECURITY_HEADERS, "Content-Security-Policy": policy });
}

function withHeaders(response: NextResponse, headers: Readonly<Record<string, string>>): NextResponse {
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}
