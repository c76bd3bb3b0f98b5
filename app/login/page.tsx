import { signInChoices } from "@/lib/server/http/next-auth-options.ts";
import { loadServerEnv } from "@/lib/server/env.ts";
import { sameOriginPath } from "@/lib/shared/same-origin-path.ts";
import { LoginForm } from "./login-form.tsx";

// What next-auth puts in ?error= when a redirect-based sign-in (single
// sign-on) ends back here; anything else gets the generic sentence.
// The Sso* codes are the workbench's own refusals (SINGLE_SIGN_ON_ERRORS in
// lib/server/http/next-auth-options.ts, and the provider's access_denied in
// app/api/auth/[...nextauth]/route.ts).
const REDIRECT_ERRORS: Record<string, string> = {
  AccessDenied: "Your single sign-on account has no access to the workbench. Ask an admin to add a user with your email.",
  SsoNoEmail: "Your identity provider did not tell the workbench your email, so it cannot tell who you are. Ask an admin to check the single sign-on setup.",
  SsoEmailUnverified: "Your identity provider has not verified the email on your account, so the workbench cannot tell who you are. Verify it there, then sign in again.",
  SsoNoAccount: "No workbench user has the email your identity provider gave. Ask an admin to add a user with your email.",
  SsoAccountDisabled: "Your workbench account is disabled. Ask an admin to enable it.",
  SsoNoRole: "None of your groups at the identity provider gives a role in the workbench. Ask an admin which group you need.",
  SsoRefusedByProvider: "Your identity provider refused to sign you in (your account there may be disabled). Ask whoever runs it.",
  OAuthSignin: "Single sign-on could not start. Try again; if it keeps failing, tell an admin.",
  OAuthCallback:
    "Single sign-on was refused: the identity provider's answer did not match this sign-in (its state or nonce) or had expired. Nothing was signed in; start again from this page.",
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
