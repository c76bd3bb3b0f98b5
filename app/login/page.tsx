import { signInChoices } from "@/lib/server/http/next-auth-options.ts";
import { loadServerEnv } from "@/lib/server/env.ts";
import { sameOriginPath } from "@/lib/shared/same-origin-path.ts";
import { LoginForm } from "./login-form.tsx";

// What next-auth puts in ?error= when a redirect-based sign-in (single
// sign-on) ends back here; anything else gets the generic sentence.
const REDIRECT_ERRORS: Record<string, string> = {
  AccessDenied: "Your single sign-on account has no access to the workbench. Ask an admin to add a user with your email.",
  OAuthSignin: "Single sign-on could not start. Try again; if it keeps failing, tell an admin.",
  OAuthCallback: "Single sign-on did not complete. Try again; if it keeps failing, tell an admin.",
};

// Stands for "this site" when NEXTAUTH_URL is not set: relative targets
// resolve the same against any origin, and no absolute URL matches it.
const UNKNOWN_ORIGIN = "http://workbench.invalid";

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string; error?: string }> }) {
  const { callbackUrl, error } = await searchParams;
  // Only paths of this site: an open redirect after sign-in is a phishing aid.
  // The result is always a path, so an absolute URL is accepted only when it
  // names the configured public origin; the form checks again in the browser.
  const target = sameOriginPath(callbackUrl, loadServerEnv().NEXTAUTH_URL ?? UNKNOWN_ORIGIN);
  return (
    <main className="login">
      <h1>Sign in</h1>
      <LoginForm callbackUrl={target} providers={signInChoices()} redirectError={error ? (REDIRECT_ERRORS[error] ?? "Signing in failed. Try again.") : null} />
    </main>
  );
}
