import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ALL_FINDING_CODES, type FindingCode } from "./finding-codes.ts";
import { lintProgram } from "./lint-program.ts";
import type { LintPolicy } from "./policy.ts";

// `bpftrace -l 'tracepoint:*'` on the project's test host (Linux 6.18, bpftrace 0.17): 2305 tracepoints,
// 360 of them tracepoint:syscalls:sys_enter_*.
const TRACEPOINTS = readFileSync(path.join(import.meta.dirname, "fixtures/tracepoints-linux-6.18.txt"), "utf8")
  .trim()
  .split("\n");
const CATALOG = [...TRACEPOINTS, "kprobe:vfs_read", "kprobe:vfs_write", "kprobe:ext4:ext4_file_open"];

type Case = {
  name: string;
  source: string;
  policy?: Partial<LintPolicy>;
  catalog?: readonly string[];
  /** Codes in order of position; `warning:` marks a warning, the rest are errors. */
  expected: string[];
};

const ELEVATED_ON = { allowElevatedProbeTypes: true };
const CONFIG_ON = { allowConfigBlock: true };

const CASES: Case[] = [
  // Benign programs.
  { name: "an empty program", source: "", expected: [] },
  { name: "only comments and blank lines", source: "// nothing yet\n\n/* later */\n", expected: [] },
  { name: "hello world", source: 'BEGIN { printf("hello\\n"); exit(); }', expected: [] },
  {
    name: "syscall counts by process",
    source: "tracepoint:syscalls:sys_enter_read { @reads[comm] = count(); }\ninterval:s:5 { print(@reads); clear(@reads); }\n",
    expected: [],
  },
  {
    name: "aliases of the allowed types",
    source: "t:sched:sched_switch { @[cpu] = count(); }\ni:ms:100 { @ticks++; }\np:hz:99 { @on_cpu[comm] = count(); }\ns:cs:1 { @cs = count(); }\nEND { clear(@ticks); }",
    expected: [],
  },
  {
    name: "a latency histogram with a map per thread",
    source: [
      "tracepoint:syscalls:sys_enter_nanosleep { @start[tid] = nsecs; }",
      "tracepoint:syscalls:sys_exit_nanosleep /@start[tid]/ {",
      "  @usecs = hist((nsecs - @start[tid]) / 1000);",
      "  delete(@start[tid]);",
      "}",
    ].join("\n"),
    expected: [],
  },
  // Refused names where bpftrace would not call them.
  { name: "system in a line comment", source: 'BEGIN { exit(); } // system("reboot")', expected: [] },
  { name: "system in a block comment", source: 'BEGIN {\n  /* system("reboot");\n     cat("/etc/shadow"); */\n  exit();\n}', expected: [] },
  { name: "system in a string", source: 'BEGIN { printf("system(\\"reboot\\")\\n"); }', expected: [] },
  { name: "an escaped quote does not end the string", source: 'BEGIN { printf("a \\" system(1) cat(2)"); }', expected: [] },
  { name: "cat as a map and a variable name", source: "BEGIN { @cat[comm] = count(); $cat = 1; @system = $cat; }", expected: [] },
  { name: "signal as a struct field", source: 'BEGIN { $t = curtask; printf("%p\\n", $t->signal); @s = $t->signal; }', expected: [] },
  // Refused calls.
  { name: "system()", source: 'BEGIN { system("id"); }', expected: ["unsafe-builtin"] },
  { name: "a call split over lines", source: 'BEGIN {\n  system\n    ("id");\n}', expected: ["unsafe-builtin"] },
  { name: "a comment between name and parenthesis", source: 'BEGIN { system /* sneaky */ ("id"); }', expected: ["unsafe-builtin"] },
  {
    name: "signal, signal_thread and override",
    source: 'tracepoint:syscalls:sys_enter_kill { signal("SIGKILL"); signal_thread(9); override(0); }',
    expected: ["unsafe-builtin", "unsafe-builtin", "unsafe-builtin"],
  },
  { name: "cat()", source: 'BEGIN { cat("/etc/shadow"); }', expected: ["file-read"] },
  { name: "skboutput()", source: 'tracepoint:net:netif_receive_skb { $r = skboutput("/tmp/x.pcap", args.skbaddr, 64, 0); }', expected: ["file-write"] },
  { name: "a positional parameter in a probe name", source: "tracepoint:syscalls:sys_enter_$1 { @ = count(); }", expected: ["probe-positional"] },
  { name: "positional parameters as values", source: "t:syscalls:sys_enter_read /pid == $1/ { @[str($2)] = count(); } interval:s:1 { print($#); }", expected: [] },
  { name: "a refused call in a predicate", source: 'BEGIN /system("id")/ { exit(); }', expected: ["unsafe-builtin"] },
  { name: "a refused call in a macro body", source: 'macro run() { system("id") }\nBEGIN { run(); }', expected: ["unsafe-builtin"] },
  { name: "a #define that names system", source: '#define RUN system\nBEGIN { RUN("id"); }', expected: ["unsafe-builtin"] },
  { name: "a harmless #define", source: '#define LIMIT 3\nBEGIN { printf("%d\\n", LIMIT); }', expected: [] },
  { name: "a #define pasting cat together with ##", source: '#define C ca ## t\nBEGIN { C("/etc/shadow"); }', expected: ["token-paste"] },
  { name: "a function-like #define pasting its arguments", source: '#define P(a, b) a##b\nBEGIN { P(ca, t)("/etc/shadow"); }', expected: ["token-paste"] },
  { name: "a #define pasting with the %:%: digraph", source: '#define C ca %:%: t\nBEGIN { C("/etc/shadow"); }', expected: ["token-paste"] },
  { name: "a #define continued on the next line", source: 'BEGIN {\n#define C ca\\\nt\n  C("/etc/shadow");\n}', expected: ["token-paste"] },
  { name: "a #define that stringizes (harmless)", source: '#define NAME(x) #x\nBEGIN { printf("%s\\n", NAME(hello)); }', expected: [] },
  // Structure.
  {
    name: "nested blocks and braces in strings",
    source: 'BEGIN { $x = 1; if ($x) { if ($x > 0) { printf("}{"); } else { printf("{"); } } }\nEND { system("id"); }',
    expected: ["unsafe-builtin"],
  },
  { name: "a predicate with divisions", source: "interval:s:1 / @n / 2 > 1 / { @n++; }\ninterval:s:2 /(@n / 4) == 1/ { exit(); }", expected: [] },
  { name: "a predicate with a slash in a string", source: 'tracepoint:syscalls:sys_enter_openat /comm == "a/b"/ { @[comm] = count(); }', expected: [] },
  {
    name: "a probe list with a comment before the predicate",
    source: "t:syscalls:sys_enter_read,\n  t:syscalls:sys_enter_write // both\n  /pid != 0/ { @[probe] = count(); }",
    expected: [],
  },
  // Probe types.
  { name: "a uprobe, elevated types not allowed", source: "uprobe:/bin/bash:readline { @[pid] = count(); }", expected: ["probe-type-elevated"] },
  { name: "a uprobe, elevated types allowed", source: "uprobe:/bin/bash:readline { @[pid] = count(); }", policy: ELEVATED_ON, expected: ["warning:probe-type-elevated"] },
  {
    name: "a uretprobe with a quoted C++ name",
    source: 'ur:/opt/app:"ns::fn(char const*)" { @[retval] = count(); }',
    policy: ELEVATED_ON,
    expected: ["warning:probe-type-elevated"],
  },
  { name: "a kretprobe by its alias", source: "kr:vfs_read { @bytes = hist(retval); }", expected: ["probe-type-elevated"] },
  { name: "kfunc, 0.17's name of fentry", source: "kfunc:vfs_read { @ = count(); }\nf:vfs_write { @ = count(); }", expected: ["probe-type-elevated", "probe-type-elevated"] },
  {
    name: "a path that starts with // is not a comment",
    source: 'uprobe://bin/bash:readline { system("id"); }',
    policy: ELEVATED_ON,
    expected: ["warning:probe-type-elevated", "unsafe-builtin"],
  },
  { name: "a watchpoint", source: "watchpoint:0x10000000:8:rw { exit(); }", expected: ["probe-type-not-allowed"] },
  { name: "an iterator", source: 'iter:task { printf("%s\\n", ctx.task.comm); }', expected: ["probe-type-not-allowed"] },
  { name: "hardware, allowed by a policy", source: "hardware:cache-misses:1000000 { @[comm] = count(); }", policy: { allowedProbeTypes: ["hardware"] }, expected: [] },
  { name: "self:signal is its own type, not a call", source: 'self:signal:SIGUSR1 { print("usr1"); }', expected: ["probe-type-not-allowed"] },
  { name: "a misspelt probe type", source: "tracepiont:syscalls:sys_enter_read { exit(); }", expected: ["probe-type-not-allowed"] },
  { name: "a wildcard probe type", source: "*:vfs_read { exit(); }", expected: ["probe-type-not-allowed"] },
  // Wildcards and counts.
  { name: "a narrow wildcard without a catalog", source: "t:syscalls:sys_enter_read* { @[probe] = count(); }", expected: ["warning:wildcard-uncounted"] },
  { name: "a category wildcard without a catalog", source: "tracepoint:*:sys_enter_read { exit(); }", expected: ["wildcard-too-broad"] },
  { name: "a bare * without a catalog", source: "tracepoint:syscalls:* { @[probe] = count(); }", expected: ["wildcard-too-broad"] },
  { name: "a narrow wildcard counted in the catalog", source: "t:syscalls:sys_enter_read* { @[probe] = count(); }", catalog: CATALOG, expected: [] },
  {
    name: "a wildcard above the cap",
    source: "tracepoint:syscalls:sys_enter_* { @[probe] = count(); }",
    policy: { maxTotalProbes: 1000 },
    catalog: CATALOG,
    expected: ["wildcard-too-broad"],
  },
  {
    name: "everything, counted",
    source: "tracepoint:*:* { @[probe] = count(); }",
    catalog: CATALOG,
    expected: ["too-many-probes", "wildcard-too-broad"],
  },
  {
    name: "a kprobe wildcard against module-qualified entries",
    source: "kprobe:ext4_* { @ = count(); }",
    policy: ELEVATED_ON,
    catalog: CATALOG,
    expected: ["warning:probe-type-elevated"],
  },
  { name: "a misspelt tracepoint the host does not have", source: "tracepoint:syscalls:sys_enter_reed { exit(); }", catalog: CATALOG, expected: ["warning:probe-not-found"] },
  {
    name: "timers and software events are not looked up in a catalog",
    source: "software:cs:100 { @ = count(); }\ni:s:1 { print(@); }",
    catalog: [...CATALOG, "software:*:", "software:context-switches:"],
    expected: [],
  },
  {
    name: "too many probes in total",
    source: "i:s:1, i:s:2, i:s:3 { @ = count(); }",
    policy: { maxTotalProbes: 2 },
    expected: ["too-many-probes"],
  },
  // Preamble.
  { name: "a config block, none allowed", source: "config = { max_map_keys = 100000 }\nBEGIN { exit(); }", expected: ["config-block"] },
  {
    name: "a config block raising max_map_keys",
    source: "config = {\n  stack_mode = perf;\n  max_map_keys = 100000\n}\nBEGIN { exit(); }",
    policy: CONFIG_ON,
    expected: ["config-key"],
  },
  { name: "a config block lowering a limit by its env name", source: "config = { BPFTRACE_MAX_STRLEN = 64 }\nBEGIN { exit(); }", policy: CONFIG_ON, expected: [] },
  { name: "a config key outside the policy", source: 'config = { license = "Dual MIT/GPL"; }\nBEGIN { exit(); }', policy: CONFIG_ON, expected: ["config-key"] },
  { name: "a kernel header", source: '#include <linux/sched.h>\nBEGIN { printf("%d\\n", TASK_COMM_LEN); }', expected: [] },
  { name: "a quoted include", source: '#include "/etc/shadow"\nBEGIN { exit(); }', expected: ["include"] },
  { name: "a header path that climbs out", source: "#include <linux/../../../etc/shadow>\nBEGIN { exit(); }", expected: ["include"] },
  { name: "a header outside the allow-list", source: "#include <openssl/ssl.h>\nBEGIN { exit(); }", expected: ["include"] },
  { name: "#include_next of an allowed header", source: "#include_next <linux/sched.h>\nBEGIN { exit(); }", expected: ["include"] },
  { name: "#import and #embed of an allowed header", source: "#import <linux/sched.h>\n#embed <linux/sched.h>\nBEGIN { exit(); }", expected: ["include", "include"] },
  { name: "an import", source: 'import "helpers.bt";\nBEGIN { exit(); }', expected: ["import"] },
  { name: "a small map declaration", source: "let @seen = lruhash(1000);\nBEGIN { @seen[1] = 1; }", expected: [] },
  { name: "a huge map declaration", source: "let @seen = hash(1_000_000);\nBEGIN { exit(); }", expected: ["map-too-large"] },
  { name: "a map size in hex", source: "let @seen = percpuhash(0x10000);\nBEGIN { exit(); }", expected: ["map-too-large"] },
  { name: "a map size that is not a literal", source: "let @seen = hash($1);\nBEGIN { exit(); }", expected: ["map-too-large"] },
  { name: "a program over the length cap", source: `BEGIN { printf("${"x".repeat(100)}"); }`, policy: { maxProgramBytes: 64 }, expected: ["program-too-long"] },
  // Half-written programs.
  { name: "an unterminated string", source: 'BEGIN { printf("hello); }', expected: ["syntax", "syntax"] },
  { name: "an unterminated comment hides nothing it can run", source: 'BEGIN { /* system("id") }', expected: ["syntax", "syntax"] },
  { name: "a predicate being typed", source: "tracepoint:syscalls:sys_enter_read /pid ==", expected: ["syntax", "syntax"] },
  { name: "a stray closing brace", source: "BEGIN { exit(); } }\nEND { }", expected: ["syntax"] },
  { name: "a statement outside any block", source: "@x = 1;\nBEGIN { exit(); }", expected: ["syntax"] },
  { name: "a character bpftrace rejects", source: "BEGIN { `id` }", expected: ["syntax", "syntax"] },
];

function describeFindings(result: ReturnType<typeof lintProgram>): string[] {
  return result.findings.map((finding) => (finding.severity === "warning" ? `warning:${finding.code}` : finding.code));
}

describe("lintProgram", () => {
  it("has a table of at least 40 programs", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(CASES)("$name", ({ source, policy, catalog, expected }) => {
    const result = lintProgram(source, policy, catalog);
    expect(describeFindings(result)).toEqual(expected);
    expect(result.blocked).toBe(expected.some((code) => !code.startsWith("warning:")));
  });

  it("locates a refused call at its name", () => {
    const [finding] = lintProgram('BEGIN {\n  @x = 1;\n  system("id");\n}').findings;
    expect(finding).toMatchObject({ code: "unsafe-builtin", severity: "error", line: 3, column: 3, endLine: 3, endColumn: 9 });
    expect(finding!.message).toBe("system() runs a shell command as root; bpftrace allows it only with --unsafe, which this workbench never passes.");
  });

  it("locates a probe finding on the whole probe specification", () => {
    const [finding] = lintProgram("BEGIN { }\n  uprobe:/bin/bash:readline { }").findings;
    expect(finding).toMatchObject({ code: "probe-type-elevated", line: 2, column: 3, endLine: 2, endColumn: 28 });
  });

  it("locates an unterminated string from its quote to the end of its line", () => {
    const { findings } = lintProgram('BEGIN {\n  printf("oops);\n}');
    expect(findings).toEqual([expect.objectContaining({ code: "syntax", line: 2, column: 10, endLine: 2, endColumn: 17 })]);
  });

  it("locates a too-long program from the first byte over the cap", () => {
    const [finding] = lintProgram("BEGIN { }\n// é\n", { maxProgramBytes: 14 }).findings;
    // "BEGIN { }\n" is 10 bytes, "// " 3 more, "é" 2: the 15th byte is in the é.
    expect(finding).toMatchObject({ code: "program-too-long", line: 2, column: 4 });
  });

  it("summarizes probes, types, counts, functions and notable uses for the reviewer", () => {
    const { summary } = lintProgram('t:syscalls:sys_enter_read* /pid > 1/ { @[comm] = count(); printf("%s\\n", str(args.buf)); }\ninterval:s:1 { print(@); }', {}, CATALOG);
    expect(summary).toEqual({
      probes: [
        { spec: "t:syscalls:sys_enter_read*", type: "tracepoint", count: 5, line: 1, column: 1 },
        { spec: "interval:s:1", type: "interval", count: 1, line: 2, column: 1 },
      ],
      probeTypes: ["tracepoint", "interval"],
      probeCount: 6,
      probeCountExact: true,
      functions: ["count", "print", "printf", "str"],
      builtins: ["args", "comm", "pid"],
      notable: [{ name: "str", reason: "copies strings out of kernel or process memory into the output" }],
      risk: "low",
      riskReason: "6 probes (tracepoint, interval); nothing refused or elevated.",
    });
  });

  it("rates a program elevated when only warnings remain, refused when an error does", () => {
    const uprobe = "uprobe:/bin/bash:readline { @[comm] = count(); }";
    expect(lintProgram(uprobe, ELEVATED_ON).summary).toMatchObject({
      risk: "elevated",
      riskReason: "1 warning for the reviewer: probe-type-elevated (line 1).",
    });
    expect(lintProgram(`${uprobe}\nBEGIN { system("id"); }`).summary).toMatchObject({
      risk: "refused",
      riskReason: "2 blocking findings: probe-type-elevated (line 1), unsafe-builtin (line 2).",
    });
  });

  it("does not count an uncounted wildcard as exact", () => {
    const { summary } = lintProgram("t:syscalls:sys_enter_read* { }");
    expect(summary).toMatchObject({ probeCount: 1, probeCountExact: false, probes: [expect.objectContaining({ count: null })] });
  });

  it("documents every finding code in docs/policy-lint.md", () => {
    const docs = readFileSync(path.join(import.meta.dirname, "../../../docs/policy-lint.md"), "utf8");
    const undocumented = ALL_FINDING_CODES.filter((code: FindingCode) => !docs.includes(`\`${code}\``));
    expect(undocumented).toEqual([]);
  });
});

/** mulberry32: a seeded generator, so a failure here can be replayed. */
function randomGenerator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FRAGMENTS = [
  '"',
  "\\",
  "/",
  "*",
  "//",
  "/*",
  "*/",
  "{",
  "}",
  "(",
  ")",
  ":",
  ",",
  ";",
  "#include <",
  "#define ",
  "config = {",
  "let @m = hash(",
  "import ",
  "system(",
  "cat(",
  "@",
  "$",
  "uprobe:/bin/x:",
  "t:syscalls:*",
  "BEGIN",
  "\n",
  " ",
  "é",
  "\u{1F600}",
  "\r\n",
  "x",
  "0x1f",
  "=",
];

/** Lints without throwing, and every finding has a sane range (one expect per program: they are many). */
function checkShape(source: string, policy?: Partial<LintPolicy>, catalog?: readonly string[]): void {
  const result = lintProgram(source, policy, catalog);
  const misplaced = result.findings.filter(
    (finding) => finding.line < 1 || finding.column < 1 || finding.endLine < finding.line || (finding.endLine === finding.line && finding.endColumn < finding.column),
  );
  expect({ source, misplaced, blocked: result.blocked }).toEqual({
    source,
    misplaced: [],
    blocked: result.findings.some((finding) => finding.severity === "error"),
  });
}

describe("lintProgram on arbitrary input", () => {
  it("never throws on any prefix of the table's programs", () => {
    for (const { source, policy, catalog } of CASES) {
      for (let length = 0; length <= source.length; length++) checkShape(source.slice(0, length), policy, catalog);
    }
  });

  it("never throws on random programs made of bpftrace's tricky pieces", () => {
    const random = randomGenerator(20261127);
    for (let run = 0; run < 2000; run++) {
      const pieces = Array.from({ length: 1 + Math.floor(random() * 40) }, () => FRAGMENTS[Math.floor(random() * FRAGMENTS.length)]!);
      checkShape(pieces.join(""), run % 2 ? { allowConfigBlock: true } : undefined, run % 3 ? undefined : CATALOG);
    }
  });

  it("never throws on random characters", () => {
    const random = randomGenerator(7);
    for (let run = 0; run < 500; run++) {
      const codes = Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 0x3000));
      checkShape(String.fromCharCode(...codes));
    }
  });
});
