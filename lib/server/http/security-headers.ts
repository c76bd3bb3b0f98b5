import "server-only";

// The response headers every answer of the workbench carries, in one place:
// proxy.ts sets them on everything Next serves, server.ts on the few answers
// it gives before Next sees a request. The workbench talks to its own origin
// only (Monaco is bundled from the local package, fonts are local, sockets go
// to the same host), so a strict policy is a property the browser enforces,
// not a habit.

/** The web API and the Prometheus endpoint: answers that are data, never a page. */
export function isApiPath(pathname: string): boolean {
  return pathname === "/api" || pathname.startsWith("/api/") || pathname === "/metrics";
}

/**
 * A page's Content-Security-Policy. Scripts run only with this response's
 * nonce (Next.js reads it from the request's copy of this header and puts it
 * on its own script tags) or when loaded by such a script ('strict-dynamic':
 * Next's chunk loader, Monaco's modules); no inline script without it, so an
 * injected `<script>` or event handler does not run. Styles keep
 * 'unsafe-inline': Monaco and React set style attributes at run time, and a
 * style cannot run code. Development adds 'unsafe-eval' for React's
 * debugging (never in production).
 */
export function pageContentSecurityPolicy(nonce: string, options: { dev: boolean }): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${options.dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    // Monaco's editor worker is a bundled file of this origin.
    "worker-src 'self' blob:",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
  ].join("; ");
}

/** For answers that are data: nothing in them may load or run anything. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

// Browser features the workbench never uses, denied to it and to anything it
// could ever embed. Names Chromium does not know are left out: it reports
// each unknown one on the console.
const DENIED_FEATURES = [
  "accelerometer",
  "camera",
  "display-capture",
  "geolocation",
  "gyroscope",
  "hid",
  "magnetometer",
  "microphone",
  "midi",
  "payment",
  "publickey-credentials-get",
  "screen-wake-lock",
  "serial",
  "usb",
  "xr-spatial-tracking",
];

/** On every answer, page or data. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "same-origin",
  "X-Frame-Options": "DENY",
  "Permissions-Policy": DENIED_FEATURES.map((feature) => `${feature}=()`).join(", "),
  // A window this site opens, or that opens it, gets no handle on the other.
  "Cross-Origin-Opener-Policy": "same-origin",
};

/**
 * On every API answer, success or error: never stored by a browser or a
 * proxy. Some carry secrets shown once (a new user's initial password, an
 * enrollment token), all carry data of one signed-in person.
 */
export const API_HEADERS: Readonly<Record<string, string>> = {
  ...SECURITY_HEADERS,
  "Content-Security-Policy": API_CONTENT_SECURITY_POLICY,
  "Cache-Control": "no-store",
};
