// The codes of the policy lint's findings. They are a public contract: the
// editor keys its markers on them, reviewers and scripts read them in the
// agent's `lint --json` output, and docs/policy-lint.md documents each one.
// Add codes; never rename or reuse one.

export const FINDING_CODES = {
  "unsafe-builtin": "Calls a function bpftrace allows only with --unsafe (system, signal, signal_thread, override).",
  "file-read": "Calls cat(), which prints any file on the host as root and needs no --unsafe.",
  "file-write": "Calls skboutput(), which writes packet data to a file the program names, as root.",
  "config-block": "Has a `config = { ... }` block and the policy allows none.",
  "config-key": "Sets a config key the policy does not allow, or a limit above the policy's cap.",
  include: "Includes a file no reviewer saw: a quoted path, or a header outside the policy's allow-list.",
  "token-paste": "A `#define` assembles a name out of pieces (`##` token pasting, or a line continued with `\\`), which no check can see.",
  import: "Imports another bpftrace file (`import`, bpftrace 0.24+), whose probes no reviewer saw.",
  "probe-type-not-allowed": "Uses a probe type that is unknown, wildcarded or not on the policy's allow-list.",
  "probe-type-elevated": "Uses an elevated probe type (uprobe, usdt, kprobe, fentry, ...): a warning when the policy allows them, an error otherwise.",
  "probe-positional":
    "A probe name holds a positional parameter ($1, $#): bpftrace substitutes the launch's value into the attach point, so no review can see which probes it attaches.",
  "wildcard-too-broad": "A wildcard probe matches more probes than the policy allows, or cannot be bounded without a probe catalog.",
  "wildcard-uncounted": "A wildcard probe whose size cannot be counted because no probe catalog covers it.",
  "probe-not-found": "A probe the host's catalog does not list (a typo, or a probe this kernel lacks).",
  "too-many-probes": "The program attaches more probes in total than the policy allows.",
  "map-too-large": "A map declaration (`let @m = hash(N);`) is larger than the policy allows, or its size is not a literal.",
  "program-too-long": "The program is longer than the policy allows (in UTF-8 bytes).",
  syntax: "The lint cannot read this part of the program, so it cannot vouch for it.",
} as const satisfies Record<string, string>;

export type FindingCode = keyof typeof FINDING_CODES;

export const ALL_FINDING_CODES = Object.keys(FINDING_CODES) as FindingCode[];
