import { getDb } from "@/lib/server/db/client.ts";
import { loadServerEnv } from "@/lib/server/env.ts";
import { getSettings } from "@/lib/server/use-cases/update-settings.ts";
import { effectiveLintPolicy } from "@/lib/server/settings/effective-lint-policy.ts";
import { requirePageActor } from "@/lib/server/auth/session.ts";
import { listHostsFor } from "@/lib/server/use-cases/read-hosts.ts";
import { Forbidden } from "@/components/layout/forbidden.tsx";
import { ProgramForm } from "@/components/programs/program-form.tsx";

const STARTER = `// Latency of nanosleep(2) in microseconds, printed every second.
tracepoint:syscalls:sys_enter_nanosleep { @start[tid] = nsecs; }
tracepoint:syscalls:sys_exit_nanosleep /@start[tid]/ {
  @usecs = hist((nsecs - @start[tid]) / 1000);
  delete(@start[tid]);
}
interval:s:1 { print(@usecs); }
`;

export default async function NewProgramPage() {
  const { actor, allowed } = await requirePageActor("program.create", "/programs/new");
  if (!allowed) return <Forbidden what="write programs" />;
  const hosts = (await listHostsFor(getDb(), actor)).filter((h) => !h.revoked);
  const lintPolicy = effectiveLintPolicy(await getSettings(getDb(), actor));
  return (
    <main>
      <h1>New program</h1>
      <ProgramForm
        mode="create"
        hosts={hosts.map(({ id, name, labels }) => ({ id, name, labels }))}
        maxDurationSec={loadServerEnv().WORKBENCH_MAX_DURATION_SEC}
        maxHostsPerApproval={loadServerEnv().WORKBENCH_MAX_HOSTS_PER_APPROVAL}
        lintPolicy={lintPolicy}
        initial={{ name: "", source: STARTER, durationSec: 30, targetHostIds: hosts.length === 1 ? [hosts[0]!.id] : [], targetSelector: null }}
      />
    </main>
  );
}
