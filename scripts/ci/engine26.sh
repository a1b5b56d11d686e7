#!/usr/bin/env bash
# A Docker 26 engine (BuildKit v0.13, buildx 0.13.1, containerd image store,
# crun with its WasmEdge handler) in a debootstrap'd Debian trixie root, beside
# the host's dockerd 20.10 and on its own sockets. Recipe and its traps:
# ../shared/docs/engine.md (steps 1-7 there are the numbers in the comments).
#
# Usage: scripts/ci/engine26.sh COMMAND
#   root [--force]   make the trixie root, or reuse the cached one (~3 min when made)
#   start [--force]  root + mounts + containerd + dockerd 26; waits until
#                    `docker info` answers. Reuses a running engine (then only
#                    adds missing bind mounts). --force remakes the root first.
#   stop             stop dockerd, then containerd, then unmount everything under R
#   status           running or not, versions, pids, mounts; exit 1 when not running
#   load IMAGE...    copy images from the host dockerd (docker save) into Docker 26
#                    (docker load); skipped when that host image id was loaded before
#   path             print R (the mounted root)
#
# Clients: scripts/ci/docker26 ARGS... runs Docker 26's `docker` (with buildx) in
# R, in the caller's directory, DOCKER_HOST=unix:///run/docker26.sock (the socket
# is $R/run/docker26.sock seen from the host).
#
# Environment:
#   ENGINE26_MNT    R, where the root is bind-mounted (default /var/lib/wasm-frontend/engine26)
#   ENGINE26_BINDS  more host directories to bind into R at the same path (space-separated);
#                   /tmp, /work and this checkout are always bound, so build contexts and
#                   temp dirs there are visible to the engine and the client
#   ENGINE26_LOG    log directory (default /var/log/wasm-frontend)
#   ENGINE26_TIMEOUT  seconds to wait for `docker info` (default 90)
#   DEBIAN_MIRROR, CACHE_DIR  as scripts/images/toolchain.sh (root: $CACHE_DIR/engine26-trixie-KEY)
#
# Mount safety: every mount made here is below R. /sys is rbind-mounted and made
# rslave before anything below it is unmounted (step 3), so no umount reaches a
# host mount; `stop` unmounts only mount points below R, deepest first.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"

SUITE=trixie
CACHE_DIR="${CACHE_DIR:-/var/cache/wasm-frontend}"
R="${ENGINE26_MNT:-/var/lib/wasm-frontend/engine26}"
LOGDIR="${ENGINE26_LOG:-/var/log/wasm-frontend}"
TIMEOUT="${ENGINE26_TIMEOUT:-90}"
PACKAGES="docker.io docker-cli docker-buildx containerd runc crun libwasmedge0 wasmedge iptables git"
# Bump when the root's post-processing below changes, to invalidate caches.
RECIPE=1
SOCK=/run/docker26.sock                  # inside R
CONTAINERD_SOCK=/run/containerd26/containerd.sock
DOCKERD_PID=/run/dockerd26.pid
CONTAINERD_PID=/run/containerd26.pid
CHROOT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

MIRROR="$(debian_mirror)"
key="$(printf '%s\n' "$RECIPE" "$SUITE" "$MIRROR" "$PACKAGES" | sha256sum | cut -c1-16)"
ROOT="$CACHE_DIR/engine26-$SUITE-$key"

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, mount, chroot)"

# in_root CMD...: run CMD in R with Docker 26's environment
in_root() {
  chroot "$R" env -i PATH="$CHROOT_PATH" HOME=/root LANG=C.UTF-8 DOCKER_HOST="unix://$SOCK" "$@"
}

answers() { timeout 10 chroot "$R" env -i PATH="$CHROOT_PATH" HOME=/root DOCKER_HOST="unix://$SOCK" docker info >/dev/null 2>&1; }

# mount points at or below $1, deepest first (from /proc/self/mountinfo, octal escapes decoded)
mounts_below() {
  awk -v d="$1" '{ p = $5; gsub(/\\040/, " ", p); if (p == d || index(p, d "/") == 1) print p }' /proc/self/mountinfo | sort -r -u
}

# Unmount anything left mounted below $1, then delete $1 (for a half-made root).
cleanup_dir() {
  local dir="$1" m
  [ -d "$dir" ] || return 0
  while read -r m; do [ -n "$m" ] && umount -l "$m" 2>/dev/null || true; done < <(mounts_below "$dir")
  rm -rf --one-file-system "$dir"
}

# --- step 1: the trixie root, cached by key (recipe + suite + mirror + packages)
make_root() {
  local force="${1:-0}"
  if [ "$force" = 0 ] && [ "$(cat "$ROOT/.wasm-frontend-key" 2>/dev/null)" = "$key" ]; then
    log "trixie root $ROOT present (key $key); reusing (--force to remake)"
    return 0
  fi
  if [ -n "$(mounts_below "$ROOT")" ]; then
    die "$ROOT is in use (mounted); run '$0 stop' first"
  fi
  command -v debootstrap >/dev/null || die "debootstrap missing (apt-get install debootstrap)"
  mkdir -p "$CACHE_DIR/debs-$SUITE" "$LOGDIR"
  local tmp="$ROOT.tmp" logf="$LOGDIR/engine26-root.log" t0=$SECONDS
  cleanup_dir "$tmp"
  trap 'cleanup_dir "'"$tmp"'"' EXIT
  log "debootstrap $SUITE (minbase) from $MIRROR (log: $logf)"
  if ! debootstrap --variant=minbase --components=main --include=ca-certificates \
      --cache-dir="$CACHE_DIR/debs-$SUITE" "$SUITE" "$tmp" "$MIRROR" >"$logf" 2>&1; then
    tail -n 30 "$logf" >&2
    [ -f "$tmp/debootstrap/debootstrap.log" ] && tail -n 30 "$tmp/debootstrap/debootstrap.log" >&2
    die "debootstrap failed (full log: $logf)"
  fi
  log "debootstrap done in $((SECONDS - t0))s; apt-get install $PACKAGES"
  # No init in the root: package scripts must not try to start services.
  printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"; chmod +x "$tmp/usr/sbin/policy-rc.d"
  # Downloaded .debs are kept beside debootstrap's for the next --force.
  mount --bind "$CACHE_DIR/debs-$SUITE" "$tmp/var/cache/apt/archives"
  mkdir -p "$tmp/var/cache/apt/archives/partial"
  # shellcheck disable=SC2086 # word splitting intended
  if ! chroot "$tmp" env -i PATH="$CHROOT_PATH" HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
      sh -c "apt-get update -q && apt-get install -y -q --no-install-recommends $PACKAGES" >>"$logf" 2>&1; then
    tail -n 30 "$logf" >&2
    die "apt-get install in the trixie root failed (full log: $logf)"
  fi
  umount "$tmp/var/cache/apt/archives"
  rm -f "$tmp/usr/sbin/policy-rc.d"
  rm -rf "$tmp"/var/lib/apt/lists/* "$tmp"/usr/share/doc/* "$tmp"/usr/share/man/* "$tmp"/usr/share/info/*
  # Mount points for the host directories bound in at start.
  mkdir -p "$tmp/work"
  chroot "$tmp" dpkg-query -W -f='${Package} ${Version}\n' $PACKAGES >"$tmp/.wasm-frontend-packages"
  echo "$key" >"$tmp/.wasm-frontend-key"
  cleanup_dir "$ROOT"
  mv "$tmp" "$ROOT"
  trap - EXIT
  # Drop roots of other recipes that nothing has mounted.
  local old
  for old in "$CACHE_DIR"/engine26-"$SUITE"-*; do
    [ "$old" = "$ROOT" ] || [ ! -d "$old" ] || [ -n "$(mounts_below "$old")" ] || rm -rf --one-file-system "$old"
  done
  log "trixie root made in $((SECONDS - t0))s: $ROOT ($(du -sh "$ROOT" | cut -f1))"
  sed 's/^/    /' "$ROOT/.wasm-frontend-packages" >&2
}

# bind_dir HOSTDIR: make HOSTDIR visible at the same path inside R (once)
bind_dir() {
  local d="$1" b
  [ -d "$d" ] || return 0
  d="$(cd "$d" && pwd -P)"
  case "$d" in "$R"|"$R"/*) die "cannot bind $d: it is inside $R" ;; esac
  # Already visible through a bound parent? (a bound /work covers /work/x)
  for b in $(awk -v r="$R" '{ p = $5; if (index(p, r "/") == 1) print substr(p, length(r) + 1) }' /proc/self/mountinfo); do
    case "$b" in /proc|/proc/*|/sys|/sys/*|/dev|/dev/*) continue ;; esac
    case "$d" in "$b"|"$b"/*) return 0 ;; esac
  done
  mkdir -p "$R$d"
  mount --bind "$d" "$R$d"
  mount --make-rslave "$R$d"
}

# --- steps 2 and 3: R is a mount point; /proc, /dev, /dev/pts, /sys (rslave); no cgroup2 copy
mount_root() {
  if ! mountpoint -q "$R"; then
    mkdir -p "$R"
    mount --bind "$ROOT" "$R"
    mount --make-rslave "$R"
  fi
  mountpoint -q "$R/proc" || mount -t proc proc "$R/proc"
  mountpoint -q "$R/dev" || { mount --bind /dev "$R/dev"; mount --make-rslave "$R/dev"; }
  mountpoint -q "$R/dev/pts" || { mount --bind /dev/pts "$R/dev/pts"; mount --make-rslave "$R/dev/pts"; }
  if ! mountpoint -q "$R/sys"; then
    mount --rbind /sys "$R/sys"
    mount --make-rslave "$R/sys"
  fi
  # crun refuses hybrid cgroups: drop the cgroup2 copy under R (R's only: rslave above).
  if mountpoint -q "$R/sys/fs/cgroup/unified"; then umount "$R/sys/fs/cgroup/unified"; fi
  local d
  # shellcheck disable=SC2086 # word splitting intended
  for d in /tmp /work "$repo" ${ENGINE26_BINDS:-}; do bind_dir "$d"; done
}

# pid_alive PIDFILE NAME: the pid in R's PIDFILE runs NAME inside R
pid_alive() {
  local pid
  pid="$(cat "$R$1" 2>/dev/null)" || return 1
  [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
  [ "$(readlink "/proc/$pid/root")" = "$R" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "$2"
}

# --- step 4: daemon.json
write_config() {
  mkdir -p "$R/etc/docker"
  cat >"$R/etc/docker/daemon.json" <<EOF
{
  "features": {"containerd-snapshotter": true},
  "data-root": "/var/lib/docker26",
  "exec-root": "/run/docker26",
  "pidfile": "$DOCKERD_PID",
  "hosts": ["unix://$SOCK"],
  "iptables": false,
  "ip6tables": false,
  "runtimes": {"crun": {"path": "/usr/bin/crun", "runtimeArgs": ["--cgroup-manager=disabled"]}}
}
EOF
}

# --- step 5: containerd, then dockerd 26
start_engine() {
  local force=0 t0=$SECONDS
  [ "${1:-}" = --force ] && force=1
  if [ "$force" = 0 ] && mountpoint -q "$R" && answers; then
    mount_root   # binds of this checkout, when another one started the engine
    log "Docker 26 already answers on $R$SOCK; reusing it"
    return 0
  fi
  if [ "$force" = 1 ]; then stop_engine; fi
  make_root "$force"
  mount_root
  mkdir -p "$LOGDIR"
  write_config
  if ! pid_alive "$CONTAINERD_PID" containerd; then
    rm -rf "$R$CONTAINERD_PID" "$R/run/containerd26"
    log "starting containerd (log: $LOGDIR/containerd26.log)"
    setsid chroot "$R" env -i PATH="$CHROOT_PATH" HOME=/root sh -c \
      "echo \$\$ > $CONTAINERD_PID; exec containerd --address $CONTAINERD_SOCK --root /var/lib/containerd26 --state /run/containerd26" \
      </dev/null >>"$LOGDIR/containerd26.log" 2>&1 &
    for _ in $(seq 1 30); do [ -S "$R$CONTAINERD_SOCK" ] && break; sleep 1; done
    [ -S "$R$CONTAINERD_SOCK" ] || { tail -n 20 "$LOGDIR/containerd26.log" >&2; die "containerd did not create $CONTAINERD_SOCK"; }
  fi
  if ! pid_alive "$DOCKERD_PID" dockerd; then
    rm -f "$R$DOCKERD_PID" "$R$SOCK"
    log "starting dockerd 26 (log: $LOGDIR/dockerd26.log)"
    setsid chroot "$R" env -i PATH="$CHROOT_PATH" HOME=/root sh -c \
      "exec dockerd --containerd $CONTAINERD_SOCK" </dev/null >>"$LOGDIR/dockerd26.log" 2>&1 &
  fi
  local i
  for i in $(seq 1 "$TIMEOUT"); do
    if answers; then
      log "Docker 26 up after $((SECONDS - t0))s: $(in_root docker version --format 'server {{.Server.Version}}, client {{.Client.Version}}'), $(in_root docker buildx version)"
      return 0
    fi
    if [ "$i" -gt 5 ] && ! pid_alive "$DOCKERD_PID" dockerd && ! pgrep -f "^dockerd --containerd $CONTAINERD_SOCK" >/dev/null; then
      break
    fi
    sleep 1
  done
  tail -n 30 "$LOGDIR/dockerd26.log" >&2
  die "Docker 26 did not answer within ${TIMEOUT}s (logs: $LOGDIR/dockerd26.log, $LOGDIR/containerd26.log)"
}

# kill_wait PIDFILE NAME: TERM the process, wait up to 30 s, then KILL
kill_wait() {
  local pid
  pid_alive "$1" "$2" || { rm -f "$R$1"; return 0; }
  pid="$(cat "$R$1")"
  log "stopping $2 (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do [ -d "/proc/$pid" ] || break; sleep 0.5; done
  if [ -d "/proc/$pid" ]; then log "$2 still running after 30 s; KILL"; kill -KILL "$pid" 2>/dev/null || true; sleep 1; fi
  rm -f "$R$1"
}

# --- step 6
stop_engine() {
  if mountpoint -q "$R"; then
    kill_wait "$DOCKERD_PID" dockerd
    kill_wait "$CONTAINERD_PID" containerd
  fi
  rm -f "$R$SOCK" 2>/dev/null || true
  local m n=0
  while read -r m; do
    [ -n "$m" ] || continue
    umount "$m" 2>/dev/null || umount -l "$m"
    n=$((n + 1))
  done < <(mounts_below "$R")
  log "Docker 26 stopped; $n mounts under $R removed"
}

status_engine() {
  if mountpoint -q "$R" && answers; then
    echo "Docker 26: running; socket $R$SOCK (DOCKER_HOST=unix://$SOCK inside R); client $here/docker26"
    in_root docker version --format 'engine {{.Server.Version}} (client {{.Client.Version}})'
    in_root docker buildx version
    in_root docker info --format 'driver {{.Driver}}, runtimes {{range $k, $v := .Runtimes}}{{$k}} {{end}}, cgroup v{{.CgroupVersion}}'
    echo "root: $(readlink -f "$R") ($(findmnt -n -o SOURCE "$R"))"
    echo "pids: dockerd $(cat "$R$DOCKERD_PID" 2>/dev/null), containerd $(cat "$R$CONTAINERD_PID" 2>/dev/null)"
    echo "bound: $(awk -v r="$R" '{ p = $5; if (index(p, r "/") == 1) { s = substr(p, length(r) + 1); if (s !~ /^\/(proc|sys|dev|var|run)/) print s } }' /proc/self/mountinfo | sort -u | tr '\n' ' ')"
    return 0
  fi
  echo "Docker 26: not running (start: $0 start)"
  return 1
}

# --- step 7: images from the host dockerd
load_images() {
  [ $# -gt 0 ] || die "usage: $0 load IMAGE..."
  answers || die "Docker 26 is not running (start: $0 start)"
  mkdir -p "$R/var/lib/wasm-frontend-loaded"
  local img id mark t0
  for img in "$@"; do
    id="$("$DOCKER" image inspect --format '{{.Id}}' "$img" 2>/dev/null)" || die "$img: no such image on the host dockerd"
    mark="$R/var/lib/wasm-frontend-loaded/$(printf '%s' "$img" | tr '/:@' '___')"
    if [ "$(cat "$mark" 2>/dev/null)" = "$id" ] && in_root docker image inspect "$img" >/dev/null 2>&1; then
      log "$img ($id) already loaded"
      continue
    fi
    t0=$SECONDS
    "$DOCKER" save "$img" | chroot "$R" env -i PATH="$CHROOT_PATH" HOME=/root DOCKER_HOST="unix://$SOCK" docker load -q >&2
    echo "$id" >"$mark"
    log "$img loaded in $((SECONDS - t0))s"
  done
}

cmd="${1:-}"; [ $# -gt 0 ] && shift
case "$cmd" in
  root) f=0; [ "${1:-}" = --force ] && f=1; make_root "$f" ;;
  start) start_engine "$@" ;;
  stop) stop_engine ;;
  status) status_engine ;;
  load) load_images "$@" ;;
  path) echo "$R" ;;
  -h|--help|help|"") sed -n '2,33p' "$0" ;;
  *) die "unknown command: $cmd (root, start, stop, status, load, path)" ;;
esac
