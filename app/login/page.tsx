import { signInChoices } from "@/lib/server/auth/auth-options.ts";
import { LoginForm } from "./login-form.tsx";

// What next-auth puts in ?error= when a redirect-based sign-in (single
// sign-on) ends back here; anything else gets the generic sentence.
const REDIRECT_ERRORS: Record<string, string> = {
  AccessDenied: "Your single sign-on account has no access to the workbench. Ask an admin to add a user with your email.",
  OAuthSignin: "Single sign-on could not start. Try again; if it keeps failing, tell an admin.",
  OAuthCallback: "Single sign-on did not complete. Try again; if it keeps failing, tell an admin.",
};

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string; error?: string }> }) {
  const { callbackUrl, error } = await searchParams;
  // Only same-site paths: an open redirect after sign-in is a phishing aid.
  const target = callbackUrl?.startsWith("/") && !callbackUrl.startsWith("//") ? callbackUrl : "/programs";
  return (
    <main className="login">
      <h1>Sign in</h1>
      <LoginForm callbackUrl={target} providers={signInChoices()} redirectError={error ? (REDIRECT_ERRORS[error] ?? "Signing in failed. Try again.") : null} />
    </main>
  );
}
