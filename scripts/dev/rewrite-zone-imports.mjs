#!/usr/bin/env node
// Rewrites import paths, and paths written in comments and docs, after files
// moved between zones (scripts/dev/zone-moves.json says what moved where), so
// code written against the old layout — a branch merged later — follows the
// move. Idempotent: a path that already resolves to a file is left alone.
//
//   node scripts/dev/rewrite-zone-imports.mjs [--move] [--check] [path ...]
//
//   --move   first `git mv` every file and folder the map names that still
//            sits at its old place (how the zone move itself was made)
//   --check  change nothing; list the files that would change, exit 1 if any
//   path     files or folders to rewrite (default: the whole repository)
//
// The map has three parts: `files` (old path -> new path), `folders` (old
// folder -> new folder, both ending in "/") and `symbols` (a file that was
// split: each exported name -> the file that holds it now, "*" for the rest).
// Chains compose: an old path is mapped until it no longer is.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");
const args = process.argv.slice(2);
const move = args.includes("--move");
const check = args.includes("--check");
const targets = args.filter((a) => !a.startsWith("--"));
const map = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "zone-moves.json"), "utf8"));

const SKIP = new Set(["node_modules", ".next", ".git", "dist", ".data", "generated", "test-results", "playwright-report"]);
const CODE = /\.(ts|tsx|mts|mjs|js|cjs)$/;
const TEXT = /\.(ts|tsx|mts|mjs|js|cjs|md|sh|ya?ml|json|css)$|^Dockerfile$/;
const exists = (rel) => fs.existsSync(path.join(root, rel)) && fs.statSync(path.join(root, rel)).isFile();

/** Where an old repository path is now (the path itself when the map does not name it). */
function mapped(rel) {
  for (let hop = 0; hop < 10; hop += 1) {
    let next = map.files[rel];
    if (!next) {
      const folder = Object.keys(map.folders)
        .filter((old) => rel.startsWith(old))
        .sort((a, b) => b.length - a.length)[0];
      if (folder) next = map.folders[folder] + rel.slice(folder.length);
    }
    if (!next || next === rel) return rel;
    rel = next;
  }
  throw new Error(`zone-moves.json maps ${rel} in a cycle`);
}

/** Every place a file now at `rel` had before (a chain of moves passes through several), for its relative imports. */
function formerPlaces(rel) {
  const places = new Set();
  for (const [old, next] of Object.entries(map.files)) {
    if (mapped(old) === rel) places.add(old).add(next);
  }
  for (const [old, now] of Object.entries(map.folders)) {
    const final = mapped(old + "x").slice(0, -1);
    if (rel.startsWith(final)) places.add(old + rel.slice(final.length));
    if (rel.startsWith(now)) places.add(old + rel.slice(now.length));
  }
  places.delete(rel);
  return [...places];
}

/** What `spec`, written in `file` before the move, meant: the old repository path it pointed at, or null. */
function formerTarget(file, spec) {
  const here = resolveSpecifier(file, spec);
  if (!here) return null;
  if (here.style === "@") return here.rel;
  for (const place of formerPlaces(file)) {
    const then = resolveSpecifier(place, spec).rel;
    if (exists(mapped(then)) || map.symbols[then]) return then;
  }
  return here.rel;
}

function specifierTo(fromFile, targetRel, style) {
  if (style === "@") return `@/${targetRel}`;
  let spec = path.posix.relative(path.posix.dirname(fromFile), targetRel);
  if (!spec.startsWith(".")) spec = `./${spec}`;
  return spec;
}

function resolveSpecifier(fromFile, spec) {
  if (spec.startsWith("@/")) return { rel: spec.slice(2), style: "@" };
  if (spec.startsWith("./") || spec.startsWith("../")) return { rel: path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), spec)), style: "relative" };
  return null;
}

/** The new specifier for `spec` in `file`, or null when it stays (resolves already, or is not ours). */
function rewrittenSpecifier(file, spec) {
  const here = resolveSpecifier(file, spec);
  if (!here || exists(here.rel)) return null;
  // Written before the move: relative to where this file was then.
  const now = mapped(formerTarget(file, spec));
  if (now === here.rel || !exists(now)) return null;
  return specifierTo(file, now, here.style);
}

const NAMED = /(^|\n)([ \t]*)(import|export)(\s+type)?\s*\{([^}]*)\}\s*from\s*(["'])([^"']+)\6(;?)/g;
const STRING = /(["'])((?:@\/|\.{1,2}\/)[^"'\n]+?)\1/g;
const TEXT_PATH = /(?<![\w@./-])((?:lib|agent|components|app|scripts)\/[\w./[\]-]+\.(?:tsx?|mjs|md|jsonl?|bt|sh|txt))/g;

function splitNamedImport(file, whole, lead, indent, keyword, typeOnly, names, quote, spec, semi) {
  const here = resolveSpecifier(file, spec);
  if (!here) return whole;
  // A split file may still exist (it kept some names): its importers are split all the same.
  const before = exists(here.rel) ? here.rel : formerTarget(file, spec);
  const split = map.symbols[before];
  if (!split) return whole;
  const groups = new Map();
  for (const raw of names
    .split(",")
    .map((n) => n.trim())
    .filter(Boolean)) {
    const name = raw.replace(/^type\s+/, "").split(/\s+as\s+/)[0];
    const target = mapped(split[name] ?? split["*"]);
    if (!groups.has(target)) groups.set(target, []);
    groups.get(target).push(raw);
  }
  if (groups.size === 1 && [...groups.keys()][0] === here.rel) return whole;
  const lines = [...groups].map(([target, list]) => {
    // A group of types only is written `import type { ... }`, as the lint rule would have it.
    const allTypes = !typeOnly && list.every((n) => n.startsWith("type "));
    const names = allTypes ? list.map((n) => n.replace(/^type\s+/, "")) : list;
    const marker = typeOnly ?? (allTypes ? " type" : "");
    return `${indent}${keyword}${marker} { ${names.join(", ")} } from ${quote}${specifierTo(file, target, here.style)}${quote}${semi}`;
  });
  return lead + lines.join("\n");
}

function rewrite(file, text) {
  let out = text;
  if (CODE.test(file)) {
    out = out.replace(NAMED, (whole, lead, indent, keyword, typeOnly, names, quote, spec, semi) =>
      splitNamedImport(file, whole, lead, indent, keyword, typeOnly, names, quote, spec, semi),
    );
    out = out.replace(STRING, (whole, quote, spec) => {
      const next = rewrittenSpecifier(file, spec);
      return next ? `${quote}${next}${quote}` : whole;
    });
  }
  // Paths written out in full (comments, docs, configs): old ones become new ones.
  out = out.replace(TEXT_PATH, (whole) => {
    if (exists(whole)) return whole;
    const split = map.symbols[whole];
    const now = mapped(split ? split["*"] : whole);
    return now !== whole && exists(now) ? now : whole;
  });
  return out;
}

function* walk(rel) {
  const full = path.join(root, rel);
  if (!fs.existsSync(full)) return;
  if (fs.statSync(full).isFile()) {
    // The map and this script name old paths on purpose.
    // The map and this script name old paths on purpose; recorded fixtures are data, only code there is ours.
    const wanted = rel.includes("/fixtures/") ? CODE.test(rel) : TEXT.test(path.basename(rel));
    if (wanted && !rel.startsWith("scripts/dev/")) yield rel;
    return;
  }
  for (const entry of fs.readdirSync(full, { withFileTypes: true })) {
    if (SKIP.has(entry.name) || entry.name === "package-lock.json" || entry.name.endsWith(".tsbuildinfo")) continue;
    yield* walk(rel ? path.posix.join(rel, entry.name) : entry.name);
  }
}

function git(...gitArgs) {
  execFileSync("git", gitArgs, { cwd: root, stdio: "inherit" });
}

if (move) {
  for (const [old, now] of Object.entries(map.folders)) {
    if (fs.existsSync(path.join(root, old)) && !fs.existsSync(path.join(root, now))) {
      fs.mkdirSync(path.dirname(path.join(root, now.slice(0, -1))), { recursive: true });
      git("mv", old.slice(0, -1), now.slice(0, -1));
    }
  }
  for (const [old, now] of Object.entries(map.files)) {
    if (exists(old) && !exists(now)) {
      fs.mkdirSync(path.dirname(path.join(root, now)), { recursive: true });
      git("mv", old, now);
    }
  }
}

let changed = 0;
for (const start of targets.length ? targets.map((t) => path.relative(root, path.resolve(t))) : [""]) {
  for (const file of walk(start)) {
    const text = fs.readFileSync(path.join(root, file), "utf8");
    const next = rewrite(file, text);
    if (next === text) continue;
    changed += 1;
    console.log(`${check ? "would rewrite" : "rewrote"} ${file}`);
    if (!check) fs.writeFileSync(path.join(root, file), next);
  }
}
console.log(`${changed} file(s) ${check ? "would change" : "changed"}`);
if (check && changed > 0) process.exitCode = 1;
