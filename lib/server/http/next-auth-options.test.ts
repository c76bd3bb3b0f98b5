import { describe, expect, it } from "vitest";
import { EnvError, loadServerEnv as loadEnv } from "@/lib/server/env.ts";
import { configuredProviders, redirectWithinSite, signInChoices } from "./next-auth-options.ts";

const loadServerEnv = (vars: Record<string, string>) => loadEnv(vars as NodeJS.ProcessEnv);

const BASE = {
  DATABASE_URL: "postgresql://localhost/workbench",
  NEXTAUTH_SECRET: "x".repeat(40),
  WORKBENCH_SIGNING_KEY_FILE: "/dev/null",
};
const OIDC = {
  WORKBENCH_OIDC_ISSUER: "https://idp.example.com/realms/ops/",
  WORKBENCH_OIDC_CLIENT_ID: "workbench",
  WORKBENCH_OIDC_CLIENT_SECRET: "oidc-client-secret-value",
};

describe("sign-in providers from the environment", () => {
  it("offers email and password alone by default", () => {
    expect(configuredProviders(loadServerEnv(BASE)).map((p) => p.id)).toEqual(["credentials"]);
  });

  it("adds an OpenID Connect provider from its issuer, client id and secret, with no code change", () => {
    const env = loadServerEnv({ ...BASE, ...OIDC, WORKBENCH_AUTH_PROVIDERS: "credentials, oidc", WORKBENCH_OIDC_NAME: "Acme SSO" });
    const [credentials, oidc] = configuredProviders(env);
    expect(credentials!.id).toBe("credentials");
    expect(oidc).toMatchObject({
      id: "oidc",
      name: "Acme SSO",
      type: "oauth",
      wellKnown: "https://idp.example.com/realms/ops/.well-known/openid-configuration",
      clientId: "workbench",
      idToken: true,
      checks: ["pkce", "state", "nonce"],
      authorization: { params: { scope: "openid email profile" } },
    });
    // The login page learns the buttons to draw, never the client secret.
    const choices = signInChoices(env);
    expect(choices).toEqual([
      { id: "credentials", name: "Email and password", type: "credentials" },
      { id: "oidc", name: "Acme SSO", type: "oauth" },
    ]);
    expect(JSON.stringify(choices)).not.toContain(OIDC.WORKBENCH_OIDC_CLIENT_SECRET);
  });

  it("can offer single sign-on alone", () => {
    expect(signInChoices(loadServerEnv({ ...BASE, ...OIDC, WORKBENCH_AUTH_PROVIDERS: "oidc" })).map((p) => p.id)).toEqual(["oidc"]);
  });

  it("refuses to start with an incomplete or unknown provider, naming the variable", () => {
    expect(() => loadServerEnv({ ...BASE, WORKBENCH_AUTH_PROVIDERS: "credentials,oidc", WORKBENCH_OIDC_CLIENT_ID: "x" })).toThrow(
      /WORKBENCH_OIDC_ISSUER: oidc needs WORKBENCH_OIDC_ISSUER, WORKBENCH_OIDC_CLIENT_ID and WORKBENCH_OIDC_CLIENT_SECRET/,
    );
    expect(() => loadServerEnv({ ...BASE, WORKBENCH_AUTH_PROVIDERS: "credentials,saml" })).toThrow(EnvError);
    expect(() => loadServerEnv({ ...BASE, WORKBENCH_AUTH_PROVIDERS: "credentials,saml" })).toThrow(/unknown provider "saml"/);
  });
});

describe("where next-auth sends a browser after signing in or out", () => {
  const baseUrl = "https://workbench.example.com";

  it("follows a path of the workbench, absolute or relative", () => {
    expect(redirectWithinSite({ url: "/runs/abc?tab=live", baseUrl })).toBe("https://workbench.example.com/runs/abc?tab=live");
    expect(redirectWithinSite({ url: "https://workbench.example.com/login", baseUrl })).toBe("https://workbench.example.com/login");
  });

  it("ends on the start page for a callbackUrl on another site, however it is spelled", () => {
    for (const url of ["/\\evil.example", "/\t/evil.example", "//evil.example", "https://evil.example/", "javascript:alert(1)", "https://workbench.example.com.evil.example/"]) {
      expect(redirectWithinSite({ url, baseUrl }), url).toBe("https://workbench.example.com/");
    }
  });
});
