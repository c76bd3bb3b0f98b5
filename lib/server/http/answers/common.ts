import { z } from "zod";

// Pieces the answer schemas share. An answer schema describes the JSON the
// server sends (route.ts `answer`), so a date is an ISO string here.

/** A moment as JSON.stringify writes a Date: `2026-12-04T09:30:00.000Z`. */
export const isoDateTime = z.iso.datetime().describe("ISO 8601, UTC");

export const nullableDateTime = isoDateTime.nullable();

/** A user as answers show them next to what they did. */
export const userRef = z.object({ id: z.string(), name: z.string(), email: z.string() });
