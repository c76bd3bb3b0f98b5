import "server-only";
import { isIP } from "node:net";
import type { IncomingMessage } from "node:http";

// Where a request came from, for throttling sign-ins per address and for the
// audit trail. Next.js does not hand route handlers the socket, and it fills
// X-Forwarded-For only when the client has not sent one (so without a proxy
// that header is whatever the client typed). The custom server therefore
// stamps the socket's peer address into a header of its own, after throwing
// away any copy the client sent.
export const CLIENT_ADDRESS_HEADER = "x-workbench-client-address";

/** Called by server.ts for every request, before Next sees it. */
export function stampClientAddress(req: IncomingMessage): void {
  delete req.headers[CLIENT_ADDRESS_HEADER];
  const address = req.socket.remoteAddress;
  if (address) req.headers[CLIENT_ADDRESS_HEADER] = address;
}

type HeaderBag = Record<string, string | string[] | undefined>;

function header(headers: HeaderBag, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

function normalize(address: string | undefined): string | null {
  const trimmed = address?.trim().toLowerCase();
  if (!trimmed) return null;
  const plain = trimmed.startsWith("::ffff:") && isIP(trimmed.slice(7)) === 4 ? trimmed.slice(7) : trimmed;
  return isIP(plain) ? plain : null;
}

/**
 * The client's address, or null when the request did not come through
 * server.ts. Behind a proxy (WORKBENCH_TRUST_PROXY), the last
 * X-Forwarded-For entry: the one the proxy appended itself. Entries to its
 * left come from the client and prove nothing; with several proxies in a
 * row, the last one is the innermost proxy's view.
 */
export function clientAddress(headers: HeaderBag, options: { trustProxy: boolean }): string | null {
  if (options.trustProxy) {
    const forwarded = header(headers, "x-forwarded-for")
      ?.split(",")
      .map((entry) => entry.trim())
      .filter(Boolean)
      .at(-1);
    const fromProxy = normalize(forwarded);
    if (fromProxy) return fromProxy;
  }
  return normalize(header(headers, CLIENT_ADDRESS_HEADER));
}
