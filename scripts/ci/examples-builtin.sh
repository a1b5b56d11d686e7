#!/usr/bin/env bash
# Smoke-test the toolchain image and the examples WITHOUT our frontend: build
# each testdata/<example> with dockerd's built-in Dockerfile frontend (the
# `# syntax=` line removed, build stages pinned to $BUILDPLATFORM), export the
# result with -o type=local, run hello.wasm under node:wasi and compare its
# stdout with testdata/<example>/expected-stdout.txt.
#
# Usage: scripts/ci/examples-builtin.sh [example...]   (default: rust-hello c-hello)
#   OUT_DIR  where results go (default: a temp dir, removed afterwards)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"

examples=("$@")
[ ${#examples[@]} -gt 0 ] || examples=(rust-hello c-hello)

tmp="$(mktemp -d /tmp/wasm-frontend-examples.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
out_root="${OUT_DIR:-$tmp/out}"

fail=0
for ex in "${examples[@]}"; do
  dir="$repo/testdata/$ex"
  [ -f "$dir/Dockerfile" ] || die "no $dir/Dockerfile"
  df="$tmp/$ex.Dockerfile"
  sed -e '/^# *syntax=/d' \
      -e '/^FROM \(--platform=[^ ]* \)\{0,1\}scratch\b/!s/^FROM \(--platform=[^ ]* \)\{0,1\}/FROM --platform=$BUILDPLATFORM /' \
      "$dir/Dockerfile" >"$df"
  out="$out_root/$ex"
  rm -rf "$out"
  t0=$SECONDS
  log "$ex: building with the built-in frontend (--platform wasi/wasm)"
  if ! "$DOCKER" build --progress=plain --platform wasi/wasm -f "$df" \
        -o "type=local,dest=$out" "$dir" >"$tmp/$ex.build.log" 2>&1; then
    cat "$tmp/$ex.build.log" >&2
    log "$ex: FAILED to build"; fail=1; continue
  fi
  got="$(node "$repo/scripts/run-wasm.mjs" "$out/hello.wasm")" || { log "$ex: hello.wasm exited $?"; fail=1; continue; }
  want="$(cat "$dir/expected-stdout.txt")"
  if [ "$got" = "$want" ]; then
    log "$ex: OK in $((SECONDS - t0))s ($(stat -c %s "$out/hello.wasm") bytes): $got"
  else
    log "$ex: WRONG output: got '$got', want '$want'"; fail=1
  fi
done
exit "$fail"
