import "server-only";
import { z } from "zod";
import { MAX_DURATION_SEC_CEILING } from "@/lib/shared/limits.ts";

// Every setting the server reads from its environment, validated once. The
// custom server calls loadServerEnv() before anything else, so a wrong value
// stops the start with a message naming the variable (see README).
const booleanFlag = z.enum(["0", "1", "true", "false"]).transform((v) => v === "1" || v === "true");

const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL"),
    NEXTAUTH_SECRET: z.string().min(32, "must be at least 32 characters (generate one with `openssl rand -base64 48`)"),
    NEXTAUTH_URL: z.url().optional(),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().default("0.0.0.0"),
    /** PEM (PKCS#8) Ed25519 private key, or a path to one in WORKBENCH_SIGNING_KEY_FILE. */
    WORKBENCH_SIGNING_KEY: z.string().optional(),
    WORKBENCH_SIGNING_KEY_FILE: z.string().optional(),
    WORKBENCH_MAX_DURATION_SEC: z.coerce.number().int().min(1).max(MAX_DURATION_SEC_CEILING).default(3600),
    /** How long a signed run order may wait for its agent before it expires. */
    WORKBENCH_RUN_ORDER_TTL_SEC: z.coerce.number().int().min(60).max(7 * 86_400).default(4 * 3600),
    WORKBENCH_SESSION_MAX_AGE_SEC: z.coerce.number().int().min(300).max(30 * 86_400).default(8 * 3600),
    /** Comma-separated sign-in providers: `credentials` and/or `oidc`. */
    WORKBENCH_AUTH_PROVIDERS: z.string().default("credentials"),
    WORKBENCH_OIDC_ISSUER: z.url().optional(),
    WORKBENCH_OIDC_CLIENT_ID: z.string().optional(),
    WORKBENCH_OIDC_CLIENT_SECRET: z.string().optional(),
    /** The sign-in button's label, e.g. the company's IdP name. */
    WORKBENCH_OIDC_NAME: z.string().trim().min(1).max(60).default("Single sign-on"),
    /**
     * Failed password sign-ins allowed within the throttle window, per email
     * typed and per client address; one more is refused until the oldest of
     * them leaves the window.
     */
    WORKBENCH_LOGIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).max(1000).default(5),
    WORKBENCH_LOGIN_MAX_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).max(100_000).default(30),
    WORKBENCH_LOGIN_THROTTLE_WINDOW_SEC: z.coerce.number().int().min(10).max(86_400).default(900),
    /** Trust X-Forwarded-For for the client address (only behind a proxy you run). */
    WORKBENCH_TRUST_PROXY: booleanFlag.default(false),
  })
  .superRefine((env, ctx) => {
    if (!env.WORKBENCH_SIGNING_KEY && !env.WORKBENCH_SIGNING_KEY_FILE) {
      ctx.addIssue({
        code: "custom",
        path: ["WORKBENCH_SIGNING_KEY_FILE"],
        message: "set WORKBENCH_SIGNING_KEY_FILE (or WORKBENCH_SIGNING_KEY); create a key with `npm run keys:generate`",
      });
    }
    const providers = env.WORKBENCH_AUTH_PROVIDERS.split(",").map((p) => p.trim());
    for (const provider of providers) {
      if (provider !== "credentials" && provider !== "oidc") {
        ctx.addIssue({ code: "custom", path: ["WORKBENCH_AUTH_PROVIDERS"], message: `unknown provider "${provider}"` });
      }
    }
    if (providers.includes("oidc") && !(env.WORKBENCH_OIDC_ISSUER && env.WORKBENCH_OIDC_CLIENT_ID && env.WORKBENCH_OIDC_CLIENT_SECRET)) {
      ctx.addIssue({
        code: "custom",
        path: ["WORKBENCH_OIDC_ISSUER"],
        message: "oidc needs WORKBENCH_OIDC_ISSUER, WORKBENCH_OIDC_CLIENT_ID and WORKBENCH_OIDC_CLIENT_SECRET",
      });
    }
  });

export type ServerEnv = z.infer<typeof envSchema>;

export class EnvError extends Error {
  override name = "EnvError";
}

let cached: ServerEnv | undefined;

/** Parses process.env once; throws EnvError listing every problem. */
export function loadServerEnv(source: NodeJS.ProcessEnv = process.env): ServerEnv {
  if (cached && source === process.env) return cached;
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join(".") || "env"}: ${issue.message}`);
    throw new EnvError(`invalid server configuration:\n${lines.join("\n")}`);
  }
  if (source === process.env) cached = result.data;
  return result.data;
}
