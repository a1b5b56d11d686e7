/**
 * The small POSIX shell programs a toolchain stage installs at LIBEXEC. Each RUN of the stage
 * runs through `run`, which sets the toolchain's environment, runs the step, and for Rust copies
 * the modules out of the cache-mounted target directory into /wasm (for Go: the modules the step
 * wrote in the working directory or GOBIN).
 */
export const LIBEXEC = '/usr/local/libexec/wasm-frontend';
export const MODULE_DIR = '/wasm';
export const CARGO_TARGET_DIR = '/var/cache/wasm-frontend/cargo-target';
/** Go's build cache (GOCACHE) and module cache (GOMODCACHE), both cache mounts. */
export const GO_BUILD_CACHE = '/var/cache/wasm-frontend/go-build';
export const GO_MOD_CACHE = '/var/cache/wasm-frontend/go-mod';

const rust = `#!/bin/sh
# wasm-frontend: one RUN step of a Rust toolchain stage.
: "\${CARGO_HOME:=/usr/local/cargo}"
export CARGO_HOME
if [ -z "\${WASM_RUST_TARGET:-}" ]; then
  targets="$(rustc --print target-list 2>/dev/null)"
  want="\${WASM_WASI:-preview1}"
  if [ "$want" = preview2 ]; then
    WASM_RUST_TARGET=wasm32-wasip2
  elif printf '%s\\n' "$targets" | grep -qx wasm32-wasip1; then
    WASM_RUST_TARGET=wasm32-wasip1
  else
    WASM_RUST_TARGET=wasm32-wasi
  fi
fi
if ! rustc --print target-list 2>/dev/null | grep -qx "$WASM_RUST_TARGET"; then
  echo "wasm-frontend: this Rust toolchain ($(rustc --version 2>/dev/null)) has no target $WASM_RUST_TARGET" >&2
  exit 1
fi
if command -v rustup >/dev/null 2>&1 && ! rustup target list --installed 2>/dev/null | grep -qx "$WASM_RUST_TARGET"; then
  rustup target add "$WASM_RUST_TARGET" || exit 1
fi
# The linker. rustc's default for the wasm targets is its own rust-lld (wasm-component-ld for
# wasm32-wasip2), found on PATH or in the sysroot; distributions ship lld's wasm-ld instead
# (Debian trixie: no rust-lld, no wasm-component-ld). Then cargo is pointed at wasm-ld, which
# takes the same arguments (rustc infers the wasm-lld flavor from the name), unless the user
# already chose a linker for the target.
linker_var="CARGO_TARGET_$(printf '%s' "$WASM_RUST_TARGET" | tr 'a-z-' 'A-Z_')_LINKER"
linker="$(printenv "$linker_var" 2>/dev/null || true)"
if [ -z "$linker" ]; then
  case "$WASM_RUST_TARGET" in wasm32-wasip2) default_linker=wasm-component-ld ;; *) default_linker=rust-lld ;; esac
  sysroot="$(rustc --print sysroot 2>/dev/null)"
  if ! command -v "$default_linker" >/dev/null 2>&1 && ! ls "$sysroot"/lib/rustlib/*/bin/"$default_linker" >/dev/null 2>&1; then
    wasm_ld="$(command -v wasm-ld 2>/dev/null || ls -d /usr/lib/llvm-*/bin/wasm-ld 2>/dev/null | sort -V | tail -n 1)"
    if [ "$default_linker" = wasm-component-ld ]; then
      echo "wasm-frontend: $WASM_RUST_TARGET links with wasm-component-ld, which this toolchain ($(rustc --version 2>/dev/null)) lacks$([ -n "$wasm_ld" ] && echo " (it has wasm-ld, which makes core modules, not components)"); use an image with wasm-component-ld, or build for preview1 and make the component from the core module (e.g. jco new MODULE --wasi-command)" >&2
      exit 1
    fi
    if [ -n "$wasm_ld" ]; then
      export "$linker_var=$wasm_ld"
    fi
  fi
fi
export WASM_RUST_TARGET CARGO_BUILD_TARGET="$WASM_RUST_TARGET" CARGO_TARGET_DIR="${CARGO_TARGET_DIR}"
"$@"
rc=$?
if [ "$rc" -ne 0 ]; then
  for a in "$@"; do
    case "$a" in
      *wasm32-wasi*)
        t=$(printf '%s' "$a" | grep -o 'wasm32-wasi[a-z0-9]*' | head -n 1)
        if [ -n "$t" ] && [ "$t" != "$WASM_RUST_TARGET" ]; then
          echo "wasm-frontend: the step names target $t; this toolchain builds $WASM_RUST_TARGET (already set as CARGO_BUILD_TARGET, so --target can be left out)" >&2
        fi ;;
    esac
  done
  exit "$rc"
fi
mkdir -p ${MODULE_DIR}
names=$(sed -n 's/^[[:space:]]*name[[:space:]]*=[[:space:]]*"\\([^"]*\\)".*/\\1/p' Cargo.toml 2>/dev/null)
for d in "$CARGO_TARGET_DIR/$WASM_RUST_TARGET/debug" "$CARGO_TARGET_DIR/$WASM_RUST_TARGET/release"; do
  for f in "$d"/*.wasm; do
    [ -f "$f" ] || continue
    base=$(basename "$f" .wasm)
    if [ -n "$names" ] && ! printf '%s\\n' $names | grep -qx -e "$base" -e "$(printf '%s' "$base" | tr _ -)"; then continue; fi
    out="${MODULE_DIR}/$base.wasm"
    if [ ! -e "$out" ] || [ "$f" -nt "$out" ] || [ "\${d##*/}" = release ]; then cp "$f" "$out"; fi
  done
done
exit 0
`;

const c = `#!/bin/sh
# wasm-frontend: one RUN step of a C/C++ toolchain stage (wasi-sdk, or clang with wasi-libc).
sdk="\${WASI_SDK_PATH:-/opt/wasi-sdk}"
if [ -x "$sdk/bin/clang" ]; then
  export CC="$sdk/bin/clang" CXX="$sdk/bin/clang++" AR="$sdk/bin/llvm-ar" RANLIB="$sdk/bin/llvm-ranlib"
  export WASI_SYSROOT="$sdk/share/wasi-sysroot"
  [ -f "$sdk/share/cmake/wasi-sdk.cmake" ] && export CMAKE_TOOLCHAIN_FILE="$sdk/share/cmake/wasi-sdk.cmake"
else
  export CC="${LIBEXEC}/bin/wasm32-wasi-clang" CXX="${LIBEXEC}/bin/wasm32-wasi-clang++"
  export AR="$(command -v llvm-ar || command -v llvm-ar-14 || echo ar)" RANLIB="$(command -v llvm-ranlib || command -v llvm-ranlib-14 || echo ranlib)"
  export WASI_SYSROOT=/usr
  export CMAKE_TOOLCHAIN_FILE="${LIBEXEC}/wasi.cmake"
fi
export WASM_TARGET=wasm32-wasi
mkdir -p ${MODULE_DIR}
exec "$@"
`;

const clangShim = (cxx: boolean) => `#!/bin/sh
# clang for wasm32-wasi with Debian's wasi-libc${cxx ? ' and libc++ (no exceptions in WASI)' : ''}
for c in clang${cxx ? '++' : ''} clang${cxx ? '++' : ''}-14; do
  if command -v "$c" >/dev/null 2>&1; then exec "$c" --target=wasm32-wasi${cxx ? ' -fno-exceptions' : ''} "$@"; fi
done
echo "wasm-frontend: no clang in this image" >&2
exit 127
`;

const cmake = `# CMake toolchain file for wasm32-wasi with clang and wasi-libc (written by wasm-frontend)
set(CMAKE_SYSTEM_NAME WASI)
set(CMAKE_SYSTEM_VERSION 1)
set(CMAKE_SYSTEM_PROCESSOR wasm32)
set(CMAKE_C_COMPILER ${LIBEXEC}/bin/wasm32-wasi-clang)
set(CMAKE_CXX_COMPILER ${LIBEXEC}/bin/wasm32-wasi-clang++)
set(CMAKE_EXECUTABLE_SUFFIX ".wasm")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
`;

const assemblyscript = `#!/bin/sh
# wasm-frontend: one RUN step of an AssemblyScript toolchain stage.
export PATH="$PWD/node_modules/.bin:$PATH"
export npm_config_cache=/root/.npm npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
export WASM_TARGET=wasm32-wasi
mkdir -p ${MODULE_DIR}
exec "$@"
`;

const go = `#!/bin/sh
# wasm-frontend: one RUN step of a Go toolchain stage (Go 1.21 or later: GOOS=wasip1).
export GOOS=wasip1 GOARCH=wasm GOCACHE="${GO_BUILD_CACHE}" GOMODCACHE="${GO_MOD_CACHE}"
if ! go tool dist list 2>/dev/null | grep -qx wasip1/wasm; then
  echo "wasm-frontend: this Go toolchain ($(go version 2>/dev/null || echo 'no go on PATH')) cannot build GOOS=wasip1 GOARCH=wasm (Go 1.21 or later can)" >&2
  exit 1
fi
export WASM_TARGET=wasip1/wasm
mkdir -p ${MODULE_DIR}
# The modules this step writes: files with the wasm magic that are new or changed (mtime, size)
# after it, in the working directory (go build, go build -o) and in GOBIN or GOPATH/bin (go
# install). A listing before and after, not a timestamp file: file times tick in jiffies, so a
# stamp and a file written in the same few milliseconds look equally old.
bin="$(go env GOBIN 2>/dev/null)"; [ -n "$bin" ] || bin="$(go env GOPATH 2>/dev/null | cut -d: -f1)/bin"
files() { find . "$bin" -type f ! -path "${MODULE_DIR}/*" -printf '%T@ %s %p\\n' 2>/dev/null | LC_ALL=C sort; }
before="$(mktemp)"
files >"$before"
"$@"
rc=$?
if [ "$rc" -ne 0 ]; then rm -f "$before"; exit "$rc"; fi
files | LC_ALL=C comm -13 "$before" - | cut -d' ' -f3- | while IFS= read -r f; do
  [ "$(head -c 4 "$f" | od -An -tx1 | tr -d ' \n')" = 0061736d ] || continue
  base="$(basename "$f")"
  case "$base" in *.wasm) ;; *) base="$base.wasm" ;; esac
  cp "$f" "${MODULE_DIR}/$base"
done
rm -f "$before"
exit 0
`;

/** The files a toolchain stage installs, by path under LIBEXEC. */
export const toolchainFiles = {
  rust: { run: rust },
  c: { run: c, 'bin/wasm32-wasi-clang': clangShim(false), 'bin/wasm32-wasi-clang++': clangShim(true), 'wasi.cmake': cmake },
  assemblyscript: { run: assemblyscript },
  go: { run: go },
} as const;
