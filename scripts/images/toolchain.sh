#!/usr/bin/env bash
# Build local/wasm-toolchain:bookworm: a Debian bookworm rootfs (debootstrap,
# variant minbase) with Rust 1.63 (target wasm32-wasi) and clang-14 + wasi-libc,
# imported with `docker import` -- no registry needed.
#
# Usage: scripts/images/toolchain.sh [--force]
#   TOOLCHAIN_IMAGE  image tag (default local/wasm-toolchain:bookworm)
#   DEBIAN_MIRROR    mirror URL (default: the one apt uses, from /etc/apt/sources.list*)
#   CACHE_DIR        cache for .debs and the rootfs tarball (default /var/cache/wasm-frontend)
# Idempotent: reuses the image when its label matches the package set/mirror,
# else re-imports the cached rootfs tarball, else runs debootstrap (~90 s).
# --force skips the image and the tarball (downloaded .debs are still reused).
# The debootstrap/cache/import part is shared with toolchain-trixie.sh (debootstrap-image.sh).
#
# Inside the image:
#   rustc/cargo 1.63 in /usr/bin, `cargo build --target wasm32-wasi` works
#   offline (CARGO_HOME=/usr/local/cargo, CARGO_NET_OFFLINE=true);
#   clang-14 (also `clang`), wasm-ld, llvm-* tools via /usr/lib/llvm-14/bin on PATH;
#   `clang-14 --target=wasm32-wasi` uses wasi-libc from /usr/lib/wasm32-wasi;
#   wasm-opt (binaryen);
#   go 1.23 from bookworm-backports (unpacked, `GOOS=wasip1 GOARCH=wasm`), offline:
#   GOPROXY=off, GOTOOLCHAIN=local.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

IMAGE="${TOOLCHAIN_IMAGE:-local/wasm-toolchain:bookworm}"
SUITE=bookworm
PACKAGES="rustc cargo libstd-rust-dev-wasm32 clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32 libc++-14-dev-wasm32 libc++abi-14-dev-wasm32 binaryen nodejs"
IMAGE_PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/llvm-14/bin
IMAGE_ENV='CARGO_HOME=/usr/local/cargo
CARGO_NET_OFFLINE=true
GOPROXY=off
GOTOOLCHAIN=local'
# Go for GOOS=wasip1 needs 1.21+; bookworm has 1.19, bookworm-backports 1.23.
GO_BACKPORT="golang-1.23-go golang-1.23-src"
# Bump when the rootfs post-processing or IMAGE_ENV changes, to invalidate caches.
RECIPE=4
USAGE_LINES=2,24

postprocess_rootfs() {
  local rootfs="$1" t
  # `clang`, `cc`, `wasm-ld` by their usual names (clang-14 itself also finds
  # wasm-ld in /usr/lib/llvm-14/bin, which is on PATH too).
  for t in clang clang++ wasm-ld; do
    [ -e "$rootfs/usr/bin/$t" ] || ln -s "../lib/llvm-14/bin/$t" "$rootfs/usr/bin/$t"
  done
  offline_cargo_home "$rootfs"
  # shellcheck disable=SC2086
  unpack_from_suite "$rootfs" bookworm-backports $GO_BACKPORT
  ln -sf ../lib/go-1.23/bin/go "$rootfs/usr/bin/go"
  ln -sf ../lib/go-1.23/bin/gofmt "$rootfs/usr/bin/gofmt"
}

# shellcheck source=debootstrap-image.sh
. "$here/debootstrap-image.sh"
debootstrap_image "$@"
