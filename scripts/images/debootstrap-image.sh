# Shared part of the toolchain image scripts (toolchain.sh, toolchain-trixie.sh): a Debian
# rootfs made with debootstrap (variant minbase), cached as a tarball, turned into an image with
# `docker import` -- no registry needed. Source it after setting:
#   SUITE       Debian suite (bookworm, trixie)
#   IMAGE       image tag
#   PACKAGES    packages for debootstrap's --include (space separated)
#   IMAGE_PATH  PATH inside the image
#   IMAGE_ENV   extra `ENV K=V` lines for the image, one per line (may be empty)
#   RECIPE      bump when the caller's post-processing or IMAGE_ENV changes, to invalidate caches
#   USAGE_LINES the line range of the caller's header comment that --help prints (e.g. 2,20)
#   NAME        cache and label name (default toolchain): each image of a suite needs its own,
#               or the scripts drop each other's cached tarballs
# and defining postprocess_rootfs ROOTFS (runs once on the fresh rootfs, before it is packed).
# Then call debootstrap_image "$@".
#   DEBIAN_MIRROR  mirror URL (default: the one apt uses, from /etc/apt/sources.list*)
#   CACHE_DIR      cache for .debs and the rootfs tarball (default /var/cache/wasm-frontend)
# Idempotent: reuses the image when its label matches the package set/mirror, else re-imports
# the cached rootfs tarball, else runs debootstrap. --force skips the image and the tarball
# (downloaded .debs are still reused).
# shellcheck shell=bash

_dbi_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../ci/lib.sh
. "$_dbi_here/../ci/lib.sh"

CACHE_DIR="${CACHE_DIR:-/var/cache/wasm-frontend}"

# Unmount anything debootstrap left mounted below $1, then delete $1.
cleanup_rootfs() {
  local dir="$1" m
  [ -d "$dir" ] || return 0
  for m in $(awk -v d="$dir" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  rm -rf --one-file-system "$dir"
}

debootstrap_image() {
  local force=0 a
  for a in "$@"; do
    case "$a" in
      --force) force=1 ;;
      -h|--help) sed -n "${USAGE_LINES}p" "$0"; exit 0 ;;
      *) die "unknown argument: $a" ;;
    esac
  done

  MIRROR="$(debian_mirror)"

  local name="${NAME:-toolchain}"
  local key label="org.wasm-frontend.$name.key" tarball
  key="$(printf '%s\n' "$RECIPE" "$SUITE" "$MIRROR" "$PACKAGES" "$IMAGE_PATH" | sha256sum | cut -c1-16)"
  tarball="$CACHE_DIR/$name-$SUITE-$key.tar"

  if [ "$force" = 0 ] && image_exists "$IMAGE"; then
    if [ "$(image_label "$IMAGE" "$label")" = "$key" ]; then
      log "$IMAGE present (key $key); reusing (--force to rebuild)"
      return 0
    fi
    log "$IMAGE present but from another recipe/mirror; rebuilding"
  fi

  mkdir -p "$CACHE_DIR/debs"
  if [ "$force" = 1 ] || [ ! -s "$tarball" ]; then
    command -v debootstrap >/dev/null || die "debootstrap missing (apt-get install debootstrap)"
    rootfs="$CACHE_DIR/rootfs-$name-$SUITE.tmp"
    cleanup_rootfs "$rootfs"
    trap 'cleanup_rootfs "$rootfs"' EXIT
    log "debootstrap $SUITE (minbase) from $MIRROR with: $PACKAGES"
    local t0=$SECONDS dlog="$CACHE_DIR/debootstrap-$name-$SUITE.log"
    if ! debootstrap --variant=minbase --components=main \
        --include="$(echo "$PACKAGES" | tr ' ' ',')" \
        --cache-dir="$CACHE_DIR/debs" \
        "$SUITE" "$rootfs" "$MIRROR" >"$dlog" 2>&1; then
      tail -n 30 "$dlog" >&2
      [ -f "$rootfs/debootstrap/debootstrap.log" ] && tail -n 30 "$rootfs/debootstrap/debootstrap.log" >&2
      die "debootstrap failed (full log: $dlog)"
    fi
    log "debootstrap done in $((SECONDS - t0))s"

    # Slim down: package caches, indexes, docs. Keep dpkg's database.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
           "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
           "$rootfs"/var/log/*.log "$rootfs"/var/cache/debconf/*-old "$rootfs"/debootstrap
    # Device nodes are provided by the container runtime.
    find "$rootfs/dev" -mindepth 1 -delete 2>/dev/null || true
    chmod 1777 "$rootfs/tmp"
    postprocess_rootfs "$rootfs"

    tar --numeric-owner -C "$rootfs" -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    # Drop tarballs of other recipes.
    find "$CACHE_DIR" -maxdepth 1 -name "$name-$SUITE-*.tar" ! -name "${tarball##*/}" -delete
    cleanup_rootfs "$rootfs"
    trap - EXIT
    log "rootfs tarball: $tarball ($(du -h "$tarball" | cut -f1))"
  else
    log "reusing cached rootfs tarball $tarball"
  fi

  local changes=() line
  while IFS= read -r line; do
    [ -n "$line" ] && changes+=(--change "ENV $line")
  done <<<"${IMAGE_ENV:-}"
  t0=$SECONDS
  "$DOCKER" import \
    --change "ENV PATH=$IMAGE_PATH" \
    "${changes[@]}" \
    --change 'ENV HOME=/root' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'WORKDIR /' \
    --change 'CMD ["bash"]' \
    --change "LABEL $label=$key" \
    --change "LABEL org.wasm-frontend.$name.mirror=$MIRROR" \
    --message "debootstrap $SUITE minbase + $PACKAGES" \
    "$tarball" "$IMAGE" >/dev/null
  log "imported $IMAGE in $((SECONDS - t0))s"
  "$DOCKER" image ls "$IMAGE"
}

# Writable, empty CARGO_HOME whose config keeps cargo offline: no registry is ever contacted.
offline_cargo_home() {
  mkdir -p "$1/usr/local/cargo/bin"
  printf '[net]\noffline = true\n' >"$1/usr/local/cargo/config.toml"
}

# unpack_from_suite ROOTFS SUITE PACKAGE...: unpacks packages of another suite (e.g.
# bookworm-backports, which debootstrap cannot install from) into ROOTFS with dpkg-deb -x, no
# maintainer scripts, dependencies not resolved: name them all. apt-get downloads them through
# a private apt state under $CACHE_DIR/apt-SUITE (the host's apt configuration is not touched).
unpack_from_suite() {
  local rootfs="$1" suite="$2"; shift 2
  local state="$CACHE_DIR/apt-$suite" debs="$CACHE_DIR/debs-$suite" p deb
  mkdir -p "$state/lists/partial" "$state/archives/partial" "$debs"
  echo "deb $MIRROR $suite main" >"$state/sources.list"
  touch "$state/status"
  local o=(-o "Dir::Etc::SourceList=$state/sources.list" -o Dir::Etc::SourceParts=/nonexistent
           -o "Dir::State::Lists=$state/lists" -o "Dir::State::status=$state/status"
           -o "Dir::Cache=$state" -o Debug::NoLocking=1 -o APT::Sandbox::User=root -q)
  apt-get "${o[@]}" update >/dev/null || die "apt-get update for $suite failed"
  (cd "$debs" && apt-get "${o[@]}" download "$@" >/dev/null) || die "apt-get download $* ($suite) failed"
  for p in "$@"; do
    deb="$(ls -t "$debs/${p}_"*.deb | head -n 1)"
    dpkg-deb -x "$deb" "$rootfs"
    log "unpacked ${deb##*/} from $suite"
  done
}
