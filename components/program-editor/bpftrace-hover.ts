// Hovering a builtin, function or probe type shows what it is; a reviewer
// reading an unfamiliar program should not need the bpftrace manual open.
// Marker messages (lint, compile errors) join the same hover through Monaco.
import type * as Monaco from "monaco-editor/editor";
import { BUILTINS, FUNCTIONS, resolveProbeType } from "@/lib/shared/bpftrace/language.ts";
import { BPFTRACE_LANGUAGE_ID } from "./bpftrace-language.ts";
import { cursorContext } from "./cursor-context.ts";

function describeCode(word: string): string | undefined {
  const fn = FUNCTIONS.find((candidate) => candidate.name === word);
  if (fn) {
    const unsafe = fn.unsafe ? "\n\nNeeds `--unsafe`: the agent will not run it." : "";
    return `\`${fn.signature}\`\n\n${fn.description}${unsafe}`;
  }
  const builtin = BUILTINS.find((candidate) => candidate.name === word);
  return builtin && `\`${builtin.signature}\`\n\n${builtin.description}`;
}

/** Only the first part of a probe names its type: the `s` of `interval:s:1` is a unit. */
function describeProbeType(line: string, word: Monaco.editor.IWordAtPosition): string | undefined {
  const before = line[word.startColumn - 2];
  if (before !== undefined && !/[\s,]/.test(before)) return undefined;
  const type = resolveProbeType(word.word);
  return type && `\`${type.syntax}\`\n\n${type.description}`;
}

export function registerBpftraceHover(monaco: typeof Monaco): Monaco.IDisposable {
  return monaco.languages.registerHoverProvider(BPFTRACE_LANGUAGE_ID, {
    provideHover(model, position) {
      const word = model.getWordAtPosition(position);
      if (!word) return null;
      const context = cursorContext(model.getValue(), model.getOffsetAt(position));
      const markdown =
        context === "block" || context === "predicate"
          ? describeCode(word.word)
          : context === "probe"
            ? describeProbeType(model.getLineContent(position.lineNumber), word)
            : undefined;
      if (!markdown) return null;
      return {
        range: new monaco.Range(position.lineNumber, word.startColumn, position.lineNumber, word.endColumn),
        contents: [{ value: markdown }],
      };
    },
  });
}
