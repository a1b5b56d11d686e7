# Shared by scripts/images/*.sh: a Debian rootfs from debootstrap (variant minbase), cached as
# a tarball and turned into an image with `docker import`. Source it, don't run it.
# shellcheck shell=bash
#
# The caller sets, then calls `debootstrap_image "$@"`:
#   IMAGE     tag to produce             SUITE     Debian suite (bookworm, trixie)
#   NAME      cache file prefix          PACKAGES  space-separated --include list
#   RECIPE    bump to invalidate caches  LABEL     image label holding the cache key
#   CHANGES   array of `docker import --change` values (ENV, CMD, ENTRYPOINT...)
#   KEY_EXTRA anything else the image depends on (part of the cache key)
#   MESSAGE   import message             HELP_LINES  sed range of the caller's usage text
# and may define `post_rootfs DIR` (runs on the rootfs before it is archived).
# Idempotent: reuses the image when its label matches the key (recipe, suite, mirror,
# packages, KEY_EXTRA), else re-imports the cached rootfs tarball, else runs debootstrap.
# --force skips the image and the tarball (downloaded .debs are still reused).
# Env: DEBIAN_MIRROR (default: the one apt uses), CACHE_DIR (default /var/cache/wasm-frontend).

# The Debian mirror apt is configured with: first non-security "deb" entry for
# $SUITE in deb822 (.sources) or one-line (.list) format.
apt_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v suite="$SUITE" '
      function flush() {
        if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") && uris !~ /security/) {
          split(uris, u, " "); print u[1]; found = 1; exit
        }
        types = suites = uris = ""
      }
      /^[ \t]*$/ { flush(); next }
      /^[ \t]*#/ { next }
      tolower($1) == "types:"  { sub(/^[^:]*:[ \t]*/, ""); types = $0 }
      tolower($1) == "uris:"   { sub(/^[^:]*:[ \t]*/, ""); uris = $0 }
      tolower($1) == "suites:" { sub(/^[^:]*:[ \t]*/, ""); suites = $0 }
      END { if (!found) flush() }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    # deb [opts] URI SUITE COMPONENTS...
    sed -E 's/\[[^]]*\]//' "$f" | awk -v suite="$SUITE" \
      '$1 == "deb" && $3 == suite && $2 !~ /security/ { print $2 }'
  done
}

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
      -h|--help) sed -n "${HELP_LINES:-2,20}p" "$0"; exit 0 ;;
      *) die "unknown argument: $a" ;;
    esac
  done
  CACHE_DIR="${CACHE_DIR:-/var/cache/wasm-frontend}"
  # A mirror of the host's own suite serves any suite.
  MIRROR="${DEBIAN_MIRROR:-$(apt_mirror | head -n1)}"
  if [ -z "$MIRROR" ]; then MIRROR="$(SUITE=bookworm apt_mirror | head -n1)"; fi
  MIRROR="${MIRROR:-http://deb.debian.org/debian}"
  MIRROR="${MIRROR%/}"

  local key tarball
  key="$(printf '%s\n' "$RECIPE" "$SUITE" "$MIRROR" "$PACKAGES" "$KEY_EXTRA" | sha256sum | cut -c1-16)"
  tarball="$CACHE_DIR/$NAME-$SUITE-$key.tar"

  if [ "$force" = 0 ] && image_exists "$IMAGE"; then
    if [ "$(image_label "$IMAGE" "$LABEL")" = "$key" ]; then
      log "$IMAGE present (key $key); reusing (--force to rebuild)"
      return 0
    fi
    log "$IMAGE present but from another recipe/mirror; rebuilding"
  fi

  mkdir -p "$CACHE_DIR/debs"
  if [ "$force" = 1 ] || [ ! -s "$tarball" ]; then
    command -v debootstrap >/dev/null || die "debootstrap missing (apt-get install debootstrap)"
    rootfs="$CACHE_DIR/rootfs-$NAME-$SUITE.tmp"
    cleanup_rootfs "$rootfs"
    trap 'cleanup_rootfs "$rootfs"' EXIT
    log "debootstrap $SUITE (minbase) from $MIRROR with: $PACKAGES"
    local t0=$SECONDS logf="$CACHE_DIR/debootstrap-$NAME.log"
    if ! debootstrap --variant=minbase --components=main \
        --include="$(echo "$PACKAGES" | tr ' ' ',')" \
        --cache-dir="$CACHE_DIR/debs" \
        "$SUITE" "$rootfs" "$MIRROR" >"$logf" 2>&1; then
      tail -n 30 "$logf" >&2
      [ -f "$rootfs/debootstrap/debootstrap.log" ] && tail -n 30 "$rootfs/debootstrap/debootstrap.log" >&2
      die "debootstrap failed (full log: $logf)"
    fi
    log "debootstrap done in $((SECONDS - t0))s"

    # Slim down: package caches, indexes, docs. Keep dpkg's database.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
           "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
           "$rootfs"/var/log/*.log "$rootfs"/var/cache/debconf/*-old "$rootfs"/debootstrap
    # Device nodes are provided by the container runtime.
    find "$rootfs/dev" -mindepth 1 -delete 2>/dev/null || true
    chmod 1777 "$rootfs/tmp"
    if declare -F post_rootfs >/dev/null; then post_rootfs "$rootfs"; fi

    tar --numeric-owner -C "$rootfs" -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    # Drop tarballs of other recipes.
    find "$CACHE_DIR" -maxdepth 1 -name "$NAME-$SUITE-*.tar" ! -name "${tarball##*/}" -delete
    cleanup_rootfs "$rootfs"
    trap - EXIT
    log "rootfs tarball: $tarball ($(du -h "$tarball" | cut -f1))"
  else
    log "reusing cached rootfs tarball $tarball"
  fi

  local t1=$SECONDS c args=()
  for c in "${CHANGES[@]}"; do args+=(--change "$c"); done
  "$DOCKER" import "${args[@]}" \
    --change "LABEL $LABEL=$key" \
    --change "LABEL ${LABEL%.key}.mirror=$MIRROR" \
    --message "${MESSAGE:-debootstrap $SUITE minbase + $PACKAGES}" \
    "$tarball" "$IMAGE" >/dev/null
  log "imported $IMAGE in $((SECONDS - t1))s"
  "$DOCKER" image ls "$IMAGE"
}
