#!/usr/bin/env bash
# npm packages exactly as locked, and the generated Prisma client. Skips npm ci
# when node_modules was installed from the same package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/../.."

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 NEXT_TELEMETRY_DISABLED=1
stamp=node_modules/.workbench-lock-stamp
current=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f $stamp || "$(cat "$stamp")" != "$current" ]]; then
  echo "[setup] npm ci"
  npm ci --no-audit --no-fund
  echo "$current" > "$stamp"
fi
node scripts/db/generate-client.mjs >/dev/null
