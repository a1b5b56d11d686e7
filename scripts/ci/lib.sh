# Shared helpers for scripts/ci/* and scripts/images/*. Source it, don't run it.
# shellcheck shell=bash

# Debian's docker client (20.10). The `docker` first on PATH on some machines
# (/usr/local/bin/docker 28.x) has no buildx and refuses BuildKit builds.
DOCKER="${DOCKER:-/usr/bin/docker}"
export DOCKER_BUILDKIT=1

log() { printf '[%s] %s\n' "${0##*/}" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# image_label IMAGE LABEL -> prints the label value ("" when image or label missing)
image_label() {
  "$DOCKER" image inspect --format "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true
}

image_exists() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }
