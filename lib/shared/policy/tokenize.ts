// A tokenizer for bpftrace programs, written for the policy lint: it must see
// exactly the calls bpftrace would compile, and it runs in the browser on every
// keystroke, so it is one pass over char codes and never throws.
//
// Where it has to choose, it chooses to show more code to the lint, never less:
// a string ends at the end of its line as in bpftrace 0.17's lexer ("unterminated
// string", and lexing resumes on the next line), a `#` directive never continues
// on the next line, and `/` inside a probe specification is a path character,
// never the start of a comment (0.17 lexes `:/bin/bash:` as one path token).

export type TokenKind =
  | "ident"
  | "map" // @name, or @ alone
  | "var" // $name, $1, $#
  | "number"
  | "string"
  | "probe" // a probe specification at the top level: tracepoint:syscalls:sys_enter_read, BEGIN
  | "directive" // a preprocessor line: #include <linux/sched.h>, #define X 1
  | "predicate-open" // the `/` after a probe list
  | "predicate-close" // the `/` before the action block
  | "punct"
  | "invalid";

export type Token = { kind: TokenKind; text: string; start: number; end: number };

/** Something the tokenizer could not read; `start`/`end` are offsets into the source. */
export type LexProblem = { message: string; start: number; end: number };

export type TokenizedProgram = { tokens: Token[]; problems: LexProblem[] };

/** bpftrace's begin/end probes take no `:` part; 0.24 added the lower-case spelling. */
const BARE_PROBES = new Set(["BEGIN", "END", "begin", "end"]);

/** Words that start a preamble item rather than a probe at the top level (docs/language.md, "Preamble"). */
export const TOP_LEVEL_KEYWORDS = new Set(["config", "struct", "union", "enum", "typedef", "let", "import", "macro", "fn"]);

const OPERATORS_3 = new Set(["<<=", ">>="]);
const OPERATORS_2 = new Set(["->", "==", "!=", "<=", ">=", "&&", "||", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<", ">>", ".."]);
/** The second characters of the operators above: any other next character makes a one-character token. */
const OPERATOR_SECOND_CHARS = "=<>&|+-.";
const SINGLE_PUNCT = "{}()[],;:.+-*/%&|^!~<>=?";

const IDENT_START = 1;
const IDENT_PART = 2;
const PROBE_PART = 4; // characters of an unquoted probe specification part after the first `:`
const PUNCT = 8;
const charClass = new Uint8Array(128);
for (let code = 0; code < 128; code++) {
  const c = String.fromCharCode(code);
  if (/[A-Za-z_]/.test(c)) charClass[code]! |= IDENT_START | IDENT_PART | PROBE_PART;
  if (/[0-9]/.test(c)) charClass[code]! |= IDENT_PART | PROBE_PART;
  // Paths (/usr/lib/libc.so.6), event names (cpu-clock), offsets (+8), wildcards, positional parameters ($1).
  if ("-./*?+$".includes(c)) charClass[code]! |= PROBE_PART;
  if (SINGLE_PUNCT.includes(c)) charClass[code]! |= PUNCT;
}

const is = (code: number, flag: number) => code < 128 && (charClass[code]! & flag) !== 0;
const isHorizontalSpace = (code: number) => code === 0x20 || code === 0x09;
const isSpace = (code: number) => code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d || code === 0x0c || code === 0x0b;
const isWildcard = (code: number) => code === 0x2a /* * */ || code === 0x3f; /* ? */

const NEWLINE = 0x0a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SLASH = 0x2f;
const STAR = 0x2a;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LPAREN = 0x28;
const RPAREN = 0x29;

export function tokenize(source: string): TokenizedProgram {
  return new Tokenizer(source).run();
}

class Tokenizer {
  private readonly tokens: Token[] = [];
  private readonly problems: LexProblem[] = [];
  private pos = 0;
  private braceDepth = 0;
  private parenDepth = 0;
  private inPredicate = false;
  private lastKind: TokenKind | undefined;

  constructor(private readonly src: string) {}

  run(): TokenizedProgram {
    const { src } = this;
    while (this.pos < src.length) {
      const code = src.charCodeAt(this.pos);
      if (isSpace(code)) this.pos++;
      else if (code === SLASH && src.charCodeAt(this.pos + 1) === SLASH) this.skipLineComment();
      else if (code === SLASH && src.charCodeAt(this.pos + 1) === STAR) this.skipBlockComment();
      else if (code === QUOTE) this.readString();
      else if (code === 0x23 /* # */) this.readDirective();
      else if (code === 0x40 /* @ */) this.readWord("map", this.pos + 1);
      else if (code === 0x24 /* $ */) this.readVariable();
      else if (code >= 0x30 && code <= 0x39) this.readWord("number", this.pos + 1);
      else if (this.atTopLevel() && (is(code, IDENT_START) || isWildcard(code)) && this.readProbeAtTopLevel()) continue;
      else if (is(code, IDENT_START)) this.readWord("ident", this.pos + 1);
      else if (code === SLASH) this.readSlash();
      else if (is(code, PUNCT)) this.readPunct();
      else this.readInvalid();
    }
    return { tokens: this.tokens, problems: this.problems };
  }

  private atTopLevel(): boolean {
    return this.braceDepth === 0 && this.parenDepth === 0 && !this.inPredicate;
  }

  private push(kind: TokenKind, start: number, end: number): void {
    this.tokens.push({ kind, text: this.src.slice(start, end), start, end });
    this.lastKind = kind;
    this.pos = end;
  }

  private problem(message: string, start: number, end: number): void {
    this.problems.push({ message, start, end });
  }

  private lineEnd(from: number): number {
    const end = this.src.indexOf("\n", from);
    return end === -1 ? this.src.length : end;
  }

  private skipLineComment(): void {
    this.pos = this.lineEnd(this.pos);
  }

  private skipBlockComment(): void {
    const close = this.src.indexOf("*/", this.pos + 2);
    if (close === -1) {
      this.problem("This comment is never closed with */.", this.pos, this.pos + 2);
      this.pos = this.src.length;
    } else {
      this.pos = close + 2;
    }
  }

  /** A string ends at its closing quote, or (unterminated) at the end of its line. */
  private readString(): void {
    const start = this.pos;
    const end = this.scanQuoted(start);
    if (end === undefined) {
      const lineEnd = this.lineEnd(start);
      this.problem('This string is never closed: add a " before the end of the line.', start, lineEnd);
      this.push("string", start, lineEnd);
    } else {
      this.push("string", start, end);
    }
  }

  /** The offset after the closing quote of the string opening at `start`, or undefined at a line end. */
  private scanQuoted(start: number): number | undefined {
    const { src } = this;
    let i = start + 1;
    while (i < src.length) {
      const code = src.charCodeAt(i);
      if (code === QUOTE) return i + 1;
      if (code === NEWLINE) return undefined;
      i += code === BACKSLASH && src.charCodeAt(i + 1) !== NEWLINE ? 2 : 1;
    }
    return undefined;
  }

  private readDirective(): void {
    this.push("directive", this.pos, this.lineEnd(this.pos));
  }

  private readWord(kind: TokenKind, from: number): void {
    let i = from;
    while (i < this.src.length && is(this.src.charCodeAt(i), IDENT_PART)) i++;
    this.push(kind, this.pos, i);
  }

  /** `$name`, `$1` and `$#` (the number of positional parameters). */
  private readVariable(): void {
    if (this.src.charCodeAt(this.pos + 1) === 0x23) this.push("var", this.pos, this.pos + 2);
    else this.readWord("var", this.pos + 1);
  }

  /**
   * At the top level a word followed by `:` starts a probe specification, as do the bare
   * BEGIN/END probes. Returns false when the word is something else (a preamble keyword, a type
   * name after `fn f():`), which the caller then reads as an identifier.
   */
  private readProbeAtTopLevel(): boolean {
    const { src } = this;
    const start = this.pos;
    let i = start;
    while (i < src.length && (is(src.charCodeAt(i), IDENT_PART) || isWildcard(src.charCodeAt(i)))) i++;
    const word = src.slice(start, i);
    if (TOP_LEVEL_KEYWORDS.has(word)) return false;
    let afterSpace = i;
    while (isHorizontalSpace(src.charCodeAt(afterSpace))) afterSpace++;
    if (src.charCodeAt(afterSpace) !== COLON && !BARE_PROBES.has(word)) return false;
    this.push("probe", start, this.scanProbeParts(i));
    return true;
  }

  /** The parts after the probe type: `:`-separated, each made of path characters and quoted strings. */
  private scanProbeParts(from: number): number {
    const { src } = this;
    let end = from;
    for (;;) {
      let i = end;
      while (isHorizontalSpace(src.charCodeAt(i))) i++;
      if (src.charCodeAt(i) !== COLON) return end;
      i++;
      while (isHorizontalSpace(src.charCodeAt(i))) i++;
      while (i < src.length) {
        const code = src.charCodeAt(i);
        if (is(code, PROBE_PART)) {
          i++;
        } else if (code === QUOTE) {
          const close = this.scanQuoted(i);
          if (close === undefined) {
            this.problem("This quoted probe part is never closed.", i, this.lineEnd(i));
            return this.lineEnd(i);
          }
          i = close;
        } else {
          break;
        }
      }
      end = i;
    }
  }

  private readSlash(): void {
    const start = this.pos;
    if (this.atTopLevel() && this.lastKind === "probe") {
      this.inPredicate = true;
      this.push("predicate-open", start, start + 1);
      return;
    }
    if (this.inPredicate && this.parenDepth === 0 && this.closesPredicate(start + 1)) {
      this.inPredicate = false;
      this.push("predicate-close", start, start + 1);
      return;
    }
    this.readPunct();
  }

  /**
   * bpftrace's lexer ends a predicate at a `/` followed by optional white space and then `{` or
   * `/`; any other `/` inside a predicate is a division (`/ $x / 2 > 1 /`).
   */
  private closesPredicate(from: number): boolean {
    let i = from;
    while (i < this.src.length && isSpace(this.src.charCodeAt(i))) i++;
    const next = this.src.charCodeAt(i);
    return next === LBRACE || next === SLASH || i === this.src.length;
  }

  private readPunct(): void {
    const start = this.pos;
    const length = this.operatorLength(start);
    const code = this.src.charCodeAt(start);
    if (code === LBRACE) this.openBrace(start);
    else if (code === RBRACE) this.braceDepth = Math.max(0, this.braceDepth - 1);
    else if (code === LPAREN) this.parenDepth++;
    else if (code === RPAREN) this.parenDepth = Math.max(0, this.parenDepth - 1);
    this.push("punct", start, start + length);
  }

  private operatorLength(start: number): number {
    const { src } = this;
    if (!OPERATOR_SECOND_CHARS.includes(src[start + 1] ?? " ")) return 1;
    if (OPERATORS_3.has(src.slice(start, start + 3))) return 3;
    return OPERATORS_2.has(src.slice(start, start + 2)) ? 2 : 1;
  }

  private openBrace(start: number): void {
    if (this.inPredicate) {
      // Half-written predicates are common in the editor; end it here so the block is read as a block.
      this.problem("This predicate is not closed with / before its action block.", start, start + 1);
      this.inPredicate = false;
    }
    this.parenDepth = 0;
    this.braceDepth++;
  }

  /** A run of characters bpftrace rejects outside strings and comments (pasted binary, curly quotes): one problem. */
  private readInvalid(): void {
    const { src } = this;
    const start = this.pos;
    let end = start + 1;
    while (end < src.length && this.isInvalid(src.charCodeAt(end))) end++;
    const text = src.slice(start, end);
    const shown = text.length > 20 ? `${text.slice(0, 20)}…` : text;
    this.problem(`bpftrace does not accept ${JSON.stringify(shown)} here.`, start, end);
    this.push("invalid", start, end);
  }

  private isInvalid(code: number): boolean {
    return code >= 128 || !(isSpace(code) || is(code, IDENT_PART | PUNCT) || '"#@$'.includes(String.fromCharCode(code)));
  }
}
