import { z } from "zod";
import { isoDateTime, nullableDateTime } from "./common.ts";

// Answers of /api/hosts/*, /api/enrollment-tokens and /api/agent/enroll:
// the enrolled hosts, their labels and how they join.

const hostRef = z.object({ id: z.string(), name: z.string(), labels: z.array(z.string()) });

export const hostListAnswer = z.object({
  hosts: z.array(
    hostRef.extend({
      enrolledAt: isoDateTime,
      lastSeenAt: nullableDateTime.describe("When the host's agent last connected or reported; null if it never did."),
      revoked: z.boolean().describe("Revoked hosts are listed only to those who manage enrollment."),
      bpftraceVersion: z.string().nullable(),
      kernelRelease: z.string().nullable(),
      localStop: z
        .object({ since: isoDateTime, reason: z.string().nullable() })
        .nullable()
        .describe("The agent's local stop switch (/etc/workbench-agent/stop), while an operator on the host has it engaged."),
    }),
  ),
});

export const hostMatchesAnswer = z.object({
  selector: z.string(),
  count: z.number().int().describe("How many enrolled, not revoked hosts the selector matches now."),
  hosts: z.array(hostRef).describe("The first `limit` of them, by name."),
  truncated: z.boolean(),
});

export const probeCatalogAnswer = z.object({
  probes: z
    .array(z.string())
    .nullable()
    .describe("The tracepoints the chosen hosts reported (merged over a sample of them), for completion in the editor; null when none of them reported any."),
});

export const hostLabelsAnswer = z.object({ labels: z.array(z.string()), changed: z.boolean() });

export const revokedHostAnswer = z.object({ endedRunIds: z.array(z.string()).describe("The host's queued and running runs, ended by the revocation.") });

export const enrollmentTokenListAnswer = z.object({
  tokens: z.array(
    z.object({
      id: z.string(),
      createdBy: z.string(),
      createdAt: isoDateTime,
      expiresAt: isoDateTime,
      usedAt: nullableDateTime,
      hostName: z.string().nullable().describe("The host that enrolled with the token, once used."),
      labels: z.array(z.string()),
      allowAgentLabels: z.boolean(),
    }),
  ),
});

export const createdEnrollmentTokenAnswer = z.object({
  id: z.string(),
  token: z.string().describe("The one-time token for `workbench-agent enroll`, shown this once."),
  expiresAt: isoDateTime,
  labels: z.array(z.string()),
  allowAgentLabels: z.boolean(),
});

export const enrolledHostAnswer = z.object({
  hostId: z.string(),
  credential: z.string().describe("The host's agent credential; the agent keeps it in its state directory."),
  labels: z.array(z.string()),
});
