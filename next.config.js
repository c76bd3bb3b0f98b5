// @ts-check
// The app always runs behind server.ts (Next plus socket.io on one port),
// which validates the environment before Next starts; see lib/server/env.ts.

const isDev = process.env.NODE_ENV !== "production";

// The workbench talks to its own origin only: Monaco is bundled from the
// local package, fonts are local, sockets go to the same host. A strict CSP
// makes that a property the browser enforces, not a habit.
const contentSecurityPolicy = [
  "default-src 'self'",
  // Next's hydration bootstrap is inline; dev mode also evaluates modules.
  `script-src 'self' 'unsafe-inline'${isDev ? " 'unsafe-eval'" : ""}`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "object-src 'none'",
].join("; ");

/** @type {import("next").NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The database driver stays a plain Node dependency instead of being bundled.
  serverExternalPackages: ["pg", "@prisma/adapter-pg"],
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "Content-Security-Policy", value: contentSecurityPolicy },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "same-origin" },
          { key: "X-Frame-Options", value: "DENY" },
        ],
      },
    ];
  },
};

export default nextConfig;
