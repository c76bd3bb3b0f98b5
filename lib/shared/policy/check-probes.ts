// Probes: which types a program attaches to, and how many probes its
// wildcards expand to.
import type { RawFinding } from "./findings.ts";
import type { LintPolicy } from "./policy.ts";
import { countMatches, hasWildcard, parseProbeSpec, type ProbeSpec } from "./probe-spec.ts";
import type { ActionBlock } from "./program-structure.ts";
import type { Token } from "./tokenize.ts";

export type ProbeUse = {
  /** As written. */
  spec: string;
  /** Full name of its type, or null when unknown or wildcarded. */
  type: string | null;
  /** How many probes it attaches: exact specs 1, wildcards as counted in the catalog, null when unknown. */
  count: number | null;
  token: Token;
};

const WHY_ELEVATED: Record<string, string> = {
  uprobe: "instruments code of any user-space process and can read its memory (passwords, keys)",
  uretprobe: "instruments code of any user-space process and can read its memory (passwords, keys)",
  usdt: "instruments code of any user-space process and can read its memory (passwords, keys)",
  kprobe: "attaches to an arbitrary kernel function, and a hot one taxes every call on the host",
  kretprobe: "attaches to an arbitrary kernel function, and a hot one taxes every call on the host",
  fentry: "attaches to an arbitrary kernel function, and a hot one taxes every call on the host",
  fexit: "attaches to an arbitrary kernel function, and a hot one taxes every call on the host",
  kfunc: "attaches to an arbitrary kernel function, and a hot one taxes every call on the host",
  kretfunc: "attaches to an arbitrary kernel function, and a hot one taxes every call on the host",
};

const POSITIONAL_IN_SPEC = /\$(?:\d|#)/;

export function checkProbes(blocks: readonly ActionBlock[], policy: LintPolicy, catalog: readonly string[] | undefined): { findings: RawFinding[]; probes: ProbeUse[] } {
  const findings: RawFinding[] = [];
  const probes: ProbeUse[] = [];
  let total = 0;
  let reportedTotal = false;
  for (const token of blocks.flatMap((block) => block.probes)) {
    const spec = parseProbeSpec(token.text);
    const at = { start: token.start, end: token.end };
    const typeFinding = checkProbeType(spec, policy);
    if (typeFinding) findings.push({ ...typeFinding, ...at });
    // A value is opaque to the lint: in an action it is data, but bpftrace 0.17 substitutes `$1` in
    // an attach point as text (`sys_enter_$1` with `read` attaches sys_enter_read), so a runbook
    // launch could choose its own probes.
    if (POSITIONAL_IN_SPEC.test(token.text)) {
      findings.push({
        code: "probe-positional",
        severity: "error",
        message: "This probe name holds a positional parameter; a launch's value would choose the probe. Name the probe in full and compare the value in a predicate.",
        ...at,
      });
    }
    const { count, finding } = countProbe(token.text, spec, policy, catalog);
    if (finding) findings.push({ ...finding, ...at });
    probes.push({ spec: token.text, type: spec.type ?? null, count, token });
    // An uncounted wildcard attaches at least one probe.
    total += count ?? 1;
    if (total > policy.maxTotalProbes && !reportedTotal) {
      reportedTotal = true;
      findings.push({
        code: "too-many-probes",
        severity: "error",
        message: `With this probe the program attaches ${total} probes or more; this policy allows ${policy.maxTotalProbes} per program.`,
        ...at,
      });
    }
  }
  return { findings, probes };
}

type FindingBody = Omit<RawFinding, "start" | "end">;

function checkProbeType(spec: ProbeSpec, policy: LintPolicy): FindingBody | undefined {
  if (/[*?]/.test(spec.provider)) {
    return {
      code: "probe-type-not-allowed",
      severity: "error",
      // Measured here: bpftrace 0.17 expands `*:foo` to hardware, iter, kprobe and software probes.
      message: `The probe type "${spec.provider}" is a wildcard: bpftrace expands it to every type with a matching probe, kprobes and iterators included.`,
    };
  }
  if (!spec.type) {
    return { code: "probe-type-not-allowed", severity: "error", message: `"${spec.provider}" is not a bpftrace probe type.` };
  }
  if (policy.allowedProbeTypes.includes(spec.type)) return undefined;
  if (policy.elevatedProbeTypes.includes(spec.type)) {
    const why = WHY_ELEVATED[spec.type] ?? "reaches beyond what the default policy allows";
    return policy.allowElevatedProbeTypes
      ? { code: "probe-type-elevated", severity: "warning", message: `${spec.type} ${why}: review what it attaches to and what it reads.` }
      : { code: "probe-type-elevated", severity: "error", message: `${spec.type} ${why}; this policy does not allow elevated probe types.` };
  }
  return {
    code: "probe-type-not-allowed",
    severity: "error",
    message: `${spec.type} probes are not allowed by this policy (allowed: ${policy.allowedProbeTypes.join(", ")}).`,
  };
}

function countProbe(text: string, spec: ProbeSpec, policy: LintPolicy, catalog: readonly string[] | undefined): { count: number | null; finding?: FindingBody } {
  // A wildcard type is refused above; counting what it matches would mean nothing.
  if (!spec.type) return { count: null };
  const matched = countMatches(spec, catalog);
  if (!hasWildcard(spec)) {
    if (matched === 0) return { count: 1, finding: notFound(text) };
    return { count: 1 };
  }
  if (matched === undefined) return { count: null, finding: judgeUncounted(text, spec) };
  if (matched === 0) return { count: 0, finding: notFound(text) };
  if (matched > policy.maxProbesPerWildcard) {
    return {
      count: matched,
      finding: {
        code: "wildcard-too-broad",
        severity: "error",
        message: `${text} matches ${matched} probes on the catalog's host; this policy allows ${policy.maxProbesPerWildcard} per wildcard. Name the probes you need.`,
      },
    };
  }
  return { count: matched };
}

function notFound(text: string): FindingBody {
  return {
    code: "probe-not-found",
    severity: "warning",
    message: `${text} matches no probe the host reported; bpftrace will refuse to attach it there.`,
  };
}

/**
 * Without a catalog nobody can count a wildcard. One in a category part (`tracepoint:*:*`), or a
 * last part that is all wildcard (`tracepoint:syscalls:*` is 720 probes on our 6.18 test host, `kprobe:*`
 * tens of thousands), is refused; a narrower one (`sys_enter_read*`) is left to the reviewer.
 */
function judgeUncounted(text: string, spec: ProbeSpec): FindingBody {
  const last = spec.parts.length - 1;
  const broad = spec.wildcardParts.some((wild, i) => wild && i < last) || /^[*?]+$/.test(spec.parts[last] ?? "");
  return broad
    ? {
        code: "wildcard-too-broad",
        severity: "error",
        message: `${text} may match hundreds of probes and no probe catalog is at hand to count them; name the category and narrow the pattern.`,
      }
    : {
        code: "wildcard-uncounted",
        severity: "warning",
        message: `${text} is a wildcard that cannot be counted without the host's probe catalog; check how many probes it attaches.`,
      };
}
