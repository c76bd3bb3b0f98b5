// The top level of a bpftrace program: the preamble items (config block, map
// declarations, imports, type definitions, macros) and the action blocks with
// their probes, predicates and bodies. Bodies are not parsed further: the checks
// scan their tokens. The walk recovers from anything it cannot read by skipping
// to the next item it recognises, and says where.
import { TOP_LEVEL_KEYWORDS, type LexProblem, type Token } from "./tokenize.ts";

export type ActionBlock = { probes: Token[] };
export type ConfigEntry = { key: Token; value: Token[] };
export type ConfigBlock = { keyword: Token; entries: ConfigEntry[] };
/** `let @name = kind(args);`, bpftrace 0.21+. */
export type MapDeclaration = { map: Token; kind: Token | undefined; args: Token[]; start: Token; end: Token };
export type ImportStatement = { keyword: Token; last: Token };
/** Token indexes [start, end) of code: predicates, action block bodies, macro and function bodies. */
export type CodeRange = { start: number; end: number };

export type ProgramStructure = {
  blocks: ActionBlock[];
  configBlocks: ConfigBlock[];
  mapDeclarations: MapDeclaration[];
  imports: ImportStatement[];
  codeRanges: CodeRange[];
  problems: LexProblem[];
};

export function readProgramStructure(tokens: readonly Token[]): ProgramStructure {
  return new StructureReader(tokens).read();
}

const isPunct = (token: Token | undefined, text: string) => token?.kind === "punct" && token.text === text;

class StructureReader {
  private readonly structure: ProgramStructure = {
    blocks: [],
    configBlocks: [],
    mapDeclarations: [],
    imports: [],
    codeRanges: [],
    problems: [],
  };
  private i = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  read(): ProgramStructure {
    while (this.i < this.tokens.length) {
      const token = this.tokens[this.i]!;
      if (token.kind === "directive") this.i++;
      else if (token.kind === "probe") this.readActionBlock();
      else if (token.kind === "ident" && token.text === "config") this.readConfigBlock();
      else if (token.kind === "ident" && token.text === "let") this.readMapDeclaration();
      else if (token.kind === "ident" && token.text === "import") this.readImport();
      else if (token.kind === "ident" && (token.text === "macro" || token.text === "fn")) this.readFunction();
      else if (token.kind === "ident" && TOP_LEVEL_KEYWORDS.has(token.text)) this.skipTypeDefinition();
      else this.skipUnexpected();
    }
    return this.structure;
  }

  private problem(message: string, from: Token, to: Token = from): void {
    this.structure.problems.push({ message, start: from.start, end: to.end });
  }

  /** Whether the token begins a top-level item, where recovery can resume. */
  private startsItem(token: Token): boolean {
    return token.kind === "probe" || token.kind === "directive" || (token.kind === "ident" && TOP_LEVEL_KEYWORDS.has(token.text));
  }

  /** The index of the `}` matching the `{` at `open`, or the token count when it is never closed. */
  private matchingBrace(open: number): number {
    let depth = 0;
    for (let at = open; at < this.tokens.length; at++) {
      const token = this.tokens[at]!;
      if (isPunct(token, "{")) depth++;
      else if (isPunct(token, "}") && --depth === 0) return at;
    }
    return this.tokens.length;
  }

  /** Reads the block whose `{` is at the current index as code; returns after its `}`. */
  private readBody(what: string): void {
    const open = this.i;
    const close = this.matchingBrace(open);
    this.structure.codeRanges.push({ start: open + 1, end: close });
    if (close === this.tokens.length) this.problem(`This ${what} is never closed with }.`, this.tokens[open]!);
    this.i = close + 1;
  }

  private readActionBlock(): void {
    const probes = [this.tokens[this.i]!];
    this.i++;
    while (isPunct(this.tokens[this.i], ",")) {
      const next = this.tokens[this.i + 1];
      if (next?.kind !== "probe") {
        this.problem("A probe is missing after this comma.", this.tokens[this.i]!);
        this.i++;
        break;
      }
      probes.push(next);
      this.i += 2;
    }
    this.structure.blocks.push({ probes });
    if (this.tokens[this.i]?.kind === "predicate-open") this.readPredicate();
    if (isPunct(this.tokens[this.i], "{")) this.readBody("action block");
    else this.problem("An action block { ... } should follow this probe.", probes.at(-1)!);
  }

  private readPredicate(): void {
    const open = this.i;
    let at = open + 1;
    // The tokenizer ends a predicate at its closing `/`, or at a `{` (and reports that one).
    while (at < this.tokens.length && this.tokens[at]!.kind !== "predicate-close" && !isPunct(this.tokens[at], "{")) at++;
    this.structure.codeRanges.push({ start: open + 1, end: at });
    if (at === this.tokens.length) this.problem("This predicate is never closed with /.", this.tokens[open]!);
    this.i = this.tokens[at]?.kind === "predicate-close" ? at + 1 : at;
  }

  /** `config = { key = value; ... }`, bpftrace 0.20+. */
  private readConfigBlock(): void {
    const keyword = this.tokens[this.i]!;
    this.i++;
    if (isPunct(this.tokens[this.i], "=")) this.i++;
    if (!isPunct(this.tokens[this.i], "{")) {
      this.problem("A config block is written config = { key = value; ... }.", keyword);
      return;
    }
    const close = this.matchingBrace(this.i);
    if (close === this.tokens.length) this.problem("This config block is never closed with }.", this.tokens[this.i]!);
    const entries: ConfigEntry[] = [];
    for (let at = this.i + 1; at < close; at++) {
      const key = this.tokens[at]!;
      if (key.kind !== "ident" || !isPunct(this.tokens[at + 1], "=")) continue;
      const value: Token[] = [];
      // Entries end at `;`, or where the next `key =` starts (the last one needs no `;`).
      for (at += 2; at < close && !isPunct(this.tokens[at], ";") && !this.startsConfigEntry(at); at++) value.push(this.tokens[at]!);
      at--;
      entries.push({ key, value });
    }
    this.structure.configBlocks.push({ keyword, entries });
    this.i = close + 1;
  }

  private startsConfigEntry(at: number): boolean {
    return this.tokens[at]!.kind === "ident" && isPunct(this.tokens[at + 1], "=") && !isPunct(this.tokens[at - 1], "=");
  }

  private readMapDeclaration(): void {
    const start = this.tokens[this.i]!;
    const map = this.tokens[this.i + 1];
    if (map?.kind !== "map" || !isPunct(this.tokens[this.i + 2], "=")) {
      this.problem("At the top level, let declares a map: let @name = hash(size);", start);
      this.skipStatement();
      return;
    }
    this.i += 3;
    let end = this.tokens[this.i - 1]!;
    const kind = this.tokens[this.i]?.kind === "ident" ? this.tokens[this.i] : undefined;
    const args: Token[] = [];
    if (kind) {
      end = kind;
      this.i++;
    }
    if (kind && isPunct(this.tokens[this.i], "(")) {
      let depth = 0;
      for (; this.i < this.tokens.length; this.i++) {
        const token = this.tokens[this.i]!;
        end = token;
        if (isPunct(token, "(")) depth++;
        else if (isPunct(token, ")") && --depth === 0) break;
        else if (depth === 1 && !isPunct(token, ",")) args.push(token);
      }
      this.i++;
    }
    this.structure.mapDeclarations.push({ map, kind, args, start, end });
    if (isPunct(this.tokens[this.i], ";")) this.i++;
  }

  /** `import "file";` (bpftrace 0.24+): recorded whatever follows, so the check can refuse it. */
  private readImport(): void {
    const keyword = this.tokens[this.i]!;
    let last = keyword;
    for (this.i++; this.i < this.tokens.length && !this.startsItem(this.tokens[this.i]!); this.i++) {
      last = this.tokens[this.i]!;
      if (isPunct(last, ";")) {
        this.i++;
        break;
      }
    }
    this.structure.imports.push({ keyword, last });
  }

  /** `macro name(params) { body }` and `fn name(params): type { body }`: the body is code. */
  private readFunction(): void {
    const keyword = this.tokens[this.i]!;
    for (this.i++; this.i < this.tokens.length; this.i++) {
      const token = this.tokens[this.i]!;
      if (isPunct(token, "{")) {
        this.readBody(`${keyword.text} body`);
        return;
      }
      if (this.startsItem(token)) break;
    }
    this.problem(`A ${keyword.text} needs a body { ... }.`, keyword);
  }

  /** struct/union/enum/typedef definitions are C declarations, not code: skipped. */
  private skipTypeDefinition(): void {
    for (this.i++; this.i < this.tokens.length; this.i++) {
      const token = this.tokens[this.i]!;
      if (isPunct(token, "{")) {
        const close = this.matchingBrace(this.i);
        if (close === this.tokens.length) this.problem("This definition is never closed with }.", token);
        this.i = close + 1;
        if (isPunct(this.tokens[this.i], ";")) this.i++;
        return;
      }
      if (isPunct(token, ";")) {
        this.i++;
        return;
      }
      if (this.startsItem(token)) return;
    }
  }

  private skipStatement(): void {
    for (this.i++; this.i < this.tokens.length && !this.startsItem(this.tokens[this.i]!); this.i++) {
      if (isPunct(this.tokens[this.i], ";")) {
        this.i++;
        return;
      }
    }
  }

  /** Skips to the next item it recognises, reporting the skipped run once; a `{ ... }` in it is skipped whole. */
  private skipUnexpected(): void {
    const first = this.tokens[this.i]!;
    do {
      this.i = isPunct(this.tokens[this.i], "{") ? this.matchingBrace(this.i) + 1 : this.i + 1;
    } while (this.i < this.tokens.length && !this.startsItem(this.tokens[this.i]!));
    const last = this.tokens[Math.min(this.i, this.tokens.length) - 1]!;
    this.problem(describeUnexpected(first), first, last);
  }
}

function describeUnexpected(token: Token): string {
  if (token.kind === "ident" && token.text.length > 0) {
    return `bpftrace expects a probe here (such as tracepoint:syscalls:sys_enter_read or BEGIN), not "${token.text}".`;
  }
  if (token.kind === "punct" && token.text === "}") return "This } closes no block.";
  return `bpftrace expects a probe or a preamble item (#include, config, let, struct) here, not ${JSON.stringify(token.text)}.`;
}
