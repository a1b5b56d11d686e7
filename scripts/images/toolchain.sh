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
#
# Inside the image:
#   rustc/cargo 1.63 in /usr/bin, `cargo build --target wasm32-wasi` works
#   offline (CARGO_HOME=/usr/local/cargo, CARGO_NET_OFFLINE=true);
#   clang-14 (also `clang`), wasm-ld, llvm-* tools via /usr/lib/llvm-14/bin on PATH;
#   `clang-14 --target=wasm32-wasi` uses wasi-libc from /usr/lib/wasm32-wasi;
#   wasm-opt (binaryen).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../ci/lib.sh
. "$here/../ci/lib.sh"

IMAGE="${TOOLCHAIN_IMAGE:-local/wasm-toolchain:bookworm}"
SUITE=bookworm
CACHE_DIR="${CACHE_DIR:-/var/cache/wasm-frontend}"
PACKAGES="rustc cargo libstd-rust-dev-wasm32 clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32 libc++-14-dev-wasm32 libc++abi-14-dev-wasm32 binaryen nodejs"
IMAGE_PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/llvm-14/bin
# Bump when the rootfs post-processing below changes, to invalidate caches.
RECIPE=3

force=0
for a in "$@"; do
  case "$a" in
    --force) force=1 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) die "unknown argument: $a" ;;
  esac
done

MIRROR="${DEBIAN_MIRROR:-$(apt_mirror "$SUITE" | head -n1)}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
MIRROR="${MIRROR%/}"

key="$(printf '%s\n' "$RECIPE" "$SUITE" "$MIRROR" "$PACKAGES" "$IMAGE_PATH" | sha256sum | cut -c1-16)"
LABEL=org.wasm-frontend.toolchain.key
tarball="$CACHE_DIR/toolchain-$SUITE-$key.tar"

if [ "$force" = 0 ] && image_exists "$IMAGE"; then
  if [ "$(image_label "$IMAGE" "$LABEL")" = "$key" ]; then
    log "$IMAGE present (key $key); reusing (--force to rebuild)"
    exit 0
  fi
  log "$IMAGE present but from another recipe/mirror; rebuilding"
fi

mkdir -p "$CACHE_DIR/debs"

# Unmount anything debootstrap left mounted below $1, then delete $1.
cleanup_rootfs() {
  local dir="$1" m
  [ -d "$dir" ] || return 0
  for m in $(awk -v d="$dir" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  rm -rf --one-file-system "$dir"
}

if [ "$force" = 1 ] || [ ! -s "$tarball" ]; then
  command -v debootstrap >/dev/null || die "debootstrap missing (apt-get install debootstrap)"
  rootfs="$CACHE_DIR/rootfs-$SUITE.tmp"
  cleanup_rootfs "$rootfs"
  trap 'cleanup_rootfs "$rootfs"' EXIT
  log "debootstrap $SUITE (minbase) from $MIRROR with: $PACKAGES"
  t0=$SECONDS
  if ! debootstrap --variant=minbase --components=main \
      --include="$(echo "$PACKAGES" | tr ' ' ',')" \
      --cache-dir="$CACHE_DIR/debs" \
      "$SUITE" "$rootfs" "$MIRROR" >"$CACHE_DIR/debootstrap.log" 2>&1; then
    tail -n 30 "$CACHE_DIR/debootstrap.log" >&2
    [ -f "$rootfs/debootstrap/debootstrap.log" ] && tail -n 30 "$rootfs/debootstrap/debootstrap.log" >&2
    die "debootstrap failed (full log: $CACHE_DIR/debootstrap.log)"
  fi
  log "debootstrap done in $((SECONDS - t0))s"

  # Slim down: package caches, indexes, docs. Keep dpkg's database.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
         "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
         "$rootfs"/var/log/*.log "$rootfs"/var/cache/debconf/*-old "$rootfs"/debootstrap
  # Device nodes are provided by the container runtime.
  find "$rootfs/dev" -mindepth 1 -delete 2>/dev/null || true
  # `clang`, `cc`, `wasm-ld` by their usual names (clang-14 itself also finds
  # wasm-ld in /usr/lib/llvm-14/bin, which is on PATH too).
  for t in clang clang++ wasm-ld; do
    [ -e "$rootfs/usr/bin/$t" ] || ln -s "../lib/llvm-14/bin/$t" "$rootfs/usr/bin/$t"
  done
  # Writable, empty CARGO_HOME; no registry is ever contacted.
  mkdir -p "$rootfs/usr/local/cargo/bin"
  cat >"$rootfs/usr/local/cargo/config.toml" <<'EOF'
[net]
offline = true
EOF
  chmod 1777 "$rootfs/tmp"

  tar --numeric-owner -C "$rootfs" -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  # Drop tarballs of other recipes.
  find "$CACHE_DIR" -maxdepth 1 -name "toolchain-$SUITE-*.tar" ! -name "${tarball##*/}" -delete
  cleanup_rootfs "$rootfs"
  trap - EXIT
  log "rootfs tarball: $tarball ($(du -h "$tarball" | cut -f1))"
else
  log "reusing cached rootfs tarball $tarball"
fi

t0=$SECONDS
"$DOCKER" import \
  --change "ENV PATH=$IMAGE_PATH" \
  --change 'ENV CARGO_HOME=/usr/local/cargo' \
  --change 'ENV CARGO_NET_OFFLINE=true' \
  --change 'ENV HOME=/root' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'WORKDIR /' \
  --change 'CMD ["bash"]' \
  --change "LABEL $LABEL=$key" \
  --change "LABEL org.wasm-frontend.toolchain.mirror=$MIRROR" \
  --message "debootstrap $SUITE minbase + $PACKAGES" \
  "$tarball" "$IMAGE" >/dev/null
log "imported $IMAGE in $((SECONDS - t0))s"
"$DOCKER" image ls "$IMAGE"
