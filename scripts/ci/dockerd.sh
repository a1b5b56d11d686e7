#!/usr/bin/env bash
# Start Debian's dockerd (docker.io 20.10) in the background, or reuse a
# daemon that already answers on the socket.
#
# Usage: scripts/ci/dockerd.sh
#   DOCKERD_LOG      log file (default /var/log/wasm-frontend/dockerd.log)
#   DOCKERD_TIMEOUT  seconds to wait for each start attempt (default 60)
#   DOCKERD_STORAGE  force one storage driver instead of trying
#                    overlay2 -> fuse-overlayfs -> vfs
#   DOCKER_SOCK      unix socket (default /var/run/docker.sock)
#   DOCKERD_PIDFILE  pid file dockerd writes (default /var/run/docker.pid)
#   DOCKERD_ARGS     extra dockerd flags, e.g. "--data-root=/big/docker"
#
# Flags, and why:
#   --host=unix:///var/run/docker.sock  unix socket only, never TCP
#   --iptables=false --ip6tables=false  don't touch the host firewall (builds
#   --ip-forward=false                  need no outbound network; a fresh
#                                       sandbox may have no working iptables)
#   the default docker0 bridge is kept: BuildKit RUN steps in the daemon use
#   the "bridge" network and fail with "network bridge not found" under
#   --bridge=none. --bridge=none is only the last resort, with a warning.
# Leaves dockerd running; its pid is in $DOCKERD_PIDFILE.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"

DOCKERD="${DOCKERD:-/usr/sbin/dockerd}"
SOCK="${DOCKER_SOCK:-/var/run/docker.sock}"
PIDFILE="${DOCKERD_PIDFILE:-/var/run/docker.pid}"
LOGFILE="${DOCKERD_LOG:-/var/log/wasm-frontend/dockerd.log}"
TIMEOUT="${DOCKERD_TIMEOUT:-60}"
export DOCKER_HOST="unix://$SOCK"

answers() { timeout 10 "$DOCKER" info >/dev/null 2>&1; }

# BuildKit RUN steps attach to the daemon's "bridge" network. Its host
# interface (docker0) disappears if another dockerd in this network namespace
# starts with --bridge=none (that daemon deletes docker0); the running daemon
# then fails every RUN with "could not find bridge docker0". Recreate it.
ensure_bridge() {
  local name cidr gw
  name="$("$DOCKER" network inspect bridge --format '{{ index .Options "com.docker.network.bridge.name" }}' 2>/dev/null)" || return 0
  [ -n "$name" ] && [ ! -e "/sys/class/net/$name" ] || return 0
  cidr="$("$DOCKER" network inspect bridge --format '{{ range .IPAM.Config }}{{ .Subnet }}{{ end }}')"
  gw="$("$DOCKER" network inspect bridge --format '{{ range .IPAM.Config }}{{ .Gateway }}{{ end }}')"
  log "bridge interface $name of the daemon's bridge network is missing; recreating it ($gw, ${cidr#*/} bits)"
  command -v ip >/dev/null || die "need iproute2 (ip) to recreate $name"
  ip link add "$name" type bridge
  ip addr add "$gw/${cidr#*/}" dev "$name"
  ip link set "$name" up
}

if answers; then
  log "dockerd already answers on $SOCK; reusing it ($("$DOCKER" info --format '{{.ServerVersion}}, storage {{.Driver}}'))"
  ensure_bridge
  exit 0
fi

[ -x "$DOCKERD" ] || die "$DOCKERD missing (apt-get install docker.io)"
[ -x "$DOCKER" ] || die "$DOCKER missing (apt-get install docker.io)"
[ "$(id -u)" = 0 ] || die "must run as root"
mkdir -p "$(dirname "$LOGFILE")"

# A dockerd may be running but not answering yet (e.g. started a moment ago).
if [ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
  pid="$(cat "$PIDFILE")"
  log "dockerd pid $pid exists but does not answer yet; waiting ${TIMEOUT}s"
  for _ in $(seq 1 "$TIMEOUT"); do answers && { log "dockerd $pid is up"; ensure_bridge; exit 0; }; sleep 1; done
  die "dockerd pid $pid does not answer on $SOCK; stop it (kill $pid) and rerun"
fi

if [ -n "${DOCKERD_STORAGE:-}" ]; then
  drivers="$DOCKERD_STORAGE"
else
  drivers="overlay2"
  command -v fuse-overlayfs >/dev/null 2>&1 && [ -e /dev/fuse ] && drivers="$drivers fuse-overlayfs"
  drivers="$drivers vfs"
fi

base_flags=(--host="unix://$SOCK" --iptables=false --ip6tables=false --ip-forward=false)
# shellcheck disable=SC2206 # word splitting intended
[ -z "${DOCKERD_ARGS:-}" ] || base_flags+=($DOCKERD_ARGS)

# try_start DRIVER EXTRA...: 0 when the daemon answers, 1 when it died/timed out
try_start() {
  local driver="$1"; shift
  local flags=("${base_flags[@]}" --storage-driver="$driver" "$@")
  printf '\n==== %s starting: %s %s\n' "$(date -u +%FT%TZ)" "$DOCKERD" "${flags[*]}" >>"$LOGFILE"
  log "starting $DOCKERD ${flags[*]} (log: $LOGFILE)"
  # setsid + nohup: detach from this shell's process group and terminal so the
  # daemon outlives the CI step that started it.
  setsid nohup "$DOCKERD" "${flags[@]}" </dev/null >>"$LOGFILE" 2>&1 &
  local pid=$! t0=$SECONDS
  while [ $((SECONDS - t0)) -lt "$TIMEOUT" ]; do
    if answers; then
      log "dockerd pid $pid up after $((SECONDS - t0))s (storage $driver)"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      log "dockerd with storage $driver exited; last log lines:"
      tail -n 15 "$LOGFILE" | sed 's/^/    /' >&2
      return 1
    fi
    sleep 1
  done
  log "dockerd pid $pid did not answer within ${TIMEOUT}s; stopping it"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  tail -n 15 "$LOGFILE" | sed 's/^/    /' >&2
  return 1
}

for d in $drivers; do
  if try_start "$d"; then
    ensure_bridge
    "$DOCKER" info --format 'dockerd {{.ServerVersion}}, storage {{.Driver}}, cgroup {{.CgroupDriver}} v{{.CgroupVersion}}' >&2
    exit 0
  fi
done

# Last resort: no bridge network. Containers still start (`docker run` uses
# no network), but BuildKit RUN steps without --network=none will fail.
for d in $drivers; do
  if try_start "$d" --bridge=none; then
    log "WARNING: dockerd runs with --bridge=none; BuildKit RUN steps will fail with 'network bridge not found'"
    exit 0
  fi
done
die "could not start dockerd with any of: $drivers (see $LOGFILE)"
