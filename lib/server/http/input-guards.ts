import "server-only";

// Checks every request's parsed input (JSON body, query, path parameters)
// gets before its schema, in defineRoute, instead of in every schema:
//
// - PostgreSQL cannot store U+0000 in text or jsonb (errors 22021, 22P05): a
//   NUL anywhere in a program, a name, a note or a filter would reach the
//   database and come back as a 500. No input of the workbench has a use for
//   it.
// - zod validates nested values recursively (z.json() for record values), so
//   a body nested a hundred thousand levels deep would exhaust the stack: a
//   500 again. No input of the workbench nests deeper than a dozen levels.

/** Deeper than any request of the workbench: a replay frame's record value is the deepest, at about ten. */
export const MAX_INPUT_DEPTH = 64;

const NUL = "\u0000";

/**
 * Why `value` is refused, as a sentence naming where ("title", "limits.name",
 * "targetHostIds[2]"), or null. Iterative, so the walk itself cannot exhaust
 * the stack.
 */
export function inputProblem(value: unknown): string | null {
  const pending: { value: unknown; path: string; depth: number }[] = [{ value, path: "", depth: 0 }];
  while (pending.length > 0) {
    const { value: current, path, depth } = pending.pop()!;
    if (typeof current === "string") {
      if (current.includes(NUL)) return nulCharacterMessage(path || "the value");
      continue;
    }
    if (current === null || typeof current !== "object") continue;
    if (depth >= MAX_INPUT_DEPTH) return `${path || "The input"} is nested deeper than ${MAX_INPUT_DEPTH} levels.`;
    if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--) pending.push({ value: current[index], path: `${path}[${index}]`, depth: depth + 1 });
      continue;
    }
    const entries = Object.entries(current);
    for (let index = entries.length - 1; index >= 0; index--) {
      const [name, child] = entries[index]!;
      if (name.includes(NUL)) return nulCharacterMessage(`A field name${path ? ` in ${path}` : ""}`);
      pending.push({ value: child, path: path ? `${path}.${name}` : name, depth: depth + 1 });
    }
  }
  return null;
}

/** The sentence for a NUL, wherever it was found. */
export function nulCharacterMessage(where: string): string {
  return `${where} contains a NUL character (U+0000), which the workbench does not accept in any text.`;
}
