import { describe, expect, it } from "vitest";
import { sessionTokenFromCookieHeader } from "./session-token.ts";

describe("sessionTokenFromCookieHeader", () => {
  it("finds the session cookie, either name", () => {
    expect(sessionTokenFromCookieHeader("a=1; next-auth.session-token=abc.def; b=2")).toBe("abc.def");
    expect(sessionTokenFromCookieHeader("__Secure-next-auth.session-token=sec")).toBe("sec");
    expect(sessionTokenFromCookieHeader(undefined)).toBeUndefined();
    expect(sessionTokenFromCookieHeader("a=1; b")).toBeUndefined();
  });

  it("is not stopped by another cookie with a malformed %-escape, wherever it sits", () => {
    expect(sessionTokenFromCookieHeader("other=%E0%A4%A; next-auth.session-token=abc.def")).toBe("abc.def");
    expect(sessionTokenFromCookieHeader("next-auth.session-token=abc.def; other=%")).toBe("abc.def");
    expect(sessionTokenFromCookieHeader("%=%; next-auth.session-token=abc.def; x=%zz")).toBe("abc.def");
  });

  it("treats a malformed session cookie as no session", () => {
    expect(sessionTokenFromCookieHeader("next-auth.session-token=%E0%A4%A")).toBeUndefined();
  });

  it("reads duplicates as the pages do: the last one wins", () => {
    expect(sessionTokenFromCookieHeader("next-auth.session-token=first; next-auth.session-token=second")).toBe("second");
  });
});
