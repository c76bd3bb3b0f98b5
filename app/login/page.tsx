import { LoginForm } from "./login-form.tsx";

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string }> }) {
  const { callbackUrl } = await searchParams;
  // Only same-site paths: an open redirect after sign-in is a phishing aid.
  const target = callbackUrl?.startsWith("/") && !callbackUrl.startsWith("//") ? callbackUrl : "/programs";
  return (
    <main className="login">
      <h1>Sign in</h1>
      <LoginForm callbackUrl={target} />
    </main>
  );
}
