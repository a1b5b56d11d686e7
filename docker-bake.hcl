// docker buildx bake [target|group]
//   default (frontend-local)  the frontend image for this machine's engine, loaded into its store
//   frontend                  the frontend image for linux/amd64 and linux/arm64 (add --push)
//   examples                  every testdata example, built for wasi/wasm through the frontend
//   validate                  typecheck and unit tests, in containers
// e.g. REGISTRY=local TAG=dev NODE_IMAGE=local/node:20 docker buildx bake
//      REGISTRY=ghcr.io/OWNER TAG=edge docker buildx bake frontend --push
//      REGISTRY=ghcr.io/OWNER TAG=edge docker buildx bake examples
// Run `npm run build` first: the image packages dist/frontend.cjs.
// Builder setup and the CI pipeline: docs/buildx.md, docs/ci.md. src/cli/bake.test.ts checks
// this file (targets, values, one example target per testdata example).

variable "REGISTRY" {
  default = "local"
}

variable "TAG" {
  default = "dev"
}

variable "NODE_IMAGE" {
  default = "docker.io/library/node:20-bookworm-slim"
}

// The frontend the examples are built with (BUILDKIT_SYNTAX): by default the image `frontend`
// pushes. A builder other than the docker driver pulls it from its registry.
variable "FRONTEND_IMAGE" {
  default = "${REGISTRY}/wasm-frontend:${TAG}"
}

// Where `examples` writes the built files (one directory per example).
variable "EXAMPLES_OUT" {
  default = "out/examples"
}

group "default" {
  targets = ["frontend-local"]
}

// ---- the frontend image

target "_frontend" {
  context    = "."
  dockerfile = "Dockerfile"
  tags       = ["${REGISTRY}/wasm-frontend:${TAG}"]
  args = {
    NODE_IMAGE = "${NODE_IMAGE}"
  }
  // The same values as the Dockerfile's LABEL (the one place to change them; the test checks
  // that these agree with it), plus the OCI descriptive labels.
  labels = {
    "moby.buildkit.frontend.network.none"  = "true"
    "moby.buildkit.frontend.caps"          = "moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts"
    "org.opencontainers.image.title"       = "wasm-frontend"
    "org.opencontainers.image.description" = "BuildKit Dockerfile frontend that makes wasi/wasm a first-class build target"
    "org.opencontainers.image.licenses"    = "Apache-2.0"
  }
}

// The published image: BuildKit pulls the frontend for its own platform.
target "frontend" {
  inherits  = ["_frontend"]
  platforms = ["linux/amd64", "linux/arm64"]
}

// One platform (the builder's), loaded into the docker engine: what `npm run image` makes.
target "frontend-local" {
  inherits = ["_frontend"]
  output   = ["type=docker"]
}

// ---- examples: one target per testdata/<name> with a Dockerfile
// To add one: copy a target below, change its name, context, tag and output, and list it in the
// group. The files land in ${EXAMPLES_OUT}/<name>; to push the images instead:
//   docker buildx bake examples --set '*.output=type=registry'

group "examples" {
  targets = [
    "example-as-hello",
    "example-c-hello",
    "example-cpp-hello",
    "example-go-hello",
    "example-rust-dep",
    "example-rust-fib",
    "example-rust-hello",
    "example-rust-multi",
  ]
}

target "_example" {
  platforms = ["wasi/wasm"]
  args = {
    BUILDKIT_SYNTAX = "${FRONTEND_IMAGE}"
  }
  // Runtimes pull these images: no provenance attestation, which would turn the result into an
  // index with an unknown/unknown entry. `attest = []` is not enough: buildx adds provenance
  // unless the attestation is disabled (build/opt.go).
  attest = ["type=provenance,disabled=true"]
}

target "example-as-hello" {
  inherits = ["_example"]
  context  = "testdata/as-hello"
  tags     = ["${REGISTRY}/wasm-example-as-hello:${TAG}"]
  output   = ["type=local,dest=${EXAMPLES_OUT}/as-hello"]
}

target "example-c-hello" {
  inherits = ["_example"]
  context  = "testdata/c-hello"
  tags     = ["${REGISTRY}/wasm-example-c-hello:${TAG}"]
  output   = ["type=local,dest=${EXAMPLES_OUT}/c-hello"]
}

target "example-cpp-hello" {
  inherits = ["_example"]
  context  = "testdata/cpp-hello"
  tags     = ["${REGISTRY}/wasm-example-cpp-hello:${TAG}"]
  output   = ["type=local,dest=${EXAMPLES_OUT}/cpp-hello"]
}

target "example-go-hello" {
  inherits = ["_example"]
  context  = "testdata/go-hello"
  tags     = ["${REGISTRY}/wasm-example-go-hello:${TAG}"]
  output   = ["type=local,dest=${EXAMPLES_OUT}/go-hello"]
}

target "example-rust-dep" {
  inherits = ["_example"]
  context  = "testdata/rust-dep"
  tags     = ["${REGISTRY}/wasm-example-rust-dep:${TAG}"]
  output   = ["type=local,dest=${EXAMPLES_OUT}/rust-dep"]
}

target "example-rust-fib" {
  inherits = ["_example"]
  context  = "testdata/rust-fib"
  tags     = ["${REGISTRY}/wasm-example-rust-fib:${TAG}"]
  output   = ["type=local,dest=${EXAMPLES_OUT}/rust-fib"]
}

target "example-rust-hello" {
  inherits = ["_example"]
  context  = "testdata/rust-hello"
  tags     = ["${REGISTRY}/wasm-example-rust-hello:${TAG}"]
  output   = ["type=local,dest=${EXAMPLES_OUT}/rust-hello"]
}

// One Dockerfile, two platforms: a Linux binary and a wasm module.
target "example-rust-multi" {
  inherits  = ["_example"]
  context   = "testdata/rust-multi"
  platforms = ["linux/amd64", "wasi/wasm"]
  tags      = ["${REGISTRY}/wasm-example-rust-multi:${TAG}"]
  output    = ["type=local,dest=${EXAMPLES_OUT}/rust-multi"]
}

// ---- validate: the checks that need no docker daemon, in containers

group "validate" {
  targets = ["validate-typecheck", "validate-test"]
}

target "_validate" {
  context    = "."
  dockerfile = "test/cli/validate.Dockerfile"
  args = {
    NODE_IMAGE = "${NODE_IMAGE}"
  }
  output = ["type=cacheonly"]
}

target "validate-typecheck" {
  inherits = ["_validate"]
  target   = "typecheck"
}

target "validate-test" {
  inherits = ["_validate"]
  target   = "test"
}
