// Monaco's view of bpftrace: a Monarch tokenizer, the editing rules
// (comments, brackets, what a word is) and a theme that gives maps, scratch
// variables, builtins and probes their own colours. The vocabulary comes from
// lib/shared/bpftrace/language.ts so the policy lint sees the same language.
import type { editor, languages } from "monaco-editor/editor";
import { BUILTINS, FUNCTIONS, KEYWORDS, PROBE_TYPES, TYPE_KEYWORDS } from "@/lib/shared/bpftrace/language.ts";

export const BPFTRACE_LANGUAGE_ID = "bpftrace";
export const BPFTRACE_THEME = "bpftrace-light";

/**
 * A word is an identifier, optionally with the `@` of a map or the `$` of a
 * scratch variable, so double-click selects `@usecs` and completion filters
 * on `$st` as typed. Positional parameters (`$1`) and `$#` are words too.
 */
const WORD_PATTERN = /[@$]?[A-Za-z_]\w*|\$\d+|\$#|@|-?\d[\w.]*/;

export const bpftraceLanguageConfiguration: languages.LanguageConfiguration = {
  comments: { lineComment: "//", blockComment: ["/*", "*/"] },
  brackets: [
    ["{", "}"],
    ["[", "]"],
    ["(", ")"],
  ],
  autoClosingPairs: [
    { open: "{", close: "}" },
    { open: "[", close: "]" },
    { open: "(", close: ")" },
    { open: '"', close: '"', notIn: ["string", "comment"] },
    { open: "/*", close: " */", notIn: ["string"] },
  ],
  surroundingPairs: [
    { open: "{", close: "}" },
    { open: "[", close: "]" },
    { open: "(", close: ")" },
    { open: '"', close: '"' },
  ],
  wordPattern: WORD_PATTERN,
  indentationRules: {
    increaseIndentPattern: /^.*\{[^}"']*$/,
    decreaseIndentPattern: /^\s*\}/,
  },
};

const probeTypeNames = PROBE_TYPES.flatMap((type) => (type.alias ? [type.name, type.alias] : [type.name]));
// begin/END stand alone, without a `:`; the other probe types never do.
const standaloneProbes = PROBE_TYPES.filter((type) => type.template === type.name).map((type) => type.name);

/**
 * States: `root` is the preamble and the probe lists between action blocks,
 * `block` is inside `{ }` (nested blocks push again), `predicate` is inside
 * `/ ... /`. Lines carry their `\n` (includeLF) so strings and directives can
 * end at the line end, as bpftrace's lexer does.
 */
export const bpftraceMonarch: languages.IMonarchLanguage = {
  defaultToken: "",
  tokenPostfix: ".bpftrace",
  includeLF: true,

  probeTypes: probeTypeNames,
  standaloneProbes,
  builtins: BUILTINS.map((builtin) => builtin.name),
  functions: FUNCTIONS.map((fn) => fn.name),
  keywords: KEYWORDS,
  typeKeywords: TYPE_KEYWORDS,

  symbols: /[=><!~?:&|+\-*/^%.]+/,
  escapes: /\\(?:[ntr"\\]|0[0-7]{0,3}|x[0-9a-fA-F]{1,2})/,
  // Integers with `_` separators and an optional exponent, then a C suffix
  // (`123UL`) or a duration suffix (`100ms`, bpftrace 0.21+).
  decimal: /\d[\d_]*(?:e\d+)?(?:ns|us|ms|s|m|h|d|[uU]?[lL]{0,2}|[lL]{1,2}[uU])?\b/,
  hex: /0[xX][0-9a-fA-F][0-9a-fA-F_]*(?:[uU]?[lL]{0,2})?\b/,

  tokenizer: {
    root: [
      { include: "@whitespace" },
      // `#include <linux/sched.h>` keeps the header name in one string token.
      [/(#\s*include)(\s*)(<[^>\n]*>)/, ["keyword.directive", "", "string"]],
      [/#\s*[a-z]+/, "keyword.directive"],
      // A probe: its type, then everything up to whitespace, `,` or `{`,
      // which covers paths (`uprobe:/bin/bash:readline`) and wildcards.
      [/([A-Za-z_]\w*)(:)([^\s,{]*)/, [{ cases: { "@probeTypes": "keyword.probe", "@default": "type.probe" } }, "delimiter", "type.probe"]],
      // The probe rule above already took the `/` of paths, so a `/` here
      // opens a predicate.
      [/\//, { token: "delimiter.predicate", next: "@predicate" }],
      [/\{/, { token: "delimiter.bracket", next: "@block" }],
      [/[A-Za-z_]\w*/, { cases: { "@standaloneProbes": "keyword.probe", "@keywords": "keyword", "@typeKeywords": "type", "@default": "identifier" } }],
      { include: "@literals" },
      [/[,;=]/, "delimiter"],
    ],

    block: [{ include: "@whitespace" }, [/\{/, { token: "delimiter.bracket", next: "@push" }], [/\}/, { token: "delimiter.bracket", next: "@pop" }], { include: "@expression" }],

    // bpftrace's lexer rule: a `/` followed by `{` (possibly after blanks or
    // a line break) ends the predicate; any other `/` divides.
    predicate: [{ include: "@whitespace" }, [/\/(?=\s*(?:\{|\/\/|\/\*|\n|$))/, { token: "delimiter.predicate", next: "@pop" }], { include: "@expression" }],

    expression: [
      [/@[A-Za-z_]\w*|@/, "variable.map"],
      [/\$(?:[A-Za-z_]\w*|\d+|#)/, "variable"],
      [/s?arg\d+\b/, "variable.predefined"],
      [
        /[A-Za-z_]\w*/,
        {
          cases: {
            "@keywords": "keyword",
            "@typeKeywords": "type",
            "@functions": "predefined.function",
            "@builtins": "variable.predefined",
            "@default": "identifier",
          },
        },
      ],
      { include: "@literals" },
      [/[()[\]]/, "@brackets"],
      [/->/, "delimiter"],
      [/[;,]/, "delimiter"],
      [/@symbols/, "operator"],
    ],

    literals: [
      [/"/, { token: "string.quote", next: "@string" }],
      [/@hex/, "number.hex"],
      [/@decimal/, "number"],
    ],

    string: [
      [/[^\\"\n]+/, "string"],
      [/@escapes/, "string.escape"],
      [/\\./, "string.escape.invalid"],
      [/"/, { token: "string.quote", next: "@pop" }],
      // bpftrace rejects a line break inside a string; end it here so one
      // missing quote does not colour the rest of the program.
      [/\n/, { token: "string.invalid", next: "@pop" }],
    ],

    whitespace: [
      [/\s+/, "white"],
      [/\/\*/, { token: "comment", next: "@comment" }],
      // No `$` anchor: with includeLF the line ends in "\n", which `.` stops at.
      [/\/\/.*/, "comment"],
    ],

    comment: [
      [/[^*/]+/, "comment"],
      [/\*\//, { token: "comment", next: "@pop" }],
      [/[*/]/, "comment"],
    ],
  },
};

/** Light theme with distinct colours for the parts of a probe a reviewer reads first. */
export const bpftraceTheme: editor.IStandaloneThemeData = {
  base: "vs",
  inherit: true,
  rules: [
    { token: "keyword.probe", foreground: "0000ff", fontStyle: "bold" },
    { token: "type.probe", foreground: "267f99" },
    { token: "delimiter.predicate", foreground: "a31515", fontStyle: "bold" },
    { token: "variable.map", foreground: "af00db" },
    { token: "variable", foreground: "001080" },
    { token: "variable.predefined", foreground: "0070c1" },
    { token: "predefined.function", foreground: "795e26" },
    { token: "keyword.directive", foreground: "af00db" },
    { token: "string.escape", foreground: "ee0000" },
    { token: "string.escape.invalid", foreground: "cd3131", fontStyle: "underline" },
    { token: "string.invalid", foreground: "cd3131" },
  ],
  colors: {},
};
