#!/usr/bin/env bash
# The quick start: installs what is missing, builds, and brings up the whole
# workbench (database, web server, local agent). Options are passed on to
# scripts/workbench.ts: --port N, --no-agent, --agent-host NAME.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup/install-system.sh
bash scripts/setup/install-node-deps.sh
bash scripts/setup/build-web.sh
exec node --import ./scripts/node/register.mjs scripts/workbench.ts "$@"
