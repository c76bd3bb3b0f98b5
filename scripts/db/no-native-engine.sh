#!/bin/sh
# Stand-in for Prisma's native schema engine; see scripts/db/generate-client.mjs.
echo "the native Prisma schema engine is not used by this project: run npm run db:migrate" >&2
exit 1
