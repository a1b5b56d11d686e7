export { build, type BuildResult, type Daemon, type Extensions, type FinishContext, type FrontendInputs, type PlatformResult } from './build.js';
export { convert, type ConvertOptions, type ConvertResult, type ImageResolver } from './convert.js';
export { UnsupportedFeatureError } from './errors.js';
export { emptyImage, type ImageConfig } from './image.js';
export { readBuildOptions, type BuildOptions, OptionError } from './options.js';
export { isWasm, parsePlatform, platformID, WASI_WASM } from './platform.js';
