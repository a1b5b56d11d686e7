import { FileAction, scratch, type State } from '../llb/index.js';

/**
 * How to start what a wasi/wasm build made, shown as named progress steps ("[wasm] run: ...")
 * after the module step. The commands are the Docker CLI's; IMAGE stands for the tag.
 *
 * - crun built with a wasm handler (Debian's crun 1.21: `+WASM:wasmedge`) runs a core module in
 *   place of a Linux process when the container carries the annotation `run.oci.handler=wasm`.
 *   crun reads the handler from the OCI config's annotations (`run.oci.handler=wasm`, or the
 *   image's `module.wasm.image/variant`; crun docs/wasm-wasi-example.md). `docker run` does not
 *   pass image annotations on, so the container annotation is what selects the handler. The
 *   engine needs crun registered as a runtime named `crun` (daemon.json "runtimes").
 * - runwasi's containerd shims run the image as it is: `io.containerd.<name>.v1` resolves to the
 *   binary containerd-shim-<name>-v1 on containerd's PATH. wasmtime's shim also runs
 *   components (WASI preview 2); crun, wasmedge, wasmer and wamr run core modules only.
 * With --build-arg WASM_RUNTIME=NAME only that runtime's command is shown.
 */
export const RUN_IMAGE_PLACEHOLDER = 'IMAGE';

const SHIMS = ['wasmtime', 'wasmedge', 'wasmer', 'wamr'] as const;

/** The run commands for a module of this kind, best first: one `docker run ...` line each. */
export function runCommands(info: { kind?: string }, runtime?: string): string[] {
  const crun = `docker run --rm --runtime crun --platform wasi/wasm --annotation run.oci.handler=wasm ${RUN_IMAGE_PLACEHOLDER}`;
  const shim = (name: string) => `docker run --rm --runtime io.containerd.${name}.v1 --platform wasi/wasm ${RUN_IMAGE_PLACEHOLDER}`;
  if (runtime === 'crun') return [crun];
  if (runtime) return [shim(runtime)];
  if (info.kind === 'component') return [shim('wasmtime')];
  return [crun, ...SHIMS.map(shim)];
}

/**
 * A state whose only purpose is its vertex names: one `[wasm] run: COMMAND` step per command,
 * chained in order on scratch (not on the image, whose definition can carry the module inline).
 * Solving it writes nothing anyone exports. Undefined for no command.
 */
export function runHintState(commands: readonly string[]): State | undefined {
  let state: State | undefined;
  for (const [i, cmd] of commands.entries()) {
    state = (state ?? scratch()).file(FileAction.mkfile(`/.wasm-frontend-run-${i}`, 0o644, cmd), { customName: `[wasm] run: ${cmd}` });
  }
  return state;
}
