import "server-only";
import type { RunFrames } from "@/lib/protocol/agent-events.ts";
import type { AgentIdentity } from "@/lib/server/data/hosts.ts";
import { AppError } from "@/lib/server/errors.ts";
import type { AgentFramesStored, FrameGroupCommit } from "./group-commit.ts";
import type { RunDirectory } from "./run-directory.ts";

export type AgentFramesDeps = { directory: RunDirectory; commit: FrameGroupCommit };

/**
 * Stores a batch of frames from the run's own agent before it is
 * acknowledged (the batch was validated in full by the socket's schema, so
 * nothing malformed gets this far); duplicates (a batch resent after a lost
 * acknowledgement) are skipped. `ackSeq` is the highest seq of the batch, now
 * stored: the agent forgets the batch only when it reads it. Frames of a run
 * that is not RUNNING are refused (CONFLICT), and nothing of them is stored.
 */
export async function recordAgentFrames(deps: AgentFramesDeps, agent: AgentIdentity, batch: RunFrames): Promise<AgentFramesStored> {
  const route = await deps.directory.find(batch.runId);
  if (!route || route.hostId !== agent.hostId) throw new AppError("NOT_FOUND", "No such run for this host.");
  return deps.commit.submit(route, batch.frames);
}
