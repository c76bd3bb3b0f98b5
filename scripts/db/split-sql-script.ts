// Splits a migration script into statements at the semicolons PostgreSQL
// itself would end them at: not inside '...' strings (with '' and, for E'...',
// backslash escapes), "..." identifiers, -- and /* */ comments (nested, as
// PostgreSQL allows), or $tag$ ... $tag$ bodies. @prisma/adapter-pg 7.10
// splits on every ";", which cuts a PL/pgSQL function body apart.
const DOLLAR_TAG = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/;

export function splitSqlScript(script: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let meaningful = false; // has the current statement anything but blanks and comments?
  let i = 0;

  const finish = (end: number) => {
    const text = script.slice(start, end).trim();
    if (meaningful && text) statements.push(text);
    meaningful = false;
  };

  while (i < script.length) {
    const char = script[i]!;
    const next = script[i + 1];
    if (char === "-" && next === "-") {
      const end = script.indexOf("\n", i);
      i = end === -1 ? script.length : end + 1;
      continue;
    }
    if (char === "/" && next === "*") {
      let depth = 1;
      i += 2;
      while (i < script.length && depth > 0) {
        if (script.startsWith("/*", i)) {
          depth++;
          i += 2;
        } else if (script.startsWith("*/", i)) {
          depth--;
          i += 2;
        } else {
          i++;
        }
      }
      continue;
    }
    if (char === ";") {
      finish(i);
      start = ++i;
      continue;
    }
    if (!/\s/.test(char)) meaningful = true;
    if (char === "'") {
      const escapes = /[Ee]/.test(script[i - 1] ?? "") && !/[A-Za-z0-9_]/.test(script[i - 2] ?? "");
      i++;
      while (i < script.length) {
        if (escapes && script[i] === "\\") i += 2;
        else if (script[i] === "'" && script[i + 1] === "'") i += 2;
        else if (script[i] === "'") break;
        else i++;
      }
      i++;
      continue;
    }
    if (char === '"') {
      const end = script.indexOf('"', i + 1);
      i = end === -1 ? script.length : end + 1;
      continue;
    }
    if (char === "$" && !/[A-Za-z0-9_]/.test(script[i - 1] ?? "")) {
      const tag = DOLLAR_TAG.exec(script.slice(i))?.[0];
      if (tag) {
        const end = script.indexOf(tag, i + tag.length);
        i = end === -1 ? script.length : end + tag.length;
        continue;
      }
    }
    i++;
  }
  finish(script.length);
  return statements;
}
