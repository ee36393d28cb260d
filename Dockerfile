# gauntlet: the load generator (gauntlet run / merge / report) and the reference server (gauntlet serve), with the
# bundled models built into the image. Build: docker build -t gauntlet:0.1.0 . (docs/kubernetes.md)

# Build stage: the dev dependencies (TypeScript) compile dist/.
FROM node:20.19.5-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` (tsc) needs the sources, copied next; no dependency needs its install script.
RUN npm ci --ignore-scripts
COPY . .
RUN npx tsc -p .

# Runtime stage: production dependencies only, dist/ from the build stage, the models built with them.
FROM node:20.19.5-slim
# tini as PID 1 forwards SIGTERM to node (gauntlet serve drains, gauntlet run writes its results) and reaps children.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would run tsc, a dev dependency; dist/ comes from the build stage instead.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY . .
COPY --from=build /app/dist ./dist
# The bundled models (mlp, encoder, cnn × fp32/fp16/int8/int4, tiny-llm), built at image build time with the
# production install, so that pods start serving at once and need no writable model folder.
RUN node dist/src/cli/main.js models build \
 && chmod +x dist/src/cli/main.js \
 && ln -s /app/dist/src/cli/main.js /usr/local/bin/gauntlet \
 && groupadd --system --gid 10001 gauntlet \
 && useradd --system --uid 10001 --gid gauntlet --home-dir /app --shell /usr/sbin/nologin gauntlet
USER 10001:10001
EXPOSE 8000 8001 8002
ENTRYPOINT ["/usr/bin/tini", "--", "gauntlet"]
CMD ["--help"]
