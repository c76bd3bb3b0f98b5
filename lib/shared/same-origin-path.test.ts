import { describe, expect, it } from "vitest";
import { SIGN_IN_FALLBACK_PATH, sameOriginPath } from "./same-origin-path.ts";

const ORIGIN = "https://workbench.example.com";

/** Where a browser on ORIGIN really goes when it is sent to `path`. */
const landsOn = (path: string) => new URL(path, ORIGIN).origin;

describe("sameOriginPath: the only targets a sign-in follows", () => {
  it("keeps a path on the site, with its query and fragment", () => {
    expect(sameOriginPath("/programs/abc?tab=history#r2", ORIGIN)).toBe("/programs/abc?tab=history#r2");
    expect(sameOriginPath("/runs/compare?a=x,y&b=z", ORIGIN)).toBe("/runs/compare?a=x,y&b=z");
    expect(sameOriginPath("programs", ORIGIN)).toBe("/programs");
    expect(sameOriginPath(`${ORIGIN}/reviews`, ORIGIN)).toBe("/reviews");
  });

  it("falls back to the start page without a target", () => {
    for (const target of [undefined, null, ""]) expect(sameOriginPath(target, ORIGIN)).toBe(SIGN_IN_FALLBACK_PATH);
    expect(SIGN_IN_FALLBACK_PATH).toBe("/");
  });

  // Each of these passed a `startsWith("/") && !startsWith("//")` check, or is
  // a classic open-redirect spelling; a browser sent to any of them as given
  // would leave the site.
  const hostile = [
    "/\\evil.example",
    "/\\/evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    " //evil.example",
    "//evil.example",
    "///evil.example",
    "////evil.example/path",
    "https://evil.example",
    "https://evil.example/programs",
    "HTTPS://EVIL.EXAMPLE",
    "https:evil.example",
    "http://workbench.example.com/programs",
    "https://workbench.example.com:8443/programs",
    "https://workbench.example.com.evil.example/",
    "https://workbench.example.com@evil.example/",
    "https://user:pass@evil.example",
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "blob:https://evil.example/uuid",
    "http://[::1",
    "x".repeat(5000),
  ];

  it.each(hostile)("never leaves the site for %j", (target) => {
    const path = sameOriginPath(target, ORIGIN);
    expect(path.startsWith("/")).toBe(true);
    expect(path.startsWith("//")).toBe(false);
    expect(landsOn(path)).toBe(ORIGIN);
  });

  it("refuses the spellings that would have left the site, instead of keeping them", () => {
    for (const target of ["/\\evil.example", "/\t/evil.example", "//evil.example", "https://evil.example", "javascript:alert(1)"]) {
      expect(sameOriginPath(target, ORIGIN), JSON.stringify(target)).toBe(SIGN_IN_FALLBACK_PATH);
    }
  });

  it("turns a path that parses to two leading slashes into a path of this site", () => {
    expect(sameOriginPath("/.//evil.example", ORIGIN)).toBe("/evil.example");
    expect(sameOriginPath("/a/..//evil.example", ORIGIN)).toBe("/evil.example");
    expect(landsOn(sameOriginPath("/./\\evil.example", ORIGIN))).toBe(ORIGIN);
  });

  it("keeps an escaped backslash escaped, a path of this site", () => {
    expect(sameOriginPath("/%5Cevil.example", ORIGIN)).toBe("/%5Cevil.example");
    expect(landsOn("/%5Cevil.example")).toBe(ORIGIN);
  });

  it("falls back when its own origin is not a URL", () => {
    expect(sameOriginPath("/programs", "not a url")).toBe(SIGN_IN_FALLBACK_PATH);
  });
});
