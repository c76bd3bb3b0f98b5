#!/usr/bin/env bash
# next build, skipped when nothing it reads has changed since the last build.
set -euo pipefail
cd "$(dirname "$0")/../.."

stamp=.next/workbench-build-stamp
current=$(find app components lib next.config.js proxy.ts instrumentation-client.ts tsconfig.json package-lock.json -type f \
  -not -path 'lib/server/db/generated/*' -not -name '*.test.ts' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [[ -f .next/BUILD_ID && -f $stamp && "$(cat "$stamp")" == "$current" ]]; then
  exit 0
fi
echo "[setup] next build"
NEXT_TELEMETRY_DISABLED=1 npx next build
echo "$current" > "$stamp"
