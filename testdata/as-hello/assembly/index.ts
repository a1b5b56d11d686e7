console.log("Hello from AssemblyScript in WebAssembly!");
