import type { Extensions } from '../convert/index.js';
import { wasmChecks } from './checks.js';
import { finishWasmImage } from './image.js';
import { expandToolchainStages } from './toolchain.js';

/** The wasm layer, as the converter's extension points. */
export const wasmExtensions: Extensions = {
  prepare: (parsed, { opts }) => expandToolchainStages(parsed, opts.buildArgs),
  finish: finishWasmImage,
  checks: (parsed, ctx) => wasmChecks(parsed, ctx),
};

export { finishWasmImage, wasmImageOptions } from './image.js';
export { checkModuleBytes, processModule, stepMain, STEP_ARG } from './step.js';
export { inspectWasm, stripDebug, stripSections, wasiKind, isWasm } from './module.js';
export { expandToolchainStages, toolchainOf, toolchains } from './toolchain.js';
