#!/usr/bin/env bash
# Build local/node:20 from this machine's own node binary (no registry needed).
#
# The image holds only: the node binary, stripped (at /usr/bin/node, symlinked from
# /usr/local/bin/node like the official image), the shared libraries `ldd`
# lists plus the dynamic loader, /tmp (1777) and empty /etc, /root, /dev,
# /proc, /sys. No shell, no /etc/passwd, no npm.
#
# Usage: scripts/images/node.sh [--force]
#   NODE_IMAGE  image tag to produce (default local/node:20)
#   NODE_BIN    node binary to package (default /usr/bin/node)
# Idempotent: an existing image built from the same binary is reused.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../ci/lib.sh
. "$here/../ci/lib.sh"

IMAGE="${NODE_IMAGE:-local/node:20}"
NODE_BIN="${NODE_BIN:-/usr/bin/node}"
force=0
for a in "$@"; do
  case "$a" in
    --force) force=1 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) die "unknown argument: $a" ;;
  esac
done

[ -x "$NODE_BIN" ] || die "$NODE_BIN not found"
version="$("$NODE_BIN" --version)"
case "$version" in v20.*) ;; *) die "$NODE_BIN is $version, need v20.x" ;; esac
# Fingerprint: rebuild when the host node binary changes.
fingerprint="$(sha256sum "$(readlink -f "$NODE_BIN")" | cut -c1-16)-stripped"
LABEL=org.wasm-frontend.node.fingerprint

if [ "$force" = 0 ] && image_exists "$IMAGE"; then
  if [ "$(image_label "$IMAGE" "$LABEL")" = "$fingerprint" ]; then
    log "$IMAGE present (node $version, $fingerprint); reusing (--force to rebuild)"
    exit 0
  fi
  log "$IMAGE present but built from another node binary; rebuilding"
fi

work="$(mktemp -d /tmp/wasm-frontend-node.XXXXXX)"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root"/{usr/bin,usr/local/bin,etc,root,tmp,dev,proc,sys}
chmod 1777 "$root/tmp"
chmod 0700 "$root/root"

# Keep the host's /lib, /lib64, /bin layout (symlinks into /usr on merged-usr).
for d in lib lib64 bin sbin; do
  if [ -L "/$d" ]; then ln -s "$(readlink "/$d")" "$root/$d"; fi
done

# copy_path PATH: copy the file PATH resolves to, recreating PATH itself (as a
# symlink when it is one) so the loader finds it under the name it asks for.
copy_path() {
  local p="$1" dir name real
  dir="$(readlink -f "$(dirname "$p")")"
  name="$(basename "$p")"
  real="$(readlink -f "$p")"
  mkdir -p "$root$(dirname "$real")" "$root$dir"
  [ -e "$root$real" ] || cp -p "$real" "$root$real"
  if [ "$dir/$name" != "$real" ] && [ ! -e "$root$dir/$name" ]; then
    ln -s "$real" "$root$dir/$name"
  fi
}

cp -p "$(readlink -f "$NODE_BIN")" "$root/usr/bin/node"
# Debian's node carries its symbol table and debug info (about 12 MiB, 3.4 MB gzipped); the
# frontend never needs them (JavaScript stacks do not use them).
if command -v strip >/dev/null; then strip "$root/usr/bin/node"; else log "strip not found: node kept with its symbols"; fi
ln -s ../../bin/node "$root/usr/local/bin/node"

# ldd lines: "libx.so => /path (0x..)", "/lib64/ld-linux-x86-64.so.2 (0x..)"
libs="$(ldd "$NODE_BIN" | awk '/=>/ { if ($3 ~ /^\//) print $3; next } $1 ~ /^\// { print $1 }')"
[ -n "$libs" ] || die "ldd found no libraries for $NODE_BIN"
for lib in $libs; do copy_path "$lib"; done
# The interpreter recorded in the ELF header (ldd prints it, but be explicit).
interp="$(ldd "$NODE_BIN" | awk '$1 ~ /ld-linux/ && $1 ~ /^\// { print $1; exit }')"
[ -n "$interp" ] && copy_path "$interp"

log "rootfs for $IMAGE: $(du -sh "$root" | cut -f1), libs: $(echo $libs | tr '\n' ' ')"

tar --numeric-owner --owner=0 --group=0 -C "$root" -c . | "$DOCKER" import \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change 'ENV HOME=/root' \
  --change 'WORKDIR /' \
  --change 'CMD ["node"]' \
  --change "LABEL org.wasm-frontend.node.version=$version" \
  --change "LABEL $LABEL=$fingerprint" \
  --message "node $version from host $NODE_BIN" \
  - "$IMAGE" >/dev/null

log "built $IMAGE (node $version)"
"$DOCKER" image ls "$IMAGE"
