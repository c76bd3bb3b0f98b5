import "server-only";
import { z } from "zod";
import { DEFAULT_MAX_HOSTS_PER_APPROVAL, MAX_DURATION_SEC_CEILING, MAX_HOSTS_PER_APPROVAL_CEILING } from "@/lib/shared/input-limits.ts";
import { DEFAULT_RUNBOOK_VALIDITY_DAYS, MAX_RUNBOOK_VALIDITY_DAYS_CEILING } from "@/lib/shared/runbook-policy.ts";
import { MAX_TOKEN_DAYS_CEILING } from "@/lib/shared/api-token.ts";
import { DEFAULT_RUN_LIMITS, RUN_LIMIT_CEILINGS } from "@/lib/protocol/run-order-limits.ts";
import { groupRolesSetting } from "@/lib/server/auth/group-roles.ts";

// Every setting the server reads from its environment, validated once. The
// custom server calls loadServerEnv() before anything else, so a wrong value
// stops the start with a message naming the variable (see README).
const booleanFlag = z.enum(["0", "1", "true", "false"]).transform((v) => v === "1" || v === "true");

// The limits the server signs into every run order (lib/protocol/run-order-limits.ts). Parsed on their own
// too (loadRunLimitsEnv), so signing reads them without needing the rest of the environment.
const int = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);
const runLimitsEnvShape = {
  /** % of one CPU a run may cost (BPF programs plus bpftrace) when its revision does not say. */
  WORKBENCH_CPU_BUDGET_PERCENT: z.coerce.number().positive().max(RUN_LIMIT_CEILINGS.cpuBudgetPercent).default(DEFAULT_RUN_LIMITS.cpuBudgetPercent),
  /** The most any revision may ask for. */
  WORKBENCH_MAX_CPU_BUDGET_PERCENT: z.coerce.number().positive().max(RUN_LIMIT_CEILINGS.cpuBudgetPercent).default(5),
  WORKBENCH_LIMIT_WINDOW_SEC: int(1, RUN_LIMIT_CEILINGS.windowSec, DEFAULT_RUN_LIMITS.windowSec),
  WORKBENCH_MAX_OUTPUT_BYTES_PER_SEC: int(1, RUN_LIMIT_CEILINGS.maxOutputBytesPerSec, DEFAULT_RUN_LIMITS.maxOutputBytesPerSec),
  WORKBENCH_MAX_OUTPUT_LINES_PER_SEC: int(1, RUN_LIMIT_CEILINGS.maxOutputLinesPerSec, DEFAULT_RUN_LIMITS.maxOutputLinesPerSec),
  WORKBENCH_MAX_LOST_EVENTS: int(0, RUN_LIMIT_CEILINGS.maxLostEvents, DEFAULT_RUN_LIMITS.maxLostEvents),
  WORKBENCH_MAX_MAP_KEYS: int(1, RUN_LIMIT_CEILINGS.maxMapKeys, DEFAULT_RUN_LIMITS.maxMapKeys),
  WORKBENCH_MAX_STRLEN: int(1, RUN_LIMIT_CEILINGS.maxStrlen, DEFAULT_RUN_LIMITS.maxStrlen),
  WORKBENCH_MAX_PROBES: int(1, RUN_LIMIT_CEILINGS.maxProbes, DEFAULT_RUN_LIMITS.maxProbes),
  WORKBENCH_MAX_BPF_PROGS: int(1, RUN_LIMIT_CEILINGS.maxBpfProgs, DEFAULT_RUN_LIMITS.maxBpfProgs),
};
/** The one rule across the run limits: the default CPU budget fits under the most a revision may ask for. */
function checkCpuBudget(env: { WORKBENCH_CPU_BUDGET_PERCENT: number; WORKBENCH_MAX_CPU_BUDGET_PERCENT: number }, ctx: z.RefinementCtx): void {
  if (env.WORKBENCH_CPU_BUDGET_PERCENT > env.WORKBENCH_MAX_CPU_BUDGET_PERCENT) {
    ctx.addIssue({ code: "custom", path: ["WORKBENCH_CPU_BUDGET_PERCENT"], message: "the default CPU budget is above WORKBENCH_MAX_CPU_BUDGET_PERCENT" });
  }
}
const runLimitsEnvSchema = z.object(runLimitsEnvShape).superRefine(checkCpuBudget);
export type RunLimitsEnv = z.infer<typeof runLimitsEnvSchema>;

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
    /** The most hosts one approval signs orders for (named hosts plus those its selector matches). */
    WORKBENCH_MAX_HOSTS_PER_APPROVAL: z.coerce.number().int().min(1).max(MAX_HOSTS_PER_APPROVAL_CEILING).default(DEFAULT_MAX_HOSTS_PER_APPROVAL),
    /** The longest a runbook's approval may last: a policy asking for more is refused at submission, and approvals are capped at it. */
    WORKBENCH_MAX_RUNBOOK_VALIDITY_DAYS: z.coerce.number().int().min(1).max(MAX_RUNBOOK_VALIDITY_DAYS_CEILING).default(DEFAULT_RUNBOOK_VALIDITY_DAYS),
    /**
     * Days the frames of an ended run are kept; then the retention sweep deletes them, except the
     * frames of runs attached to an incident. 0 keeps every frame.
     */
    WORKBENCH_FRAME_RETENTION_DAYS: z.coerce.number().int().min(0).max(3650).default(14),
    WORKBENCH_SESSION_MAX_AGE_SEC: z.coerce
      .number()
      .int()
      .min(300)
      .max(30 * 86_400)
      .default(8 * 3600),
    /** Comma-separated sign-in providers: `credentials` and/or `oidc`. */
    WORKBENCH_AUTH_PROVIDERS: z.string().default("credentials"),
    WORKBENCH_OIDC_ISSUER: z.url().optional(),
    WORKBENCH_OIDC_CLIENT_ID: z.string().optional(),
    WORKBENCH_OIDC_CLIENT_SECRET: z.string().optional(),
    /** The sign-in button's label, e.g. the company's IdP name. */
    WORKBENCH_OIDC_NAME: z.string().trim().min(1).max(60).default("Single sign-on"),
    /** The scopes asked for; add the one that makes your provider send groups (often `groups`) when mapping them to roles. */
    WORKBENCH_OIDC_SCOPES: z
      .string()
      .trim()
      .regex(/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/, "space-separated scope names (RFC 6749 §3.3)")
      .default("openid email profile"),
    /**
     * `group=ROLE,...`: when set, each single sign-on sets the person's roles to those their groups give
     * (lib/server/auth/group-roles.ts); unset, roles are managed on the Users page only.
     */
    WORKBENCH_OIDC_GROUP_ROLES: groupRolesSetting.optional(),
    /** The ID token claim that lists the person's groups. */
    WORKBENCH_OIDC_GROUPS_CLAIM: z.string().trim().min(1).max(100).default("groups"),
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
    /**
     * Encrypts the signing keys the server generates when an admin rotates (stored in the database).
     * Without it the server signs with WORKBENCH_SIGNING_KEY(_FILE) only and refuses to rotate.
     */
    WORKBENCH_KEYRING_SECRET: z.string().min(32, "must be at least 32 characters (generate one with `openssl rand -base64 48`)").optional(),
    /** The longest an API token may live, in days: users pick an expiry up to this on their account page. */
    WORKBENCH_MAX_TOKEN_DAYS: z.coerce.number().int().min(1).max(MAX_TOKEN_DAYS_CEILING).default(90),
    /**
     * The bearer token Prometheus sends to scrape /metrics (live histograms of running runs and the
     * server's own metrics). Without it /metrics answers 404.
     */
    // Empty counts as unset: docker-compose.yml passes `${WORKBENCH_METRICS_TOKEN:-}` through.
    WORKBENCH_METRICS_TOKEN: z.preprocess(
      (value) => (value === "" ? undefined : value),
      z
        .string()
        .min(24, "must be at least 24 characters (generate one with `openssl rand -base64 32`)")
        .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces (it travels in an HTTP header)")
        .optional(),
    ),
    /**
     * Redis (redis://host:port) when the server runs as several processes: they share sockets' rooms
     * and every stored frame through it (socket.io's Redis adapter). Unset: one process.
     */
    WORKBENCH_REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
      .optional(),
    /** Prefix of the workbench's Redis channels, so several workbenches (staging, production) can share one Redis. */
    WORKBENCH_REDIS_CHANNEL_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,64}$/, "letters, digits and _.:- only")
      .default("workbench"),
    /** Server processes sharing the port (a Node cluster); more than one needs WORKBENCH_REDIS_URL. */
    WORKBENCH_PROCESSES: z.coerce.number().int().min(1).max(64).default(1),
    /** Connections of the Prisma pool (pages, API, use cases); live snapshots and bulk reads take at most 3 each. */
    WORKBENCH_DB_POOL_SIZE: z.coerce.number().int().min(5).max(100).default(10),
    /** Connections of the frame path's own pool: group commits and run lookups (docs/frames.md, "Ingest"). */
    WORKBENCH_HOT_PATH_POOL_SIZE: z.coerce.number().int().min(2).max(20).default(3),
    /** How long frames wait for company before a viewer's message goes out. */
    WORKBENCH_RELAY_WINDOW_MS: z.coerce.number().int().min(1).max(1000).default(20),
    ...runLimitsEnvShape,
  })
  .superRefine((env, ctx) => {
    checkCpuBudget(env, ctx);
    if (!env.WORKBENCH_SIGNING_KEY && !env.WORKBENCH_SIGNING_KEY_FILE) {
      ctx.addIssue({
        code: "custom",
        path: ["WORKBENCH_SIGNING_KEY_FILE"],
        message: "set WORKBENCH_SIGNING_KEY_FILE (or WORKBENCH_SIGNING_KEY); create a key with `npm run keys:generate`",
      });
    }
    if (env.WORKBENCH_PROCESSES > 1 && !env.WORKBENCH_REDIS_URL) {
      ctx.addIssue({ code: "custom", path: ["WORKBENCH_PROCESSES"], message: "several server processes share frames and sockets through Redis: set WORKBENCH_REDIS_URL too" });
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
    if (!env.WORKBENCH_OIDC_SCOPES.split(" ").includes("openid")) {
      ctx.addIssue({ code: "custom", path: ["WORKBENCH_OIDC_SCOPES"], message: "the scopes must include openid" });
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
  const env = parseEnv(envSchema, source, "server configuration");
  if (source === process.env) cached = env;
  return env;
}

/** Only the signed run limits, from the environment: for signing, which must not need the rest. */
export function loadRunLimitsEnv(source: NodeJS.ProcessEnv = process.env): RunLimitsEnv {
  return parseEnv(runLimitsEnvSchema, source, "run limits configuration");
}

/** Parses `source` with `schema`; an EnvError lists every problem, one line per variable. */
function parseEnv<T>(schema: z.ZodType<T>, source: NodeJS.ProcessEnv, what: string): T {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  ${issue.path.join(".") || "env"}: ${issue.message}`);
  throw new EnvError(`invalid ${what}:\n${lines.join("\n")}`);
}
