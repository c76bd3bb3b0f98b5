#!/usr/bin/env bash
# Every test: static checks, unit tests, integration tests against the real
# PostgreSQL and real bpftrace, and the browser tests in Chromium against the
# app started the way the quick start starts it. Installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup/install-system.sh --tests
bash scripts/setup/install-node-deps.sh

export TEST_DATABASE_ADMIN_URL="${TEST_DATABASE_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
if ! node -e 'const c=new (require("pg").Client)(process.env.TEST_DATABASE_ADMIN_URL);c.connect().then(()=>c.end(),e=>{console.error(e.message);process.exit(1)})'; then
  echo "the tests need PostgreSQL at TEST_DATABASE_ADMIN_URL ($TEST_DATABASE_ADMIN_URL), as a superuser" >&2
  exit 1
fi

export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
if ! node -e 'const R=require("ioredis").Redis;const r=new R(process.env.TEST_REDIS_URL,{lazyConnect:true,maxRetriesPerRequest:1,retryStrategy:()=>null});r.connect().then(()=>r.ping()).then(()=>r.quit(),e=>{console.error(e.message);process.exit(1)})'; then
  echo "the tests need Redis at TEST_REDIS_URL ($TEST_REDIS_URL): several server processes share frames through it" >&2
  exit 1
fi

echo "== typecheck"; npm run typecheck
echo "== lint"; npm run lint
echo "== formatting"; npm run format:check
echo "== unit tests"; npx vitest run --project unit
echo "== compose file"; NEXTAUTH_SECRET=validate POSTGRES_PASSWORD=validate docker-compose -f docker-compose.yml config -q
echo "== compose file, monitoring profile"
NEXTAUTH_SECRET=validate POSTGRES_PASSWORD=validate WORKBENCH_METRICS_TOKEN=validate-validate-validate docker-compose -f docker-compose.yml --profile monitoring config -q
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' deploy/grafana/dashboards/bpftrace-workbench.json
echo "== build"; bash scripts/setup/build-web.sh
echo "== integration tests (PostgreSQL, bpftrace, the built server)"; npx vitest run --project integration
echo "== browser tests"; npx playwright test
