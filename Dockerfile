# One image for every hipmon process (processing, dashboard, simulator): `hipmon <command>` picks the role.
# The CLI runs the TypeScript sources through tsx, so there is no build step: the image is the sources plus
# node_modules.

FROM node:20-bookworm-slim AS deps
WORKDIR /app
# better-sqlite3 downloads a prebuilt binary when one matches the platform and compiles otherwise.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
# Manifests first: the dependency layer is rebuilt only when a manifest changes, not on every source edit.
# npm ci needs the package.json of every workspace listed in the root package.json.
COPY package.json package-lock.json ./
COPY core/package.json core/
COPY simulator/package.json simulator/
COPY gateway/package.json gateway/
COPY services/package.json services/
COPY dashboard/package.json dashboard/
COPY cli/package.json cli/
COPY tests/package.json tests/
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app ./
COPY . .
# The SQLite volume is mounted at /data; a named volume takes the owner of this directory on first use.
RUN mkdir -p /data && chown node:node /data
USER node
ENTRYPOINT ["npx", "hipmon"]
CMD ["--help"]
