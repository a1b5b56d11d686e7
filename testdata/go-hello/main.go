// A WASI command module: GOOS=wasip1 GOARCH=wasm (set by the wasm-toolchain/go stage).
package main

import (
	"fmt"
	"runtime"
)

func main() {
	fmt.Printf("Hello WebAssembly from Go (%s/%s)!\n", runtime.GOOS, runtime.GOARCH)
}
