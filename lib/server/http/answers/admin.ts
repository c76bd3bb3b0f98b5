import { z } from "zod";
import { Role, SigningKeyStatus, StopScope } from "@/lib/server/db/generated/enums.ts";
import { reviewRulesSchema } from "@/lib/server/settings/review-rules.ts";
import { partialLintPolicySchema } from "@/lib/shared/policy/policy.ts";
import { isoDateTime, nullableDateTime } from "./common.ts";

// Answers of the admin and SRE routes: /api/users/*, /api/settings,
// /api/signing-keys/*, /api/stop-switches/*.

export const userListAnswer = z.object({
  users: z.array(
    z.object({
      id: z.string(),
      email: z.string(),
      name: z.string(),
      roles: z.array(z.enum(Role)),
      disabledAt: nullableDateTime,
      createdAt: isoDateTime,
      lastSignInAt: nullableDateTime,
    }),
  ),
});

export const createdUserAnswer = z.object({
  id: z.string(),
  email: z.string(),
  initialPassword: z.string().nullable().describe("A generated first password when none was given, shown this once; null when the request set one."),
});

export const disabledUserAnswer = z.object({ disabledAt: isoDateTime, sessionsEnded: z.number().int().describe("Sessions of the user that were ended at once.") });

export const enabledUserAnswer = z.object({ enabled: z.literal(true) });

export const userRolesAnswer = z.object({ roles: z.array(z.enum(Role)), changed: z.boolean() });

export const settingsAnswer = z.object({
  settings: z.object({
    reviewRules: reviewRulesSchema,
    lintPolicy: partialLintPolicySchema.describe("Only what an admin changed; the rest is the default lint policy."),
    updatedAt: nullableDateTime,
    updatedBy: z.string().nullable().describe("The name of who saved the settings last."),
  }),
});

export const signingKeyListAnswer = z.object({
  keys: z.array(
    z.object({
      id: z.string().describe("The key's id: the SHA-256 of its public key, 64 hex digits."),
      status: z.enum(SigningKeyStatus),
      createdAt: isoDateTime,
      activatedAt: nullableDateTime,
      retiredAt: nullableDateTime,
      createdByName: z.string().nullable(),
      storedPrivateKey: z.boolean().describe("Whether the server holds the private key in the database (false: the configured key file)."),
    }),
  ),
});

export const rotatedSigningKeyAnswer = z.object({
  keyId: z.string(),
  previousKeyId: z.string(),
  statementSeq: z.number().int().describe("The number of the trust statement that announces the new key to agents."),
});

export const retiredSigningKeyAnswer = z.object({ statementSeq: z.number().int() });

const stopSwitch = z.object({
  id: z.string(),
  scope: z.enum(StopScope),
  scopeValue: z.string().nullable().describe("The program id, label or host id the switch covers; null for all."),
  scopeName: z.string().describe("The scope as a person reads it."),
  reason: z.string(),
  engagedBy: z.string(),
  engagedAt: isoDateTime,
  endedQueued: z.number().int(),
  stoppedRunning: z.number().int(),
  releasedBy: z.string().nullable(),
  releasedAt: nullableDateTime,
  releaseReason: z.string().nullable(),
});

export const stopSwitchListAnswer = z.object({
  engaged: z.array(stopSwitch),
  recent: z.array(stopSwitch).describe("The 20 most recently engaged, released or not."),
});

export const engagedStopSwitchAnswer = z.object({
  switchId: z.string(),
  endedQueued: z.number().int().describe("Queued runs in the scope, ended."),
  stoppedRunning: z.number().int().describe("Running runs in the scope, told to stop."),
});

export const releasedStopSwitchAnswer = z.object({ released: z.literal(true) });
