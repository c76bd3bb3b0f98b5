import { config } from "zod";

// Runs in the browser before the app's own code (Next.js loads it first).
// zod probes whether it may compile its parsers with `new Function`; the
// pages' Content-Security-Policy allows no eval (proxy.ts), so the probe
// would be refused and reported as a CSP violation on every page that
// validates a form, although zod catches it and parses without compiling.
// Jitless skips the probe; the browser's forms are small.
config({ jitless: true });
