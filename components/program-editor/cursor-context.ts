// Where in a bpftrace program a position lies, so completion offers probes
// between action blocks and builtins inside them. A single forward scan,
// cheap for programs of a few kilobytes, run once per completion request.

export type CursorContext =
  /** Between action blocks: where probes are written. */
  | "probe"
  /** Inside `/ ... /` after a probe. */
  | "predicate"
  /** Inside `{ ... }`. */
  | "block"
  | "comment"
  | "string";

function isBlank(char: string | undefined): boolean {
  return char === " " || char === "\t" || char === "\n" || char === "\r";
}

/**
 * bpftrace's rule for the end of a predicate: a `/` followed, after blanks,
 * by `{` (or a comment, or the end of the line before `{`); any other `/`
 * inside a predicate divides.
 */
function closesPredicate(text: string, slash: number): boolean {
  let next = slash + 1;
  while (text[next] === " " || text[next] === "\t") next += 1;
  const char = text[next];
  return char === undefined || char === "{" || char === "\n" || char === "\r" || (char === "/" && (text[next + 1] === "/" || text[next + 1] === "*"));
}

export function cursorContext(text: string, offset: number): CursorContext {
  let depth = 0;
  let inPredicate = false;
  let mode: "code" | "line-comment" | "block-comment" | "string" = "code";

  for (let i = 0; i < offset; i += 1) {
    const char = text[i];
    const next = text[i + 1];
    if (mode === "line-comment") {
      if (char === "\n") mode = "code";
      continue;
    }
    if (mode === "block-comment") {
      if (char === "*" && next === "/" && i + 1 < offset) {
        mode = "code";
        i += 1;
      }
      continue;
    }
    if (mode === "string") {
      if (char === "\\") i += 1;
      // A line break ends an (unterminated) string, as in bpftrace's lexer.
      else if (char === '"' || char === "\n") mode = "code";
      continue;
    }

    if (char === "/" && next === "/") mode = "line-comment";
    else if (char === "/" && next === "*") {
      mode = "block-comment";
      i += 1;
    } else if (char === '"') mode = "string";
    else if (char === "{") {
      // An action block ends any predicate, even one missing its closing `/`.
      inPredicate = false;
      depth += 1;
    } else if (char === "}") depth = Math.max(0, depth - 1);
    else if (char === "/" && depth === 0) {
      if (inPredicate) inPredicate = !closesPredicate(text, i);
      // Outside a predicate a `/` opens one only after a blank: one that
      // follows other characters is part of a path (`uprobe:/bin/bash:...`).
      else inPredicate = i === 0 || isBlank(text[i - 1]);
    }
  }

  if (mode === "line-comment" || mode === "block-comment") return "comment";
  if (mode === "string") return "string";
  if (depth > 0) return "block";
  return inPredicate ? "predicate" : "probe";
}
