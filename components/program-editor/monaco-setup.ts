// Monaco, bundled from the local package. @monaco-editor/react would fetch
// Monaco from a CDN, which the app's CSP (connect-src/script-src 'self')
// forbids and which would put a third party in the path of code that reviews
// root-level programs; `loader.config({ monaco })` hands it this copy instead.
//
// Only the editor core and the features the workbench uses are imported
// (monaco-editor 0.56+ entry points): no other languages, no TypeScript/CSS/
// JSON services. Measured in a production build, the editor then adds 3.2 MB
// of JavaScript (830 KiB gzipped) to a page, against 4.5 MB (1060 KiB) with
// the full `monaco-editor` entry, which also starts a worker on load.
//
// Browser-only: importing this on the server fails (Monaco touches `window`),
// which is why index.tsx loads the editor through next/dynamic without SSR.
import { loader } from "@monaco-editor/react";
import * as monaco from "monaco-editor/editor";
import "monaco-editor/features/bracketMatching/register";
import "monaco-editor/features/codicon/register";
import "monaco-editor/features/comment/register";
import "monaco-editor/features/diffEditor/register";
import "monaco-editor/features/find/register";
import "monaco-editor/features/gotoError/register";
import "monaco-editor/features/hover/register";
import "monaco-editor/features/snippet/register";
// The completion widget. In 0.57 `features/suggest/register` only adds
// suggestions as inline completions; the widget's controller comes in through
// the much larger inline-completions feature, so it is imported directly.
import "monaco-editor/editor/contrib/suggest/browser/suggestController";
import { registerBpftraceCompletion } from "./bpftrace-completion.ts";
import { registerBpftraceHover } from "./bpftrace-hover.ts";
import { BPFTRACE_LANGUAGE_ID, BPFTRACE_THEME, bpftraceLanguageConfiguration, bpftraceMonarch, bpftraceTheme } from "./bpftrace-language.ts";

// The editor worker computes diffs and keeps models in sync off the main
// thread. The bundler emits it as a same-origin chunk (CSP worker-src 'self').
globalThis.MonacoEnvironment = {
  getWorker: () =>
    new Worker(new URL("monaco-editor/editor/editor.worker.js", import.meta.url), {
      type: "module",
      name: "monaco-editor-worker",
    }),
};

// Providers are global to Monaco; a module evaluated twice (hot reload) must
// not register them twice, or every suggestion would show up twice.
if (!monaco.languages.getLanguages().some((language) => language.id === BPFTRACE_LANGUAGE_ID)) {
  monaco.languages.register({ id: BPFTRACE_LANGUAGE_ID, extensions: [".bt"], aliases: ["bpftrace"] });
  monaco.languages.setMonarchTokensProvider(BPFTRACE_LANGUAGE_ID, bpftraceMonarch);
  monaco.languages.setLanguageConfiguration(BPFTRACE_LANGUAGE_ID, bpftraceLanguageConfiguration);
  monaco.editor.defineTheme(BPFTRACE_THEME, bpftraceTheme);
  registerBpftraceCompletion(monaco);
  registerBpftraceHover(monaco);
}

loader.config({ monaco });

export { monaco };
