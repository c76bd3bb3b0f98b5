// A run's state only moves forward: queued, running, ended; a stop once asked
// stays asked; its last seq only grows. A page hears of a run from two
// places, the watch's answer (read from the database when the watch began)
// and the live `runs:state` pushes, and the answer can arrive after a push
// that is newer than it (a run that ended while the snapshot was being read).
// A snapshot behind the one a page holds is therefore old news, never a change.
import type { RunSnapshot } from "@/lib/views/live-events.ts";

const STATUS_ORDER: Record<RunSnapshot["status"], number> = { QUEUED: 0, RUNNING: 1, ENDED: 2 };

/** Whether `next` is at least as far along as `current` (a tie is taken: it may carry a later detail). */
export function isNotBehind(next: RunSnapshot, current: RunSnapshot): boolean {
  const progress = (run: RunSnapshot) => [STATUS_ORDER[run.status], run.stopRequestedAt ? 1 : 0, run.lastSeq] as const;
  const [a, b] = [progress(next), progress(current)];
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return true;
}
