import "server-only";
import type { ServerResponse } from "node:http";
import { nulCharacterMessage } from "./input-guards.ts";
import { API_CONTENT_SECURITY_POLICY, API_HEADERS, SECURITY_HEADERS, isApiPath } from "./security-headers.ts";

// server.ts looks at each request's target (path and query) before Next.js
// does. Next.js answers a path with a malformed %-escape ("/api/runs/%E0%A4%A",
// "/programs/%") with a 500 and nothing in the log, and a NUL in the path or
// the query ("/admin/audit?actor=%00") would reach PostgreSQL from any page
// or route. Both are a 400 with a sentence here, for pages and API alike.

/** Why the request target is refused, or null when it is fine. */
export function requestTargetProblem(target: string): string | null {
  const split = target.search(/[?#]/);
  const path = split < 0 ? target : target.slice(0, split);
  let decodedPath: string;
  try {
    decodedPath = decodeURIComponent(path);
  } catch {
    return "The request path has a malformed %-escape (a % must be followed by two hex digits that spell UTF-8).";
  }
  if (decodedPath.includes("\u0000")) return nulCharacterMessage("The request path");
  if (split >= 0 && target[split] === "?") {
    // URLSearchParams reads a malformed escape as the text it is, as Next.js
    // does for `searchParams`; only NUL needs refusing.
    const query = target.slice(split + 1).split("#")[0]!;
    for (const [name, value] of new URLSearchParams(query)) {
      if (name.includes("\u0000")) return nulCharacterMessage("A query parameter's name");
      if (value.includes("\u0000")) return nulCharacterMessage(`The query parameter ${name}`);
    }
  }
  return null;
}

/** The 400 for a refused target: JSON like every API error, plain text for a page. */
export function refuseRequestTarget(res: ServerResponse, target: string, problem: string): void {
  const pathname = target.split(/[?#]/)[0]!;
  const api = isApiPath(pathname);
  const headers = api
    ? { ...API_HEADERS, "Content-Type": "application/json" }
    : { ...SECURITY_HEADERS, "Content-Security-Policy": API_CONTENT_SECURITY_POLICY, "Cache-Control": "no-store", "Content-Type": "text/plain; charset=utf-8" };
  res.writeHead(400, headers);
  res.end(api ? JSON.stringify({ error: { code: "BAD_REQUEST", message: problem } }) : `${problem}\n`);
}
