# syntax=docker/dockerfile:1
#
# Countersign container image.
#
#   docker build -t countersign .
#   docker run --init --env-file .env -p 3000:3000 countersign serve   # or: worker | all (default)
#
# Stages:
#   deps       all dependencies (dev included) from the lockfile, for the TypeScript build
#   build      compiles src/ to dist/ (npm run build)
#   prod-deps  production dependencies only (npm ci --omit=dev)
#   runtime    node + prod node_modules + dist + workflows + manifests, as the non-root `node` user
#
# About `--ignore-scripts` on every `npm ci` below: three packages in the lockfile have an install
# script (`hasInstallScript` in package-lock.json), and none is needed here:
#   - `msgpackr-extract` (production, OPTIONAL): a native speed-up of BullMQ's message packing.
#     Its script only falls back to compiling with node-gyp (python3/make/g++, absent from the
#     slim image) when no prebuilt binary matches. The prebuilt binaries ship as ordinary optional
#     platform packages (@msgpackr-extract/msgpackr-extract-<platform>), which `npm ci` installs
#     whether scripts run or not, and msgpackr falls back to pure JavaScript if none loads.
#   - `esbuild` (dev, under tsx) and `@parcel/watcher` (dev, under jest-haste-map): only in the
#     deps stage, for tools the image never runs; the build is `tsc`, which needs neither.
# Skipping scripts therefore loses nothing, and no dependency's script runs during the image build.

# Pinned Node 24 LTS on Debian bookworm: the same release CI tests (scripts/install-node.sh).
# The project also runs on Node >= 20.19 (mongoose 9 needs it), which CI tests as well.
# Override with --build-arg NODE_IMAGE=... (e.g. to pin a digest).
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund

# ---------------------------------------------------------------------------------------------
FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime

ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    PORT=3000 \
    WORKFLOWS_DIR=/app/workflows

WORKDIR /app

# Everything under /app stays owned by root (read-only for the app user): the service writes
# nothing to its own directory; state lives in Redis and MongoDB.
COPY package.json package-lock.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Example workflow manifests; docker-compose.yml mounts ./workflows read-only over this folder.
COPY workflows ./workflows
# The Slack app manifest, for reference (manifests/slack-app.yaml).
COPY manifests ./manifests

USER node

EXPOSE 3000

# `serve`, `worker` and `all` all answer GET /healthz on $PORT. The slim image has no curl, so
# Node's built-in fetch does the probe (exec form: PORT is read from the environment by node).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

ENTRYPOINT ["node", "dist/main.js"]
CMD ["all"]
