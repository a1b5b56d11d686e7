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

# apt_mirror SUITE -> the Debian mirror apt is configured with: the URI of each
# non-security "deb" entry for SUITE in deb822 (.sources) or one-line (.list) format.
apt_mirror() {
  local f SUITE="$1"
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

# debian_mirror -> the mirror debootstrap uses: $DEBIAN_MIRROR, else the one apt uses for this
# host's suite (the mirror serves every suite), else deb.debian.org; no trailing slash.
debian_mirror() {
  local host_suite m
  host_suite="$(. /etc/os-release 2>/dev/null; echo "${VERSION_CODENAME:-bookworm}")"
  m="${DEBIAN_MIRROR:-$(apt_mirror "$host_suite" | head -n1)}"
  m="${m:-http://deb.debian.org/debian}"
  printf '%s\n' "${m%/}"
}
