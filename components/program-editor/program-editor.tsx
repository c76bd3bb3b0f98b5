"use client";
// The bpftrace editor and the revision diff. Import them from ./index.tsx,
// which loads this module in the browser only.
//
// End-to-end tests drive the editor through the keyboard, as a user does:
//
//   const editor = page.getByTestId("program-editor");
//   await editor.locator(".monaco-editor").waitFor();  // Monaco has mounted
//   await editor.locator(".view-lines").click();
//   await page.keyboard.press("ControlOrMeta+A");
//   await page.keyboard.insertText(program);
//
// `insertText` arrives as one input event, so Monaco's auto-closing brackets
// and auto-indent do not rewrite the program the way typing it key by key
// would. Reading it back: `await editor.locator(".view-lines").innerText()`
// holds only the visible lines and uses U+00A0 for spaces.
import { DiffEditor, Editor } from "@monaco-editor/react";
import type { editor } from "monaco-editor/editor";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { attachProbeIndex } from "./bpftrace-completion.ts";
import { BPFTRACE_LANGUAGE_ID, BPFTRACE_THEME } from "./bpftrace-language.ts";
import { cssSize, DEFAULT_EDITOR_HEIGHT } from "./editor-size.ts";
import { monaco } from "./monaco-setup.ts";
import { ProbeIndex } from "./probe-index.ts";

/** A problem to show inline: from the policy lint or a compile on a host. Lines and columns count from 1. */
export type EditorMarker = {
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  severity: "error" | "warning" | "info";
  code: string;
  message: string;
};

export type ProgramEditorProps = {
  value: string;
  onChange?: (value: string) => void;
  readOnly?: boolean;
  /**
   * Probe names on the target hosts (`bpftrace -l` lines), for completion.
   * Pass the same array while it is unchanged: a new one is re-indexed.
   */
  probes?: readonly string[];
  markers?: readonly EditorMarker[];
  /** CSS height; a number means pixels. */
  height?: number | string;
  ariaLabel?: string;
};

export type ProgramDiffEditorProps = {
  original: string;
  modified: string;
  height?: number | string;
};

/** Markers of one owner replace each other; other owners' markers stay. */
const MARKER_OWNER = "workbench";

const SEVERITY: Record<EditorMarker["severity"], monaco.MarkerSeverity> = {
  error: monaco.MarkerSeverity.Error,
  warning: monaco.MarkerSeverity.Warning,
  info: monaco.MarkerSeverity.Info,
};

function toMarkerData(marker: EditorMarker): editor.IMarkerData {
  // A marker without an end is a point; Monaco widens it to the word there.
  return {
    startLineNumber: marker.line,
    startColumn: marker.column,
    endLineNumber: marker.endLine ?? marker.line,
    endColumn: marker.endColumn ?? marker.column,
    severity: SEVERITY[marker.severity],
    code: marker.code,
    message: marker.message,
  };
}

const SHARED_OPTIONS = {
  automaticLayout: true,
  minimap: { enabled: false },
  scrollBeyondLastLine: false,
  fontSize: 13,
  // Suggestions and hovers may overflow a short editor instead of being clipped.
  fixedOverflowWidgets: true,
} satisfies editor.IEditorOptions;

const DIFF_OPTIONS: editor.IDiffEditorConstructionOptions = {
  ...SHARED_OPTIONS,
  readOnly: true,
  originalEditable: false,
  renderSideBySide: true,
  // Monaco folds to one column below 900px; a reviewer compares revisions
  // side by side, even in a narrow pane.
  useInlineViewWhenSpaceIsLimited: false,
  originalAriaLabel: "Earlier revision",
  modifiedAriaLabel: "This revision",
};

export function ProgramEditor({ value, onChange, readOnly = false, probes, markers, height = DEFAULT_EDITOR_HEIGHT, ariaLabel = "bpftrace program" }: ProgramEditorProps) {
  const [codeEditor, setCodeEditor] = useState<editor.IStandaloneCodeEditor | null>(null);
  const writingValue = useRef(false);
  const probeIndex = useMemo(() => (probes ? new ProbeIndex(probes) : undefined), [probes]);
  // Stable between renders: the library pushes new options into Monaco on every change.
  const options = useMemo(
    (): editor.IStandaloneEditorConstructionOptions => ({
      ...SHARED_OPTIONS,
      readOnly,
      domReadOnly: readOnly,
      ariaLabel,
      tabSize: 4,
      // The completion provider lists the program's own maps and variables;
      // Monaco's word list would repeat them.
      wordBasedSuggestions: "off",
      quickSuggestions: { other: true, comments: false, strings: false },
    }),
    [readOnly, ariaLabel],
  );

  // Monaco owns the text while the author types; `value` is written into it
  // only when it says something else (a reset, another revision). This is
  // done here rather than by @monaco-editor/react's `value` prop: the library
  // writes from a passive effect, which runs a task after the render, and a
  // keystroke landing in between was overwritten by the text before it
  // (seen in Chromium, where Monaco types through EditContext events). A
  // layout effect runs in the render's own task, before more input can land.
  useLayoutEffect(() => {
    const model = codeEditor?.getModel();
    if (!codeEditor || !model || model.getValue() === value) return;
    writingValue.current = true;
    if (readOnly) model.setValue(value);
    else {
      // An edit rather than setValue, so the author can undo it.
      codeEditor.executeEdits("value", [{ range: model.getFullModelRange(), text: value }]);
      codeEditor.pushUndoStop();
    }
    writingValue.current = false;
  }, [codeEditor, value, readOnly]);

  useEffect(() => {
    const model = codeEditor?.getModel();
    if (!model) return;
    attachProbeIndex(model, probeIndex);
    return () => attachProbeIndex(model, undefined);
  }, [codeEditor, probeIndex]);

  useEffect(() => {
    const model = codeEditor?.getModel();
    if (!model) return;
    monaco.editor.setModelMarkers(model, MARKER_OWNER, (markers ?? []).map(toMarkerData));
    return () => monaco.editor.setModelMarkers(model, MARKER_OWNER, []);
  }, [codeEditor, markers]);

  return (
    <div data-testid="program-editor" style={{ height: cssSize(height) }}>
      <Editor
        language={BPFTRACE_LANGUAGE_ID}
        theme={BPFTRACE_THEME}
        defaultValue={value}
        onChange={(next) => {
          // The value prop's own write is not the author's change.
          if (!writingValue.current) onChange?.(next ?? "");
        }}
        onMount={setCodeEditor}
        loading={null}
        options={options}
      />
    </div>
  );
}

/** Two revisions side by side, read-only, as the reviewer approves them. */
export function ProgramDiffEditor({ original, modified, height = DEFAULT_EDITOR_HEIGHT }: ProgramDiffEditorProps) {
  const [diffEditor, setDiffEditor] = useState<editor.IStandaloneDiffEditor | null>(null);

  // @monaco-editor/react disposes the two models before the diff editor on
  // unmount, and Monaco throws "TextModel got disposed before
  // DiffEditorWidget model got reset". So the library keeps the models, and
  // this cleanup (a parent's, so it runs before the library's) detaches them
  // from the editor first, then disposes them.
  useEffect(() => {
    if (!diffEditor) return;
    return () => {
      const models = diffEditor.getModel();
      diffEditor.setModel(null);
      models?.original.dispose();
      models?.modified.dispose();
    };
  }, [diffEditor]);

  return (
    <div data-testid="program-diff-editor" style={{ height: cssSize(height) }}>
      <DiffEditor
        language={BPFTRACE_LANGUAGE_ID}
        theme={BPFTRACE_THEME}
        original={original}
        modified={modified}
        keepCurrentOriginalModel
        keepCurrentModifiedModel
        onMount={setDiffEditor}
        loading={null}
        options={DIFF_OPTIONS}
      />
    </div>
  );
}
