// The vocabulary of the bpftrace language as plain data: probe types,
// builtins, functions and keywords. The editor uses it for highlighting and
// completion; the policy lint (shared by server and agent) can use the same
// lists, which is why this file imports nothing.
//
// Sources: bpftrace's docs/language.md and docs/stdlib.md. Names from both old
// (0.17, installed on our hosts) and new (0.24+) releases are listed, since
// hosts run whatever their distribution ships.

export type ProbeType = {
  name: string;
  /** The short form bpftrace also accepts, e.g. `t` for `tracepoint`. */
  alias?: string;
  /** The shape of a full probe, `<...>` marking the parts the author fills in. */
  syntax: string;
  /**
   * A complete probe of this type, for types whose probes are not listed by
   * `bpftrace -l` (timers and the special begin/end probes): completion inserts
   * it instead of waiting for a listing that will never come.
   */
  template?: string;
  description: string;
};

export const PROBE_TYPES: readonly ProbeType[] = [
  { name: "BEGIN", syntax: "BEGIN", template: "BEGIN", description: "Fires once when bpftrace starts (spelled `begin` from 0.24)." },
  { name: "END", syntax: "END", template: "END", description: "Fires once when bpftrace exits (spelled `end` from 0.24)." },
  { name: "begin", syntax: "begin", template: "begin", description: "Fires once when bpftrace starts (bpftrace 0.24+)." },
  { name: "end", syntax: "end", template: "end", description: "Fires once when bpftrace exits (bpftrace 0.24+)." },
  { name: "tracepoint", alias: "t", syntax: "tracepoint:<subsystem>:<event>", description: "Kernel static tracepoint; arguments in `args`." },
  { name: "rawtracepoint", alias: "rt", syntax: "rawtracepoint[:<module>]:<event>", description: "Kernel tracepoint with raw arguments." },
  { name: "kprobe", alias: "k", syntax: "kprobe[:<module>]:<function>[+<offset>]", description: "Kernel function entry; arguments in `arg0`..`argN`." },
  { name: "kretprobe", alias: "kr", syntax: "kretprobe[:<module>]:<function>", description: "Kernel function return; value in `retval`." },
  { name: "fentry", alias: "f", syntax: "fentry[:<module>]:<function>", description: "Kernel function entry through BTF trampolines (formerly `kfunc`)." },
  { name: "fexit", alias: "fr", syntax: "fexit[:<module>]:<function>", description: "Kernel function return through BTF trampolines (formerly `kretfunc`)." },
  { name: "kfunc", syntax: "kfunc[:<module>]:<function>", description: "Old name of `fentry`." },
  { name: "kretfunc", syntax: "kretfunc[:<module>]:<function>", description: "Old name of `fexit`." },
  { name: "uprobe", alias: "u", syntax: "uprobe:<binary>:<function>", description: "User-space function entry." },
  { name: "uretprobe", alias: "ur", syntax: "uretprobe:<binary>:<function>", description: "User-space function return." },
  { name: "usdt", alias: "U", syntax: "usdt:<binary>:[<namespace>:]<probe>", description: "User-space static tracepoint." },
  { name: "profile", alias: "p", syntax: "profile:<hz|s|ms|us>:<rate>", template: "profile:hz:99", description: "Timed sampling on every CPU." },
  { name: "interval", alias: "i", syntax: "interval:<s|ms|us|hz>:<count>", template: "interval:s:1", description: "Timer on one CPU, for periodic output." },
  { name: "software", alias: "s", syntax: "software:<event>:[<count>]", description: "Kernel software event (cpu-clock, page-faults, context-switches, ...)." },
  { name: "hardware", alias: "h", syntax: "hardware:<event>:[<count>]", description: "Processor counter event (cycles, instructions, cache-misses, ...)." },
  { name: "watchpoint", alias: "w", syntax: "watchpoint:<address>:<length>:<mode>", description: "Memory watchpoint (experimental)." },
  { name: "iter", alias: "it", syntax: "iter:<object>[:<pin>]", description: "BPF iterator over kernel objects (experimental)." },
  { name: "self", syntax: "self:signal:<signal>", description: "Event raised in bpftrace itself, e.g. a signal it receives." },
  { name: "asyncwatchpoint", alias: "aw", syntax: "asyncwatchpoint:<address>:<length>:<mode>", description: "Memory watchpoint that does not stop the tracee (experimental)." },
  { name: "bench", syntax: "bench:<name>", description: "Micro benchmark, run only by `bpftrace --bench` (recent releases)." },
  { name: "test", syntax: "test:<name>", description: "Test probe, run only by `bpftrace --test` (recent releases)." },
];

export type LanguageItem = {
  name: string;
  /** How it is called or read, as the bpftrace docs write it. */
  signature: string;
  description: string;
};

/**
 * Values a probe body reads without calling anything. Not listed: `arg0`..`argN`
 * (function arguments) and `sarg0`..`sargN` (stack arguments, older releases),
 * which are patterns rather than names.
 */
export const BUILTINS: readonly LanguageItem[] = [
  { name: "pid", signature: "uint32 pid", description: "Process ID of the current thread." },
  { name: "tid", signature: "uint32 tid", description: "Thread ID of the current thread." },
  { name: "ppid", signature: "uint32 ppid", description: "Parent process ID." },
  { name: "uid", signature: "uint64 uid", description: "User ID of the current thread." },
  { name: "gid", signature: "uint64 gid", description: "Group ID of the current thread." },
  { name: "username", signature: "string username", description: "Name of the current user." },
  { name: "comm", signature: "string comm", description: "Name of the current thread." },
  { name: "pcomm", signature: "string pcomm", description: "Name of the current process." },
  { name: "nsecs", signature: "uint64 nsecs", description: "Nanosecond timestamp since boot." },
  { name: "elapsed", signature: "uint64 elapsed", description: "Nanoseconds since bpftrace started." },
  { name: "jiffies", signature: "uint64 jiffies", description: "Jiffies of the kernel." },
  { name: "cpu", signature: "uint32 cpu", description: "ID of the CPU running the probe." },
  { name: "ncpus", signature: "uint64 ncpus", description: "Number of CPUs." },
  { name: "numaid", signature: "uint32 numaid", description: "ID of the NUMA node running the probe." },
  { name: "cgroup", signature: "uint64 cgroup", description: "ID of the current process's cgroup (v2)." },
  { name: "curtask", signature: "uint64 curtask", description: "Pointer to the current `struct task_struct`." },
  { name: "rand", signature: "uint32 rand", description: "A pseudo-random number." },
  { name: "args", signature: "args", description: "Arguments of the traced tracepoint or function, as a struct." },
  { name: "retval", signature: "uint64 retval", description: "Return value of the traced function (kretprobe, uretprobe, fexit)." },
  { name: "func", signature: "string func", description: "Name of the traced function." },
  { name: "probe", signature: "string probe", description: "Full name of the probe that fired." },
  { name: "probetype", signature: "string probetype", description: "Type of the probe that fired." },
  { name: "kstack", signature: "kstack_t kstack", description: "Kernel stack trace." },
  { name: "ustack", signature: "ustack_t ustack", description: "User stack trace." },
  { name: "cpid", signature: "uint32 cpid", description: "Child process ID when bpftrace runs a command with -c." },
  { name: "usermode", signature: "uint8 usermode", description: "1 if the CPU is in user mode (x86_64 only)." },
];

export type LanguageFunction = LanguageItem & {
  /**
   * Needs `bpftrace --unsafe`: it changes the traced system instead of only
   * observing it. The agent never passes that flag, so such programs cannot run.
   */
  unsafe?: true;
};

export const FUNCTIONS: readonly LanguageFunction[] = [
  { name: "count", signature: "count()", description: "Count how often this is called." },
  { name: "sum", signature: "sum(int64 n)", description: "Sum of the values." },
  { name: "avg", signature: "avg(int64 n)", description: "Average of the values." },
  { name: "min", signature: "min(int64 n)", description: "Smallest value." },
  { name: "max", signature: "max(int64 n)", description: "Largest value." },
  { name: "stats", signature: "stats(int64 n)", description: "Count, average and total of the values." },
  { name: "hist", signature: "hist(int64 n[, int k])", description: "Log2 histogram, 2^k buckets per power of two." },
  { name: "lhist", signature: "lhist(int64 n, int64 min, int64 max, int64 step)", description: "Linear histogram." },
  { name: "tseries", signature: "tseries(int64 n, int64 interval_ns, int64 num_intervals[, string agg])", description: "Time series of a value." },
  { name: "print", signature: "print(@map[, top[, div]]) | print(value)", description: "Print a map or a value." },
  { name: "printf", signature: "printf(string fmt, ...args)", description: "Formatted print." },
  { name: "errorf", signature: "errorf(string fmt, ...args)", description: "Print an error with the source location." },
  { name: "warnf", signature: "warnf(string fmt, ...args)", description: "Print a warning with the source location." },
  { name: "time", signature: "time(string fmt)", description: "Print the current wall time." },
  { name: "strftime", signature: "strftime(string fmt, int64 timestamp_ns)", description: "Format a timestamp for printing." },
  { name: "clear", signature: "clear(@map)", description: "Remove every key of a map." },
  { name: "zero", signature: "zero(@map)", description: "Set every value of a map to zero." },
  { name: "delete", signature: "delete(@map, key)", description: "Remove one key from a map." },
  { name: "has_key", signature: "has_key(@map, key)", description: "Whether a map holds a key." },
  { name: "len", signature: "len(@map | stack)", description: "Number of map elements or stack frames." },
  { name: "exit", signature: "exit([int code])", description: "Stop bpftrace; END probes still run." },
  { name: "str", signature: "str(char *data[, uint32 length])", description: "Read a NUL-terminated string." },
  { name: "buf", signature: "buf(void *data[, int64 length])", description: "Read bytes for printing with %r." },
  { name: "strlen", signature: "strlen(string s)", description: "Length of a string." },
  { name: "strncmp", signature: "strncmp(string a, string b, int64 n)", description: "Compare up to n characters." },
  { name: "strcontains", signature: "strcontains(string haystack, string needle)", description: "Whether a string contains another." },
  { name: "strstr", signature: "strstr(string haystack, string needle)", description: "Index of a substring, or -1." },
  { name: "strerror", signature: "strerror(int error)", description: "Text of an errno value." },
  { name: "join", signature: "join(char *arr[][, string sep])", description: "Print an array of strings joined." },
  { name: "ksym", signature: "ksym(uint64 addr)", description: "Kernel symbol containing an address." },
  { name: "usym", signature: "usym(uint64 addr)", description: "User symbol containing an address." },
  { name: "kaddr", signature: "kaddr(string name)", description: "Address of a kernel symbol." },
  { name: "uaddr", signature: "uaddr(string name)", description: "Address of a user symbol." },
  { name: "reg", signature: "reg(string name)", description: "Value of a CPU register." },
  { name: "ntop", signature: "ntop([int64 af, ]addr)", description: "Text form of an IP address." },
  { name: "pton", signature: "pton(string addr)", description: "Bytes of an IP address." },
  { name: "macaddr", signature: "macaddr(char[6] mac)", description: "Text form of a MAC address." },
  { name: "cgroupid", signature: "cgroupid(string path)", description: "ID of a cgroup v2 path." },
  { name: "cgroup_path", signature: "cgroup_path(int cgroupid[, string filter])", description: "Path of a cgroup ID." },
  { name: "path", signature: "path(struct path *p[, int32 size])", description: "Full path of a `struct path`." },
  { name: "kstack", signature: "kstack([mode, ][int limit])", description: "Kernel stack trace." },
  { name: "ustack", signature: "ustack([mode, ][int limit])", description: "User stack trace." },
  { name: "sizeof", signature: "sizeof(TYPE | expression)", description: "Size in bytes." },
  { name: "offsetof", signature: "offsetof(STRUCT, FIELD)", description: "Offset of a struct field." },
  { name: "cat", signature: "cat(string namefmt, ...args)", description: "Print the contents of a file." },
  { name: "unwatch", signature: "unwatch(void *addr)", description: "Remove a watchpoint." },
  { name: "bswap", signature: "bswap(uint n)", description: "Reverse the byte order." },
  { name: "skboutput", signature: "skboutput(string path, struct sk_buff *skb, uint64 length, uint64 offset)", description: "Write packet data to a pcap file." },
  { name: "socket_cookie", signature: "socket_cookie(struct sock *sk)", description: "Cookie of a socket." },
  { name: "getopt", signature: "getopt(string name[, default])", description: "Named command-line parameter." },
  { name: "system", signature: "system(string cmdfmt, ...args)", description: "Run a shell command.", unsafe: true },
  { name: "signal", signature: "signal(string sig | uint32 signum)", description: "Send a signal to the traced process.", unsafe: true },
  { name: "signal_thread", signature: "signal_thread(string sig | uint32 signum)", description: "Send a signal to the traced thread.", unsafe: true },
  { name: "override", signature: "override(uint64 rc)", description: "Make the probed kernel function return rc.", unsafe: true },
];

/** Statement keywords; `while` is deprecated upstream in favour of `for`. */
export const KEYWORDS: readonly string[] = ["if", "else", "for", "while", "unroll", "return", "break", "continue", "let", "config", "macro", "import"];

/** Type names that appear in casts (`(struct task_struct *)curtask`) and declarations. */
export const TYPE_KEYWORDS: readonly string[] = [
  "struct",
  "union",
  "enum",
  "bool",
  "string",
  "void",
  "char",
  "int8",
  "int16",
  "int32",
  "int64",
  "uint8",
  "uint16",
  "uint32",
  "uint64",
];

/** `t` → `tracepoint`; full names map to themselves; unknown names to undefined. */
export function resolveProbeType(nameOrAlias: string): ProbeType | undefined {
  return PROBE_TYPES.find((type) => type.name === nameOrAlias || type.alias === nameOrAlias);
}
