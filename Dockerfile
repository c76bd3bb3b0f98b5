# One image for both the web server and the agent (they share lib/shared).
FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 NEXT_TELEMETRY_DISABLED=1
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx next build && npm prune --omit=dev

FROM node:20-bookworm-slim
# bpftrace for the agent; setpriv (util-linux) lets the kernel stop bpftrace if the agent dies.
RUN apt-get update && apt-get install -y --no-install-recommends bpftrace util-linux ca-certificates \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1
COPY --from=build /app ./
EXPOSE 3000
CMD ["node", "--import", "./scripts/node/register.mjs", "server.ts"]
