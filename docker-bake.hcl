// docker buildx bake [target]   (targets: frontend; group default)
// e.g. REGISTRY=local TAG=dev NODE_IMAGE=local/node:20 docker buildx bake
// Run `npm run build` first: the image packages dist/frontend.cjs.

variable "REGISTRY" {
  default = "local"
}

variable "TAG" {
  default = "dev"
}

variable "NODE_IMAGE" {
  default = "docker.io/library/node:20-bookworm-slim"
}

group "default" {
  targets = ["frontend"]
}

target "frontend" {
  context    = "."
  dockerfile = "Dockerfile"
  tags       = ["${REGISTRY}/wasm-frontend:${TAG}"]
  args = {
    NODE_IMAGE = "${NODE_IMAGE}"
  }
}
