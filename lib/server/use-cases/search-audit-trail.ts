import "server-only";
import { z } from "zod";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { findAuditEvents, type AuditFilter, type AuditRecord } from "@/lib/server/data/audit-search.ts";

const text = (max: number, what: string) =>
  z
    .string()
    .trim()
    .max(max, `${what} is at most ${max} characters.`)
    .optional()
    .transform((value) => value || undefined);

// A time as the admin page's fields send it (2026-11-27T08:00, read as UTC
// like everything the page shows) or any ISO 8601 time with its offset.
const time = (what: string) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (!value) return undefined;
      const withZone = /(Z|[+-]\d\d:?\d\d)$/i.test(value) || /^\d{4}-\d\d-\d\d$/.test(value) ? value : `${value}Z`;
      const date = new Date(withZone);
      if (Number.isNaN(date.getTime())) {
        ctx.addIssue({ code: "custom", message: `${what} is not a date and time (write it like 2026-11-27T08:00, in UTC).` });
        return z.NEVER;
      }
      return date;
    });

/** The filters, as query parameters of the admin page, GET /api/audit and GET /api/audit/export. */
export const auditFilterInput = z
  .object({
    actor: text(320, "The actor"),
    action: text(100, "The action"),
    targetType: text(64, "The target type"),
    targetId: text(200, "The target id"),
    from: time("The start"),
    to: time("The end"),
  })
  .refine((filter) => !(filter.from && filter.to && filter.from > filter.to), { message: "The time range ends before it starts.", path: ["to"] });

export const auditPageInput = auditFilterInput.and(
  z.object({
    before: z
      .string()
      .regex(/^\d{1,19}$/, "before is an entry number.")
      .optional()
      .transform((value) => (value ? BigInt(value) : undefined)),
    limit: z.coerce.number().int().min(1, "limit is at least 1.").max(500, "limit is at most 500.").default(50),
  }),
);

export async function searchAuditTrail(
  db: Db,
  actor: Actor,
  filter: AuditFilter,
  page: { beforeId?: bigint; limit: number },
): Promise<{ events: AuditRecord[]; nextBefore: string | null }> {
  authorize(actor, "audit.read");
  return findAuditEvents(db, filter, page);
}
