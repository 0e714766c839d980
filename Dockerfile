# Multi-stage build: compile TypeScript, then run on a slim image with production deps only.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/node-env.sh scripts/with-node.sh ./scripts/
COPY config ./config
COPY connectors ./connectors
COPY src ./src
# Template definitions are data read at run time; the build copies them to dist/templates
# (src/template-registry/definition-files.ts looks two levels above its compiled self).
COPY templates ./templates
RUN npm run build

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 8080
CMD ["node", "dist/src/main.js"]
