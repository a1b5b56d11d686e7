/**
 * The examples the run tests build, and the toolchain images they are built with. An example is
 * a testdata/<name> folder with a Dockerfile and expected-stdout.txt (the module's exact stdout
 * under a WASI runtime); each tier that runs examples iterates this list, so a new folder is
 * picked up everywhere.
 */
import fs from 'node:fs';
import path from 'node:path';

export const TESTDATA = path.resolve(__dirname, '..', 'testdata');

export interface Example {
  name: string;
  dir: string;
  /** The Dockerfile has a toolchain stage (`FROM wasm-toolchain/<language>`). */
  toolchainStage: boolean;
  /** The toolchain languages its stages use (rust, c, cpp, assemblyscript, as, go). */
  languages: string[];
  /** The Dockerfile names the bookworm toolchain image itself (hand-written stages). */
  pinnedImage: boolean;
}

export interface ToolchainImage {
  /** Debian suite: bookworm or trixie. */
  name: string;
  image: string;
}

/** The offline toolchain images (scripts/images/toolchain.sh, toolchain-trixie.sh). */
export const toolchainImages: ToolchainImage[] = [
  { name: 'bookworm', image: process.env.TOOLCHAIN_IMAGE ?? 'local/wasm-toolchain:bookworm' },
  { name: 'trixie', image: process.env.TOOLCHAIN_TRIXIE_IMAGE ?? 'local/wasm-toolchain:trixie' },
];

/** Every example, sorted by name. */
export const examples: Example[] = fs
  .readdirSync(TESTDATA)
  .filter((name) => fs.existsSync(path.join(TESTDATA, name, 'expected-stdout.txt')) && fs.existsSync(path.join(TESTDATA, name, 'Dockerfile')))
  .sort()
  .map((name) => {
    const dir = path.join(TESTDATA, name);
    const dockerfile = fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8');
    const languages = [...dockerfile.matchAll(/^FROM\s+(?:--\S+\s+)*wasm-toolchain\/([\w+-]+)/gim)].map((m) => m[1].toLowerCase());
    return { name, dir, toolchainStage: languages.length > 0, languages, pinnedImage: /local\/wasm-toolchain:bookworm/.test(dockerfile) };
  });

/** The build arguments that point every toolchain stage at `image` (they default to public images). */
export function toolchainBuildArgs(image: string): string[] {
  return ['WASM_RUST_IMAGE', 'WASM_C_IMAGE', 'WASM_ASSEMBLYSCRIPT_IMAGE', 'WASM_GO_IMAGE'].flatMap((a) => ['--build-arg', `${a}=${image}`]);
}

/**
 * The (example, toolchain image) pairs that must build and run: a toolchain-stage example with
 * every toolchain image; a hand-written example with the image its Dockerfile names (bookworm).
 */
export function exampleMatrix(): [Example, ToolchainImage][] {
  return examples.flatMap((ex): [Example, ToolchainImage][] => (ex.toolchainStage ? toolchainImages.map((img): [Example, ToolchainImage] => [ex, img]) : [[ex, toolchainImages[0]]]));
}
