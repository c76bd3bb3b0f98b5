import "server-only";
import { z } from "zod";

// Path parameter schemas. Ids are opaque (cuid or UUID); anything else is a 400
// before it reaches the database, and an unknown well-formed id is a 404.
const id = (name: string) => z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, `${name} is not a valid id`);

export const programParams = z.object({ programId: id("programId") });
export const revisionParams = z.object({ revisionId: id("revisionId") });
export const runParams = z.object({ runId: id("runId") });
export const reviewParams = z.object({ reviewId: id("reviewId") });
export const hostParams = z.object({ hostId: id("hostId") });
export const userParams = z.object({ userId: id("userId") });
export const incidentParams = z.object({ incidentId: id("incidentId") });
export const stopSwitchParams = z.object({ switchId: id("switchId") });
export const incidentRunParams = z.object({ incidentId: id("incidentId"), runId: id("runId") });
export const tokenParams = z.object({ tokenId: id("tokenId") });
