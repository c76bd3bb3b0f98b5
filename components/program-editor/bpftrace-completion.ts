// Completion for bpftrace: probe names between action blocks (from the probes
// the target hosts really have), builtins, functions, keywords and the maps
// and variables already in the program inside them.
//
// Monaco registers providers per language, not per editor, so each editor
// attaches its hosts' probes to its own model here.
import type * as Monaco from "monaco-editor/editor";
import type { editor, IRange, languages, Position } from "monaco-editor/editor";
import { BUILTINS, FUNCTIONS, KEYWORDS, PROBE_TYPES, TYPE_KEYWORDS, resolveProbeType, type ProbeType } from "@/lib/shared/bpftrace/language.ts";
import { BPFTRACE_LANGUAGE_ID } from "./bpftrace-language.ts";
import { cursorContext } from "./cursor-context.ts";
import type { ProbeIndex } from "./probe-index.ts";

/** Enough to pick from; more typing narrows the list and asks again. */
const PROBE_SEGMENT_LIMIT = 500;

const probeIndexByModel = new WeakMap<editor.ITextModel, ProbeIndex>();

export function attachProbeIndex(model: editor.ITextModel, index: ProbeIndex | undefined): void {
  if (index) probeIndexByModel.set(model, index);
  else probeIndexByModel.delete(model);
}

const RETRIGGER: languages.Command = { id: "editor.action.triggerSuggest", title: "Suggest the next segment" };

/** The probe being typed at the cursor: everything back to a blank, `,`, `{` or `}`. */
function typedProbe(model: editor.ITextModel, position: Position): string {
  const before = model.getLineContent(position.lineNumber).slice(0, position.column - 1);
  return /[^\s,{}]*$/.exec(before)![0];
}

function rangeBack(position: Position, length: number): IRange {
  return {
    startLineNumber: position.lineNumber,
    startColumn: position.column - length,
    endLineNumber: position.lineNumber,
    endColumn: position.column,
  };
}

/** `interval:s:1` becomes a snippet with the last part selected for overtyping. */
function templateSnippet(template: string): string {
  const lastColon = template.lastIndexOf(":");
  if (lastColon === -1) return template;
  return `${template.slice(0, lastColon + 1)}\${1:${template.slice(lastColon + 1)}}`;
}

function probeTypeItem(monaco: typeof Monaco, type: ProbeType, range: IRange, listedProbes: number): languages.CompletionItem {
  const documentation = listedProbes > 0 ? `${type.description}\n\n${listedProbes} on the target hosts.` : type.description;
  const common = { label: type.name, detail: type.syntax, documentation, range };
  if (type.template) {
    return {
      ...common,
      kind: monaco.languages.CompletionItemKind.Event,
      insertText: templateSnippet(type.template),
      insertTextRules: monaco.languages.CompletionItemInsertTextRule.InsertAsSnippet,
    };
  }
  return {
    ...common,
    kind: monaco.languages.CompletionItemKind.Module,
    insertText: `${type.name}:`,
    command: RETRIGGER,
    // Types the hosts have probes for come first.
    sortText: `${listedProbes > 0 ? "0" : "1"}${type.name}`,
  };
}

function probeCompletions(monaco: typeof Monaco, model: editor.ITextModel, position: Position): languages.CompletionList {
  const typed = typedProbe(model, position);
  const index = probeIndexByModel.get(model);
  const firstColon = typed.indexOf(":");

  if (firstColon === -1) {
    const range = rangeBack(position, typed.length);
    return {
      suggestions: PROBE_TYPES.map((type) => probeTypeItem(monaco, type, range, index?.countWithPrefix(`${type.name}:`) ?? 0)),
    };
  }
  if (!index) return { suggestions: [] };

  // Listings use full type names; authors may type the alias (`t:sched:`).
  const typedType = typed.slice(0, firstColon);
  const fullType = resolveProbeType(typedType)?.name ?? typedType;
  const { segments, complete } = index.nextSegments(fullType + typed.slice(firstColon), PROBE_SEGMENT_LIMIT);
  const range = rangeBack(position, typed.length - typed.lastIndexOf(":") - 1);
  return {
    incomplete: !complete,
    suggestions: segments.map((segment) => ({
      label: segment.text,
      kind: segment.isLeaf ? monaco.languages.CompletionItemKind.Event : monaco.languages.CompletionItemKind.Module,
      insertText: segment.text,
      range,
      ...(segment.isLeaf ? {} : { command: RETRIGGER }),
    })),
  };
}

/** Maps and scratch variables the program already uses, except the word being typed. */
function namesInProgram(text: string, cursorOffset: number): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(/[@$][A-Za-z_]\w*/g)) {
    const touchesCursor = match.index <= cursorOffset && cursorOffset <= match.index + match[0].length;
    if (!touchesCursor) names.add(match[0]);
  }
  return [...names];
}

function languageCompletions(monaco: typeof Monaco, model: editor.ITextModel, position: Position, cursorOffset: number): languages.CompletionList {
  const word = model.getWordUntilPosition(position);
  const range: IRange = {
    startLineNumber: position.lineNumber,
    startColumn: word.startColumn,
    endLineNumber: position.lineNumber,
    endColumn: word.endColumn,
  };
  const { CompletionItemKind, CompletionItemInsertTextRule, CompletionItemTag } = monaco.languages;

  const programNames = namesInProgram(model.getValue(), cursorOffset).map((name): languages.CompletionItem => ({
    label: name,
    kind: name.startsWith("@") ? CompletionItemKind.Field : CompletionItemKind.Variable,
    detail: name.startsWith("@") ? "map" : "scratch variable",
    insertText: name,
    range,
  }));
  const builtins = BUILTINS.map((builtin): languages.CompletionItem => ({
    label: builtin.name,
    kind: CompletionItemKind.Variable,
    detail: builtin.signature,
    documentation: builtin.description,
    insertText: builtin.name,
    range,
  }));
  const functions = FUNCTIONS.map((fn): languages.CompletionItem => ({
    label: fn.name,
    kind: CompletionItemKind.Function,
    detail: fn.signature,
    documentation: fn.unsafe ? `${fn.description}\n\nNeeds bpftrace --unsafe, which the agent never passes: a program using it cannot run.` : fn.description,
    // Struck through in the list: offered, so the author learns why it fails.
    ...(fn.unsafe ? { tags: [CompletionItemTag.Deprecated] } : {}),
    insertText: `${fn.name}($0)`,
    insertTextRules: CompletionItemInsertTextRule.InsertAsSnippet,
    range,
  }));
  const keywords = [...KEYWORDS, ...TYPE_KEYWORDS].map((keyword): languages.CompletionItem => ({
    label: keyword,
    kind: CompletionItemKind.Keyword,
    insertText: keyword,
    range,
  }));
  return { suggestions: [...programNames, ...builtins, ...functions, ...keywords] };
}

export function registerBpftraceCompletion(monaco: typeof Monaco): Monaco.IDisposable {
  return monaco.languages.registerCompletionItemProvider(BPFTRACE_LANGUAGE_ID, {
    // `:` moves to the next probe segment; `@` and `$` list maps and variables.
    triggerCharacters: [":", "@", "$"],
    provideCompletionItems(model, position, context) {
      const cursorOffset = model.getOffsetAt(position);
      switch (cursorContext(model.getValue(), cursorOffset)) {
        case "probe":
          return probeCompletions(monaco, model, position);
        case "block":
        case "predicate":
          // Inside code a `:` belongs to `a ? b : c`, not to a probe.
          if (context.triggerCharacter === ":") return { suggestions: [] };
          return languageCompletions(monaco, model, position, cursorOffset);
        default:
          return { suggestions: [] };
      }
    },
  });
}
