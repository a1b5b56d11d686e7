# The wasm-frontend image: the esbuild bundle (dist/frontend.cjs, made by
# `npm run build`) on Node 20. Build it with `npm run image`
# (scripts/build-image.sh) or `docker buildx bake`; the build needs no network
# when NODE_IMAGE is present locally (CI uses NODE_IMAGE=local/node:20, made
# by scripts/images/node.sh). `node` must be on PATH in NODE_IMAGE (it is in
# the official image, /usr/local/bin/node, and in local/node:20).
ARG NODE_IMAGE=docker.io/library/node:20-bookworm-slim
FROM ${NODE_IMAGE}

# What BuildKit may expect from this frontend: the one place to change them.
#   network.none: run the frontend container without network
#   caps: frontend capabilities we implement, exactly FRONTEND_CAPS in
#         src/convert/requests.ts (a test compares them): frontend inputs,
#         subrequests (outline, targets, describe) and named contexts
LABEL moby.buildkit.frontend.network.none="true" \
      moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts"

# start.cjs loads the bundle with V8's code cache (frontend.cjs.cache, made by `npm run build`
# with the build machine's node; a node that rejects it compiles the bundle as before).
COPY dist/frontend.cjs dist/frontend.cjs.cache dist/start.cjs /opt/wasm-frontend/
WORKDIR /
ENTRYPOINT ["node", "/opt/wasm-frontend/start.cjs"]
