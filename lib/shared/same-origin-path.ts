// Where to send a browser after it signs in, taken from a `callbackUrl` that
// anyone can put in a link. A check on the raw text ("starts with one slash")
// is not enough: browsers read "/\evil.example" as "//evil.example", and drop
// tabs and newlines anywhere in a URL, so "/<TAB>/evil.example" is another
// host too. The target is therefore parsed as a URL against the site's own
// origin, the way the browser will read it, and only a result on that origin
// is followed, handed back as a path. Shared: the login page (server) and the
// login form (browser) both apply it.

/** Where a sign-in goes when its callbackUrl is missing or leaves the site. */
export const SIGN_IN_FALLBACK_PATH = "/";

// Longer than any path of the app; longer targets are someone's experiment.
const MAX_TARGET_LENGTH = 2048;

/**
 * `target` as a path on `origin` (path, query and fragment), or
 * SIGN_IN_FALLBACK_PATH when it is missing, unparsable, or names another
 * origin (another host, port or scheme, `javascript:`, `data:`, ...).
 * Absolute URLs are accepted only when they name `origin` itself.
 */
export function sameOriginPath(target: string | null | undefined, origin: string): string {
  if (typeof target !== "string" || target === "" || target.length > MAX_TARGET_LENGTH) return SIGN_IN_FALLBACK_PATH;
  let base: URL;
  let url: URL;
  try {
    base = new URL(origin);
    url = new URL(target, base);
  } catch {
    return SIGN_IN_FALLBACK_PATH;
  }
  if (url.origin === "null" || url.origin !== base.origin) return SIGN_IN_FALLBACK_PATH;
  // "/.//evil.example" parses to the path "//evil.example" on our origin, but
  // that path used as a relative URL names another host again: keep one slash.
  const path = url.pathname.replace(/^\/{2,}/, "/");
  return `${path}${url.search}${url.hash}`;
}
