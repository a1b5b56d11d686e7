/**
 * The LLB builder: a small, immutable graph API modelled on BuildKit's Go client/llb, and its
 * canonical marshalling into a pb.Definition. It knows nothing of Dockerfiles or wasm.
 */
export { State, scratch } from './state.js';
export type { Constraints, Output } from './vertex.js';
export type { Platform } from './platform.js';
export { formatPlatform, normalizePlatform, defaultPlatform } from './platform.js';
export { image, local, http, git } from './source.js';
export type { ImageOptions, LocalOptions, HTTPOptions, GitOptions } from './source.js';
export { ExecState } from './exec.js';
export type { ExecOptions, MountSpec } from './exec.js';
export { FileAction } from './fileop.js';
export type { UserSpec, ChownSpec, CopyOptions, MkdirOptions, MkfileOptions, RmOptions, SymlinkOptions } from './fileop.js';
export { fromDefinition, ociLayout, InputDefinitionError } from './definition.js';
export type { OCILayoutOptions } from './definition.js';
export { merge } from './merge.js';
export { diff } from './diff.js';
export { marshal, decodeDefinition } from './marshal.js';
export type { MarshalOptions } from './marshal.js';
export { CapabilityError, capFeature } from './caps.js';
export { dump } from './dump.js';
export { normalizeImageRef, parseImageRef, formatImageRef, ImageRefError } from './reference.js';
export type { ImageRef } from './reference.js';
export { encodeCanonical, digestOf } from './encode.js';
export type { Definition, Op, OpMetadata } from '../pb/index.js';
