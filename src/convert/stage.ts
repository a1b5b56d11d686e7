import type { Instruction, Stage } from '../dockerfile/index.js';
import type { Platform, State } from '../llb/index.js';
import { EnvList } from './env.js';
import type { ImageConfig } from './image.js';
import { platformID } from './platform.js';

/** A command to dispatch, with the stages it reads from (COPY --from, RUN --mount from). */
export interface Command {
  instruction: Instruction;
  sources: (StageState | undefined)[];
  isOnBuild: boolean;
}

/**
 * Per-stage dispatch state. What Go's llb.State carries as metadata (env, dir, user) is kept
 * here beside the filesystem state, and passed explicitly to each exec.
 */
export class StageState {
  /** "build", or "stage-N" for an unnamed stage, or "" when the Dockerfile has one stage. */
  stageName: string;
  base?: StageState;
  platform?: Platform;
  /** Set when the platform came from the Dockerfile (`FROM --platform`), not from the target. */
  explicitPlatform = false;
  /** Set when a wasm target moved this stage to the build platform. */
  placedOnBuildPlatform = false;
  state!: State;
  image!: ImageConfig;
  env = EnvList.empty();
  cwd = '/';
  user = '';
  buildArgs: { key: string; value?: string }[] = [];
  commands: Command[] = [];
  deps = new Set<StageState>();
  dispatched = false;
  resolved = false;
  onBuildInit = false;
  ignoreCache = false;
  workdirSet = false;
  cmdSet = false;
  cmdTotal = 0;
  cmdIndex = 0;
  cmdIsOnBuild = false;
  /**
   * The config of the image this stage is based on, as resolved (inherited through `FROM
   * <stage>`; unset for scratch). Sent as `containerimage.base.config`, as the standard frontend
   * does: BuildKit's exporter keeps the leading history entries equal to the base image's as
   * they are when SOURCE_DATE_EPOCH is set, and stamps only the rest (exporter/containerimage
   * writer.go patchImageConfig, BuildKit v0.13+).
   */
  baseImage?: Uint8Array;
  /** For a COPY --from / --mount from=<image> that is not a stage. */
  unregistered = false;

  constructor(
    readonly index: number,
    readonly stage: Stage,
    public baseName: string,
  ) {
    this.stageName = stage.name ?? `stage-${index}`;
  }

  get name(): string | undefined {
    return this.stage.name;
  }

  /**
   * Inherits what the base stage produced, as Go's dispatchState.init. Called once when stages
   * are resolved (to see the base image's ONBUILD triggers) and again right before dispatch,
   * when the base stage has run its own commands.
   *
   * `image`: `clone` copies the base's image config (Go's clone); `take` moves it, for a base
   * that is done and has no other reader (its only child stage, not the target), so a chain of
   * N stages costs N, not N² (each config holds the history of all before it); `skip` leaves
   * the image alone (the first call, which only needs the rest).
   */
  init(image: 'clone' | 'take' | 'skip' = 'clone'): void {
    if (!this.base) return;
    const b = this.base;
    this.state = b.state;
    this.platform = b.platform;
    this.placedOnBuildPlatform = b.placedOnBuildPlatform;
    if (image !== 'skip') {
      this.image = image === 'take' ? b.image : structuredClone(b.image);
      delete this.image.config.OnBuild;
    }
    this.baseImage = b.baseImage;
    this.env = b.env;
    this.cwd = b.cwd;
    this.user = b.user;
    this.workdirSet = b.workdirSet;
    this.buildArgs = [...b.buildArgs];
  }

  /** BuildKit's progress prefix: "[build 2/5] RUN ...", with the platform in multi-platform builds. */
  prefixCommand(text: string, prefixPlatform: boolean): string {
    if (this.cmdTotal === 0) return text;
    let out = '[';
    if (prefixPlatform && this.platform) out += platformID(this.platform) + ' ';
    if (this.stageName) out += this.stageName + ' ';
    this.cmdIndex++;
    const width = 1 + Math.floor(Math.log10(this.cmdTotal));
    out += `${String(this.cmdIndex).padStart(width)}/${this.cmdTotal}] `;
    if (this.cmdIsOnBuild) out += 'ONBUILD ';
    return out + text;
  }
}

export function uppercaseCmd(text: string): string {
  const i = text.indexOf(' ');
  return i < 0 ? text.toUpperCase() : text.slice(0, i).toUpperCase() + text.slice(i);
}
