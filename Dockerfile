# syntax=docker/dockerfile:1
# iot-jobs-controller: build with the dev dependencies, run with the production ones only, as a
# non-root user on a slim base. The image holds both programs; the entrypoint is the controller
# (`iot-jobs-controller run --kubernetes` by default; the Helm chart passes its own arguments).
# Node 24 LTS in both stages, the line the tests run on in CI (package.json allows 22 and newer).

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY controller ./controller
COPY emulator ./emulator
COPY crds ./crds
# npm ci runs `prepare`, which compiles TypeScript into dist/.
RUN npm ci --no-audit --no-fund

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-old-space-size=128
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; --ignore-scripts skips `prepare` (there is no TypeScript here).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY crds ./crds
# The distroless "nonroot" ids, which the chart's securityContext also uses.
USER 65532:65532
EXPOSE 9464
ENTRYPOINT ["node", "dist/controller/main.js"]
CMD ["run", "--kubernetes"]
