#!/usr/bin/env bash
# Build local/wasm-toolchain:trixie: a Debian trixie rootfs (debootstrap, variant
# minbase) with today's toolchains, imported with `docker import` -- no registry needed.
#
# Usage: scripts/images/toolchain-trixie.sh [--force]
#   TOOLCHAIN_TRIXIE_IMAGE  image tag (default local/wasm-toolchain:trixie)
#   DEBIAN_MIRROR           mirror URL (default: the one apt uses, from /etc/apt/sources.list*)
#   CACHE_DIR               cache for .debs and the rootfs tarball (default /var/cache/wasm-frontend)
# Cached like toolchain.sh (the shared part is debootstrap-image.sh): reuses the image when
# its label matches, else re-imports the cached rootfs tarball, else runs debootstrap.
#
# Inside the image:
#   rustc/cargo 1.85 with the wasm32-wasip1 and wasm32-wasip2 standard libraries; the linker
#   is lld's `wasm-ld` (Debian ships no `rust-lld`: the toolchain stage's wrapper points
#   cargo at wasm-ld); offline (CARGO_HOME=/usr/local/cargo, CARGO_NET_OFFLINE=true);
#   clang-19 (also `clang`), wasm-ld, llvm-* tools via /usr/lib/llvm-19/bin on PATH,
#   wasi-libc, compiler-rt and libc++ for wasm32-wasi;
#   go 1.24 (`GOOS=wasip1 GOARCH=wasm`), offline: GOPROXY=off, GOTOOLCHAIN=local;
#   wasm-opt (binaryen 120); node 20.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

IMAGE="${TOOLCHAIN_TRIXIE_IMAGE:-local/wasm-toolchain:trixie}"
SUITE=trixie
PACKAGES="rustc cargo libstd-rust-dev-wasm32 lld clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32 libc++-19-dev-wasm32 libc++abi-19-dev-wasm32 golang-go binaryen nodejs"
IMAGE_PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/llvm-19/bin
IMAGE_ENV='CARGO_HOME=/usr/local/cargo
CARGO_NET_OFFLINE=true
GOPROXY=off
GOTOOLCHAIN=local'
# Bump when the rootfs post-processing or IMAGE_ENV changes, to invalidate caches.
RECIPE=1
USAGE_LINES=2,19

postprocess_rootfs() {
  local rootfs="$1" t
  for t in clang clang++ wasm-ld; do
    [ -e "$rootfs/usr/bin/$t" ] || ln -s "../lib/llvm-19/bin/$t" "$rootfs/usr/bin/$t"
  done
  offline_cargo_home "$rootfs"
}

# shellcheck source=debootstrap-image.sh
. "$here/debootstrap-image.sh"
debootstrap_image "$@"
