# syntax=docker/dockerfile:1
# The checks that need no docker daemon, in containers: `docker buildx bake validate`
# (docker-bake.hcl, targets validate-typecheck and validate-test). The build context is the
# repository; test/cli/validate.Dockerfile.dockerignore replaces the root .dockerignore, which
# keeps only the frontend bundle for the image build (Dockerfile-specific ignore files need the
# Dockerfile frontend 1.4+, hence the syntax line for older daemons). Needs the npm registry.
ARG NODE_IMAGE=docker.io/library/node:20-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund

FROM deps AS source
COPY . .

FROM source AS typecheck
RUN npx tsc --noEmit -p .

FROM source AS test
ENV CI=true
RUN npx vitest run
