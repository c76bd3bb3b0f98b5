"use client";

import { useState } from "react";
import { signIn } from "next-auth/react";
import { sameOriginPath } from "@/lib/shared/same-origin-path.ts";

type Provider = { id: string; name: string; type: "credentials" | "oauth" };

// The server's throttling answer, `TooManyAttempts:<minutes>` (THROTTLED_SIGN_IN_ERROR
// in lib/server/http/next-auth-options.ts). It is counted per email typed, so it
// reads the same whether or not an account has that email.
const THROTTLED = /^TooManyAttempts:(\d+)$/;

function describeError(error: string): string {
  const throttled = THROTTLED.exec(error);
  if (!throttled) return "Wrong email or password.";
  const minutes = Number(throttled[1]);
  return `Too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
}

export function LoginForm({ callbackUrl, providers, redirectError }: { callbackUrl: string; providers: Provider[]; redirectError: string | null }) {
  const [error, setError] = useState<string | null>(redirectError);
  const [busy, setBusy] = useState(false);

  async function submit(form: FormData) {
    setBusy(true);
    setError(null);
    const result = await signIn("credentials", {
      email: String(form.get("email") ?? ""),
      password: String(form.get("password") ?? ""),
      redirect: false,
    });
    setBusy(false);
    if (!result || result.error) {
      setError(describeError(result?.error ?? ""));
      return;
    }
    // Checked again here, against the origin the browser is really on: the
    // prop came from a URL anyone can write.
    window.location.assign(sameOriginPath(callbackUrl, window.location.origin));
  }

  const withPassword = providers.some((provider) => provider.type === "credentials");
  const singleSignOn = providers.filter((provider) => provider.type === "oauth");
  return (
    <>
      {withPassword && (
        <form className="panel" action={submit}>
          <div className="form-row">
            <label htmlFor="email">Email</label>
            <input id="email" name="email" type="email" autoComplete="username" required />
          </div>
          <div className="form-row">
            <label htmlFor="password">Password</label>
            <input id="password" name="password" type="password" autoComplete="current-password" required />
          </div>
          <button className="primary" type="submit" disabled={busy}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </form>
      )}
      {singleSignOn.map((provider) => (
        <div className="panel" key={provider.id}>
          <button
            type="button"
            className={withPassword ? undefined : "primary"}
            onClick={() => void signIn(provider.id, { callbackUrl: sameOriginPath(callbackUrl, window.location.origin) })}
          >
            Sign in with {provider.name}
          </button>
        </div>
      ))}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
