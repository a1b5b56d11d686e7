#!/usr/bin/env bash
# Build local/wasmedge:0.14.1: a Debian trixie rootfs (debootstrap, variant minbase) with
# WasmEdge 0.14.1 (`wasmedge` runs modules, `wasmedge compile` AOT-compiles them), imported
# with `docker import` -- no registry needed. It is the compiler image and the runtime base
# for --build-arg WASM_AOT=wasmedge (pass WASM_WASMEDGE_IMAGE=local/wasmedge:0.14.1).
#
# Usage: scripts/images/wasmedge.sh [--force]
#   WASMEDGE_IMAGE  image tag (default local/wasmedge:0.14.1)
#   DEBIAN_MIRROR, CACHE_DIR: see scripts/images/debootstrap-image.sh
# Idempotent and cached like toolchain.sh (about 3 minutes the first time).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

IMAGE="${WASMEDGE_IMAGE:-local/wasmedge:0.14.1}"
NAME=wasmedge
SUITE=trixie
# debootstrap does not resolve the virtual package libwasmedge0 needs: name libspdlog1.15.
PACKAGES="wasmedge libwasmedge0 libspdlog1.15"
IMAGE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
IMAGE_ENV=
RECIPE=1
USAGE_LINES=2,10

postprocess_rootfs() {
  # Fail here, not in a build, when the package set did not give a working compiler.
  chroot "$1" wasmedge --version >/dev/null || die "wasmedge does not run in the rootfs"
}

# shellcheck source=debootstrap-image.sh
. "$here/debootstrap-image.sh"
debootstrap_image "$@"
