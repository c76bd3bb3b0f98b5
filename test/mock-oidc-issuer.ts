import { createHash, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

// A MOCK OpenID Connect issuer for tests: discovery, an authorization endpoint
// that "signs in" whoever the test says without asking, a token endpoint that
// checks the client secret and PKCE and returns an RS256-signed ID token, and
// the JWKS to verify it. Nothing like a real identity provider beyond the
// wire format; it lets the tests drive the workbench's real OIDC sign-in.

export type MockIdentity = { sub: string; email?: string; email_verified?: boolean; name?: string };

export type MockOidcIssuer = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Who the next authorization request signs in as. */
  signInAs(identity: MockIdentity): void;
  close(): Promise<void>;
};

const base64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

async function readBody(req: IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of req) body += chunk;
  return body;
}

export async function startMockOidcIssuer(): Promise<MockOidcIssuer> {
  const clientId = "workbench-test";
  const clientSecret = randomBytes(16).toString("hex");
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = "mock-key-1";
  let identity: MockIdentity | null = null;
  const codes = new Map<string, { identity: MockIdentity; codeChallenge: string | null; redirectUri: string; nonce: string | null }>();
  let issuer = "";

  const idToken = (claims: MockIdentity, nonce: string | null) => {
    const now = Math.floor(Date.now() / 1000);
    const header = base64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid }));
    const payload = base64url(JSON.stringify({ ...claims, iss: issuer, aud: clientId, iat: now, exp: now + 300, ...(nonce ? { nonce } : {}) }));
    return `${header}.${payload}.${base64url(sign("sha256", Buffer.from(`${header}.${payload}`), privateKey))}`;
  };

  const answer = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", issuer);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === "/.well-known/openid-configuration") {
      return json(200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
        code_challenge_methods_supported: ["S256"],
        scopes_supported: ["openid", "email", "profile"],
      });
    }
    if (url.pathname === "/jwks") {
      return json(200, { keys: [{ ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" }] });
    }
    if (url.pathname === "/authorize") {
      const redirectUri = url.searchParams.get("redirect_uri");
      if (!identity || !redirectUri || url.searchParams.get("client_id") !== clientId) return json(400, { error: "invalid_request" });
      const code = randomBytes(16).toString("hex");
      codes.set(code, { identity, codeChallenge: url.searchParams.get("code_challenge"), redirectUri, nonce: url.searchParams.get("nonce") });
      const back = new URL(redirectUri);
      back.searchParams.set("code", code);
      if (url.searchParams.get("state")) back.searchParams.set("state", url.searchParams.get("state")!);
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    if (url.pathname === "/token" && req.method === "POST") {
      const form = new URLSearchParams(await readBody(req));
      const basic = req.headers.authorization?.startsWith("Basic ")
        ? Buffer.from(req.headers.authorization.slice(6), "base64").toString().split(":").map(decodeURIComponent)
        : [form.get("client_id"), form.get("client_secret")];
      if (basic[0] !== clientId || basic[1] !== clientSecret) return json(401, { error: "invalid_client" });
      const grant = codes.get(form.get("code") ?? "");
      codes.delete(form.get("code") ?? "");
      if (!grant || grant.redirectUri !== form.get("redirect_uri")) return json(400, { error: "invalid_grant" });
      if (grant.codeChallenge) {
        const verifier = form.get("code_verifier") ?? "";
        if (base64url(createHash("sha256").update(verifier).digest()) !== grant.codeChallenge) return json(400, { error: "invalid_grant", error_description: "PKCE" });
      }
      return json(200, { access_token: randomBytes(16).toString("hex"), token_type: "Bearer", expires_in: 300, id_token: idToken(grant.identity, grant.nonce) });
    }
    json(404, { error: "not_found" });
  };
  // A request that fails half-way is answered 500 rather than left hanging.
  const server = createServer((req, res) => {
    answer(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    clientId,
    clientSecret,
    signInAs: (next) => (identity = next),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
