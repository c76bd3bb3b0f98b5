// @ts-check
// The app always runs behind server.ts (Next plus socket.io on one port),
// which validates the environment before Next starts; see lib/server/env.ts.

// Security headers (the Content-Security-Policy with a nonce per page, and
// the rest) are set per request in proxy.ts, from
// lib/server/http/security-headers.ts.

/** @type {import("next").NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The database driver stays a plain Node dependency instead of being bundled.
  serverExternalPackages: ["pg", "@prisma/adapter-pg"],
};

export default nextConfig;
