# Multi-stage build: compile TypeScript, then run on a slim image with production deps only.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/node-env.sh scripts/with-node.sh scripts/build-widget.ts ./scripts/
COPY config ./config
COPY connectors ./connectors
COPY src ./src
# The web chat widget's source, bundled by the build into dist/widget/widget.js.
COPY widget ./widget
# Template definitions are data read at run time; the build copies them to dist/templates
# (src/template-registry/definition-files.ts looks two levels above its compiled self).
COPY templates ./templates
# The agent console (a single-page app, built by Vite into dist/console, which the gateway serves at /console).
COPY console ./console
RUN npm run build

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 8080
# Liveness only (/healthz): a store or Redis outage is the gateway's to ride out, not a reason to
# replace it. The image has no curl: node asks. A worker-only process serves /healthz too.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]
