// What the policy lint allows. The same object is used by the editor, the
// server at submission, the reviewer's page and the agent before it runs a
// program, so a program one of them accepts is one the others accept.
import { z } from "zod";
import { PROBE_TYPES } from "../bpftrace/language.ts";
import { MAX_PROGRAM_BYTES } from "../input-limits.ts";

const probeTypeNames = new Set(PROBE_TYPES.map((type) => type.name));
const probeTypeName = z.string().refine((name) => probeTypeNames.has(name), {
  message: `not a bpftrace probe type; use the full name (${[...probeTypeNames].join(", ")})`,
});
const positiveInt = z.number().int().positive();

export const lintPolicySchema = z.strictObject({
  /** Probe types (full names, not aliases) any program may use. */
  allowedProbeTypes: z.array(probeTypeName),
  /** Probe types that reach into arbitrary code: allowed only when `allowElevatedProbeTypes` is set. */
  elevatedProbeTypes: z.array(probeTypeName),
  allowElevatedProbeTypes: z.boolean(),
  /** How many probes one wildcard specification may expand to. */
  maxProbesPerWildcard: positiveInt,
  /** How many probes the whole program may attach (BEGIN/END included, as bpftrace counts them). */
  maxTotalProbes: positiveInt,
  /** In UTF-8 bytes, as the agent hands the program to bpftrace. */
  maxProgramBytes: positiveInt,
  /** The largest size a map declaration may ask for (`let @m = hash(N);`: bpftrace PR #3863, 2025; stable in 0.25). */
  maxMapEntries: positiveInt,
  /** Whether a `config = { ... }` block (bpftrace 0.20+, PR #2815) may appear at all. */
  allowConfigBlock: z.boolean(),
  /** When config blocks are allowed: numeric config keys and their largest allowed value. */
  configLimits: z.record(z.string(), positiveInt),
  /** When config blocks are allowed: keys that change presentation only and may take any value. */
  allowedConfigKeys: z.array(z.string()),
  /** Headers `#include <...>` may name, as globs (`*` within one path segment, `**` across segments). */
  allowedIncludes: z.array(z.string()),
});

export type LintPolicy = z.infer<typeof lintPolicySchema>;

/** A policy file or setting overrides some fields; the rest come from the default. */
export const partialLintPolicySchema = lintPolicySchema.partial();

export const DEFAULT_LINT_POLICY: LintPolicy = {
  allowedProbeTypes: ["tracepoint", "interval", "profile", "software", "BEGIN", "END", "begin", "end"],
  // uprobes read the memory of any process (passwords, keys); kprobes and fentry attach to any kernel
  // function, where a hot one taxes every call on the host. kfunc/kretfunc are 0.17's names of fentry/fexit.
  elevatedProbeTypes: ["uprobe", "uretprobe", "usdt", "kprobe", "kretprobe", "fentry", "fexit", "kfunc", "kretfunc"],
  allowElevatedProbeTypes: false,
  maxProbesPerWildcard: 50,
  maxTotalProbes: 100,
  maxProgramBytes: MAX_PROGRAM_BYTES,
  // bpftrace's own default for maps that are not declared (max_map_keys, BPFTRACE_MAP_KEYS_MAX in 0.17),
  // so a declaration cannot claim more than an undeclared map gets.
  maxMapEntries: 4096,
  allowConfigBlock: false,
  // Defaults of bpftrace's config variables (docs/language.md, "Config Variables"): a program may lower
  // them, never raise them.
  configLimits: {
    max_map_keys: 4096,
    max_probes: 100,
    max_bpf_progs: 512,
    max_strlen: 1024,
    perf_rb_pages: 64,
    log_size: 1_000_000,
    on_stack_limit: 32,
  },
  allowedConfigKeys: ["stack_mode", "str_trunc_trailer", "cpp_demangle", "lazy_symbolication", "show_debug_info", "cache_user_symbols"],
  // Kernel and libc headers that bpftrace's own tools include for constants and struct layouts.
  allowedIncludes: ["linux/**", "uapi/**", "net/**", "asm/**", "asm-generic/**", "sys/**", "errno.h", "syscall.h"],
};

/** The default with `overrides` on top; a field set to `undefined` keeps its default. */
export function resolveLintPolicy(overrides: Partial<LintPolicy> = {}): LintPolicy {
  const defined = Object.entries(overrides).filter(([, value]) => value !== undefined);
  return { ...DEFAULT_LINT_POLICY, ...Object.fromEntries(defined) };
}
