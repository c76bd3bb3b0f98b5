import NextAuth from "next-auth";
import { getAuthOptions } from "@/lib/server/http/next-auth-options.ts";

// next-auth's own endpoints (sign-in, sign-out, CSRF token, session).
async function handler(request: Request, context: { params: Promise<{ nextauth: string[] }> }) {
  return NextAuth(request as never, context as never, getAuthOptions());
}

export { handler as GET, handler as POST };
