import { describe, expect, it } from "vitest";
import { redact } from "./redact.ts";

describe("redact", () => {
  it("masks credentials by shape wherever they appear in a string", () => {
    const credential = "wba_" + "x".repeat(30);
    expect(redact(`connecting with ${credential} now`)).toBe("connecting with [redacted] now");
    const pem = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n-----END PRIVATE KEY-----";
    expect(redact({ note: `key: ${pem}` })).toEqual({ note: "key: [redacted]" });
  });

  it("masks whatever sits under a secret-sounding key, and keeps the rest", () => {
    expect(redact({ password: "hunter2", nested: { authToken: 42, host: "web-1" }, list: [{ cookie: "a=b" }] })).toEqual({
      password: "[redacted]",
      nested: { authToken: "[redacted]", host: "web-1" },
      list: [{ cookie: "[redacted]" }],
    });
  });

  it("keeps an error's name and message, redacted", () => {
    const error = new Error("bad token wbe_" + "y".repeat(24));
    expect(redact(error)).toMatchObject({ name: "Error", message: "bad token [redacted]" });
  });
});
