#!/usr/bin/env bash
# The main job, end to end: start dockerd if needed, make the offline base images and the
# frontend image, build testdata/rust-hello (or the example named) for wasi/wasm through
# `# syntax=local/wasm-frontend:dev`, and run the module under node:wasi.
#
#   npm run example [-- c-hello]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
source scripts/ci/lib.sh

example="${1:-rust-hello}"
[ -f "testdata/$example/Dockerfile" ] || die "no example testdata/$example"
export NODE_IMAGE="${NODE_IMAGE:-local/node:20}"

bash scripts/ci/dockerd.sh
bash scripts/images/toolchain.sh
bash scripts/images/node.sh
bash scripts/build-image.sh >/dev/null

# An example with a package.json brings its node_modules in the context (no network in RUN).
if [ -f "testdata/$example/package.json" ]; then
  (cd "testdata/$example" && npm install --no-audit --no-fund --loglevel=error)
fi

# Toolchain stages (FROM wasm-toolchain/...) default to public images; offline, use the local one.
toolchain="${TOOLCHAIN_IMAGE:-local/wasm-toolchain:bookworm}"
args=(--build-arg "WASM_RUST_IMAGE=$toolchain" --build-arg "WASM_C_IMAGE=$toolchain" --build-arg "WASM_ASSEMBLYSCRIPT_IMAGE=$toolchain" --build-arg "WASM_GO_IMAGE=$toolchain")

out="out/$example"
rm -rf "$out"
log "docker build --platform wasi/wasm -o type=local,dest=$out ${args[*]} testdata/$example"
"$DOCKER" build --platform wasi/wasm -o "type=local,dest=$out" "${args[@]}" "testdata/$example"
module="$(find "$out" -name '*.wasm' | head -n 1)"
[ -n "$module" ] || die "the build exported no .wasm file"
log "node scripts/run-wasm.mjs $module"
node scripts/run-wasm.mjs "$module"
