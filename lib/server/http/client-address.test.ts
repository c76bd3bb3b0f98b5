import { describe, expect, it } from "vitest";
import type { IncomingMessage } from "node:http";
import { CLIENT_ADDRESS_HEADER, clientAddress, stampClientAddress } from "./client-address.ts";

describe("clientAddress", () => {
  it("uses the socket's address and ignores X-Forwarded-For unless a proxy is trusted", () => {
    const headers = { [CLIENT_ADDRESS_HEADER]: "::ffff:192.0.2.7", "x-forwarded-for": "203.0.113.9" };
    expect(clientAddress(headers, { trustProxy: false })).toBe("192.0.2.7");
  });

  it("behind a trusted proxy takes the entry the proxy appended, not the ones the client sent", () => {
    const headers = { [CLIENT_ADDRESS_HEADER]: "10.0.0.2", "x-forwarded-for": "198.51.100.1, 203.0.113.9" };
    expect(clientAddress(headers, { trustProxy: true })).toBe("203.0.113.9");
  });

  it("falls back to the socket when a trusted proxy sent nothing usable, and gives up without either", () => {
    expect(clientAddress({ [CLIENT_ADDRESS_HEADER]: "2001:DB8::1", "x-forwarded-for": "not-an-address" }, { trustProxy: true })).toBe("2001:db8::1");
    expect(clientAddress({ "x-forwarded-for": "203.0.113.9" }, { trustProxy: false })).toBeNull();
  });

  it("the server replaces a client's own copy of the stamp with the socket's address", () => {
    const req = { headers: { [CLIENT_ADDRESS_HEADER]: "203.0.113.250" }, socket: { remoteAddress: "127.0.0.1" } } as unknown as IncomingMessage;
    stampClientAddress(req);
    expect(req.headers[CLIENT_ADDRESS_HEADER]).toBe("127.0.0.1");
  });
});
