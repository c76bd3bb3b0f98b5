// What plain JSON.parse gets wrong in `bpftrace -f json` output, and the
// repairs. Lines are first read with JSON.parse alone; `rewriteLine` rewrites
// a line so JSON.parse loses nothing, and only runs on the few lines that need
// it (to-output-record.ts finds them while building the record, at no cost to
// the others).
//
// 1. Integers beyond 2^53. bpftrace up to 0.23 prints every integer bare
//    (`72057594037927935`), which JSON.parse rounds. From 0.24 bpftrace prints
//    integers a double cannot hold as JSON strings, but still prints bare the
//    ones a double holds exactly (2^60) and histogram counts
//    (src/output/json.cpp, JsonEmitter<int64_t> and JsonEmitter<Histogram>).
//    The `exactIntegers` rewrite turns every bare integer beyond 2^53 into its
//    decimal string, the form records carry (JsonInt).
// 2. Map key order. JSON.parse enumerates integer-like keys ("0", "42") first
//    and in numeric order, not in the order bpftrace printed them (by value for
//    count maps, by total for histograms). The `keyOrder` rewrite puts
//    MARKED_KEY_PREFIX in front of such keys so insertion order holds;
//    `restoreMapKey` removes it.
// 3. Non-ASCII text. Every bpftrace version escapes each byte >= 0x80 of a
//    string as "\uffffffXX" (a signed char sign-extended into the \u escape,
//    JsonEmitter<std::string> in src/output/json.cpp, json_escape before it),
//    which JSON.parse reads as U+FFFF followed by "ffXX". `repairText` decodes
//    runs of those back into the UTF-8 text they came from.

/**
 * Put in front of integer-like map keys so JSON.parse keeps their order. A NUL
 * cannot start a real key: bpftrace strings end at NUL, and bpftrace escapes
 * control characters, so no key it prints starts with one.
 */
const MARKED_KEY_PREFIX = "\u0000";
/** MARKED_KEY_PREFIX as a JSON string escape. */
const MARKED_KEY_ESCAPE = "\\u0000";

/**
 * An integer-like object key, with what precedes and follows it. Requiring
 * "{" or "," before the quote makes it structural: inside a JSON string every
 * quote is preceded by a backslash.
 */
const INTEGER_KEY = /([{,]\s*)"(\d+)"(\s*:)/g;
/** A JSON string (skipped whole, so digits inside text stay text) or a JSON number. */
const STRING_OR_NUMBER_TOKEN = /"[^"\\]*(?:\\.[^"\\]*)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
const MAX_SAFE_DIGITS = String(Number.MAX_SAFE_INTEGER);

/** A run of U+FFFF "ff" XX: how JSON.parse reads bpftrace's escapes of bytes 0x80 to 0xff. */
const SIGN_EXTENDED_BYTE_RUN = /(?:\uffffff[89a-f][0-9a-f])+/g;
const ESCAPED_BYTE_LENGTH = 5;
const utf8 = new TextDecoder();

export type LineRewrites = { exactIntegers: boolean; keyOrder: boolean };

/** The line, rewritten so that JSON.parse keeps integers beyond 2^53 exact and/or integer-like keys in order. */
export function rewriteLine(line: string, rewrites: LineRewrites): string {
  let text = line;
  if (rewrites.keyOrder) text = text.replace(INTEGER_KEY, `$1"${MARKED_KEY_ESCAPE}$2"$3`);
  if (rewrites.exactIntegers) text = text.replace(STRING_OR_NUMBER_TOKEN, quoteUnsafeInteger);
  return text;
}

/** The key as bpftrace printed it, for a key of a line rewritten for `keyOrder`. */
export function restoreMapKey(key: string): string {
  return key.startsWith(MARKED_KEY_PREFIX) ? key.slice(MARKED_KEY_PREFIX.length) : key;
}

/** The text bpftrace meant, for a string JSON.parse read from its output. */
export function repairText(text: string): string {
  return text.includes("\uffff") ? text.replace(SIGN_EXTENDED_BYTE_RUN, decodeByteRun) : text;
}

function quoteUnsafeInteger(token: string): string {
  return !token.startsWith('"') && isUnsafeInteger(token) ? `"${token}"` : token;
}

function isUnsafeInteger(token: string): boolean {
  const digits = token.startsWith("-") ? token.slice(1) : token;
  if (digits.length < MAX_SAFE_DIGITS.length || /[.eE]/.test(digits)) return false;
  // JSON numbers have no leading zeros, so equal lengths compare as text.
  return digits.length > MAX_SAFE_DIGITS.length || digits > MAX_SAFE_DIGITS;
}

function decodeByteRun(run: string): string {
  const bytes = new Uint8Array(run.length / ESCAPED_BYTE_LENGTH);
  for (let i = 0; i < bytes.length; i++) {
    const at = i * ESCAPED_BYTE_LENGTH + 3;
    bytes[i] = Number.parseInt(run.slice(at, at + 2), 16);
  }
  return utf8.decode(bytes);
}
