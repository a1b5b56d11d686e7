#!/usr/bin/env bash
# Build the frontend image (npm run image).
#
#   FRONTEND_IMAGE  tag to build (default local/wasm-frontend:dev)
#   NODE_IMAGE      base image (default: the Dockerfile's, node:20-bookworm-slim
#                   from Docker Hub; use local/node:20 offline, see
#                   scripts/images/node.sh)
#   DOCKER          docker client (default /usr/bin/docker: Debian's 20.10,
#                   which can do BuildKit builds without buildx)
#
# Runs `npm run build` first when dist/frontend.cjs is missing or older than
# anything it is built from. Extra arguments go to `docker build`.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

DOCKER="${DOCKER:-/usr/bin/docker}"
FRONTEND_IMAGE="${FRONTEND_IMAGE:-local/wasm-frontend:dev}"
bundle=dist/frontend.cjs

log() { printf '[build-image] %s\n' "$*" >&2; }

stale=""
if [ ! -f "$bundle" ]; then
  stale="$bundle is missing"
elif [ ! -f "$bundle.cache" ] || [ ! -f dist/start.cjs ]; then
  stale="$bundle.cache or dist/start.cjs is missing"
else
  inputs=()
  for p in frontend src proto scripts/build.mjs package.json package-lock.json tsconfig.json; do
    [ -e "$p" ] && inputs+=("$p")
  done
  if [ ${#inputs[@]} -gt 0 ]; then
    newer="$(find "${inputs[@]}" -newer "$bundle" -type f -print -quit)"
    [ -z "$newer" ] || stale="$newer is newer than $bundle"
  fi
fi
if [ -n "$stale" ]; then
  log "$stale: npm run build"
  npm run build
  [ -f "$bundle" ] || { log "npm run build did not produce $bundle"; exit 1; }
fi

args=(build -t "$FRONTEND_IMAGE")
if [ -n "${NODE_IMAGE:-}" ]; then
  args+=(--build-arg "NODE_IMAGE=$NODE_IMAGE")
fi
[ "${CI:-}" = true ] && args+=(--progress=plain)

log "building $FRONTEND_IMAGE from ${NODE_IMAGE:-the Dockerfile default base} ($bundle: $(stat -c %s "$bundle") bytes)"
DOCKER_BUILDKIT=1 "$DOCKER" "${args[@]}" "$@" .
"$DOCKER" image ls "$FRONTEND_IMAGE" >&2
