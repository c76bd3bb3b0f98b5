/**
 * A list of host names that stays one line however long the fleet: the first
 * `shown`, then how many more. Two thousand names in a summary are noise; the
 * review page lists the hosts in full where that matters.
 */
export function HostNames({ names, shown = 12, empty = "none" }: { names: readonly string[]; shown?: number; empty?: string }) {
  if (names.length === 0) return <span className="muted">{empty}</span>;
  const more = names.length - shown;
  return (
    <span>
      {names.slice(0, shown).join(", ")}
      {more > 0 && <span className="muted"> and {more.toLocaleString("en-US")} more</span>}
    </span>
  );
}
