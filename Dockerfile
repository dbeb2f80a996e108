# Wirespeed: one image for every component (`wirespeed webhook`, ...); the Deployment picks the command.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# tsc emits only .js, so other files under src/ (such as .proto definitions) are copied next to the output.
# Compiled tests import dev-only packages and are never run from the image, so they are dropped.
RUN npm run build \
  && find src -type f ! -name '*.ts' -exec cp --parents {} dist/ \; \
  && find dist \( -name '*.test.js' -o -name '*.test.js.map' \) -delete \
  && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The same numeric user the manifests require (runAsUser 65532, runAsNonRoot); it needs no passwd entry.
USER 65532:65532
ENTRYPOINT ["node", "dist/src/cli.js"]
CMD ["--help"]
