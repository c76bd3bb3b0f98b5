"use client";
// The editors as pages use them: Monaco is loaded in the browser only (it
// needs `window`) and in its own chunk, so pages without an editor never pay
// for it. While it loads, a placeholder holds the editor's space.
import dynamic from "next/dynamic";
import { cssSize, DEFAULT_EDITOR_HEIGHT } from "./editor-size.ts";
import type { ProgramDiffEditorProps, ProgramEditorProps } from "./program-editor.tsx";

export type { EditorMarker, ProgramDiffEditorProps, ProgramEditorProps } from "./program-editor.tsx";

function EditorPlaceholder() {
  return (
    <div
      role="status"
      style={{
        height: "100%",
        display: "grid",
        placeItems: "center",
        border: "1px solid #e5e7eb",
        color: "#6b7280",
        fontSize: 13,
      }}
    >
      Loading editor…
    </div>
  );
}

const LazyProgramEditor = dynamic(() => import("./program-editor.tsx").then((module) => module.ProgramEditor), {
  ssr: false,
  loading: EditorPlaceholder,
});

const LazyProgramDiffEditor = dynamic(() => import("./program-editor.tsx").then((module) => module.ProgramDiffEditor), { ssr: false, loading: EditorPlaceholder });

export function ProgramEditor({ height = DEFAULT_EDITOR_HEIGHT, ...props }: ProgramEditorProps) {
  return (
    <div style={{ height: cssSize(height) }}>
      <LazyProgramEditor {...props} height="100%" />
    </div>
  );
}

export function ProgramDiffEditor({ height = DEFAULT_EDITOR_HEIGHT, ...props }: ProgramDiffEditorProps) {
  return (
    <div style={{ height: cssSize(height) }}>
      <LazyProgramDiffEditor {...props} height="100%" />
    </div>
  );
}
