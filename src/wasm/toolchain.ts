import type { Instruction, ParsedDockerfile, Stage } from '../dockerfile/index.js';
import { LocatedError } from '../util/located.js';
import { CARGO_TARGET_DIR, GO_BUILD_CACHE, GO_MOD_CACHE, LIBEXEC, toolchainFiles } from './scripts.js';

/**
 * Toolchain stages: `FROM wasm-toolchain/<language> AS name`. The frontend picks the image
 * (a pinned public default, or the build argument that overrides it), installs a small wrapper
 * at LIBEXEC, and runs every RUN of the stage through it with the language's caches mounted.
 * The Dockerfile stays a valid Dockerfile: the base is an ordinary reference in a reserved
 * namespace.
 */
export type Language = 'rust' | 'c' | 'assemblyscript' | 'go';

export interface ToolchainSpec {
  language: Language;
  /** The build argument that overrides the image. */
  imageArg: string;
  /** Pinned public default. */
  defaultImage: string;
  /** Cache mounts added to every RUN of the stage; `{stage}` is replaced by the stage name. */
  caches: { id: string; target: string; sharing?: 'shared' | 'locked' }[];
  /** Build arguments the wrapper reads, declared in the stage so RUN sees them. */
  envArgs: string[];
}

export const TOOLCHAIN_NAMESPACE = 'wasm-toolchain/';

export const toolchains: Record<Language, ToolchainSpec> = {
  rust: {
    language: 'rust',
    imageArg: 'WASM_RUST_IMAGE',
    defaultImage: 'docker.io/library/rust:1.82.0-slim-bookworm',
    caches: [
      { id: 'wasm-frontend/cargo-registry', target: '/usr/local/cargo/registry' },
      { id: 'wasm-frontend/cargo-git', target: '/usr/local/cargo/git/db' },
      { id: 'wasm-frontend/cargo-target/{stage}', target: CARGO_TARGET_DIR, sharing: 'locked' },
    ],
    envArgs: ['WASM_WASI'],
  },
  c: {
    language: 'c',
    imageArg: 'WASM_C_IMAGE',
    defaultImage: 'ghcr.io/webassembly/wasi-sdk:wasi-sdk-25',
    caches: [],
    envArgs: [],
  },
  assemblyscript: {
    language: 'assemblyscript',
    imageArg: 'WASM_ASSEMBLYSCRIPT_IMAGE',
    defaultImage: 'docker.io/library/node:20.18.1-bookworm-slim',
    caches: [{ id: 'wasm-frontend/npm', target: '/root/.npm' }],
    envArgs: [],
  },
  go: {
    language: 'go',
    imageArg: 'WASM_GO_IMAGE',
    // Go 1.21 is the first with GOOS=wasip1; 1.24.4 is also Debian trixie's golang-go.
    defaultImage: 'docker.io/library/golang:1.24.4-bookworm',
    caches: [
      { id: 'wasm-frontend/go-build', target: GO_BUILD_CACHE },
      { id: 'wasm-frontend/go-mod', target: GO_MOD_CACHE },
    ],
    envArgs: [],
  },
};

const aliases: Record<string, Language> = {
  rust: 'rust',
  c: 'c',
  cpp: 'c',
  'c++': 'c',
  assemblyscript: 'assemblyscript',
  as: 'assemblyscript',
  go: 'go',
  golang: 'go',
};

export class ToolchainError extends Error {}

/** The language of a reserved base name, or undefined for any other image. */
export function toolchainOf(image: string): Language | undefined {
  const ref = image.replace(/^docker\.io\//, '');
  if (!ref.startsWith(TOOLCHAIN_NAMESPACE)) return undefined;
  const name = ref.slice(TOOLCHAIN_NAMESPACE.length).replace(/:latest$/, '');
  const lang = aliases[name];
  if (!lang) {
    throw new ToolchainError(`unknown wasm toolchain "${name}": use ${Object.keys(toolchains).map((k) => TOOLCHAIN_NAMESPACE + k).join(', ')}`);
  }
  return lang;
}

/**
 * Rewrites the toolchain stages of a parsed Dockerfile: the base image, a setup step that
 * installs the wrapper, and every RUN wrapped and given the language's cache mounts. Other
 * stages are returned untouched.
 */
export function expandToolchainStages(df: ParsedDockerfile, buildArgs: ReadonlyMap<string, string>): ParsedDockerfile {
  let changed = false;
  const stages = df.stages.map((stage, i) => {
    let lang: Language | undefined;
    try {
      lang = toolchainOf(stage.from.image);
    } catch (err) {
      throw new LocatedError((err as Error).message, [stage.from.range]);
    }
    if (!lang) return stage;
    changed = true;
    return expandStage(stage, toolchains[lang], buildArgs, stage.name ?? `stage-${i}`);
  });
  return changed ? { ...df, stages } : df;
}

function expandStage(stage: Stage, spec: ToolchainSpec, buildArgs: ReadonlyMap<string, string>, stageName: string): Stage {
  const range = stage.from.range;
  const image = buildArgs.get(spec.imageArg) || spec.defaultImage;
  const files = toolchainFiles[spec.language] as Record<string, string>;
  // One COPY per directory: a heredoc source is a file name, not a path.
  const byDir = new Map<string, { name: string; content: string; expand: boolean; chomp: boolean }[]>();
  for (const [file, content] of Object.entries(files)) {
    const slash = file.lastIndexOf('/');
    const dir = slash < 0 ? LIBEXEC : `${LIBEXEC}/${file.slice(0, slash)}`;
    const docs = byDir.get(dir) ?? [];
    docs.push({ name: file.slice(slash + 1), content, expand: false, chomp: false });
    byDir.set(dir, docs);
  }
  const setup: Instruction[] = [...byDir].map(([dir, docs]) => ({
    kind: 'copy',
    range,
    original: `COPY --chmod=0755 ${docs.map((d) => `<<${d.name}`).join(' ')} ${dir}/`,
    sources: [],
    dest: `${dir}/`,
    sourceHeredocs: docs,
    chmod: '0755',
    link: false,
    parents: false,
    exclude: [],
  }));
  const mounts = spec.caches.map((c) => `type=cache,id=${c.id.replace('{stage}', stageName)},target=${c.target}${c.sharing ? `,sharing=${c.sharing}` : ''}`);
  const commands = stage.commands.map((c): Instruction => {
    if (c.kind !== 'run' || c.heredocs.length > 0) return c;
    const cmdLine = c.prependShell ? [`${LIBEXEC}/run`, '/bin/sh', '-c', c.cmdLine.join(' ')] : [`${LIBEXEC}/run`, ...c.cmdLine];
    return { ...c, prependShell: false, cmdLine, mounts: [...mounts, ...c.mounts] };
  });
  // The wrapper reads these from its environment; a build argument reaches RUN only once declared.
  const args: Instruction[] = spec.envArgs.length
    ? [{ kind: 'arg', range, original: `ARG ${spec.envArgs.join(' ')}`, args: spec.envArgs.map((key) => ({ key })) }]
    : [];
  const hint = `${TOOLCHAIN_NAMESPACE}${spec.language} uses ${image}; --build-arg ${spec.imageArg}=<image> chooses another`;
  return { ...stage, from: { ...stage.from, image, hint }, commands: [...args, ...setup, ...commands] };
}
