import type { SourceRange } from '../util/located.js';
import type { Heredoc } from './heredoc.js';

export type { Heredoc } from './heredoc.js';

/**
 * Fields shared by every instruction. Words and values are kept unexpanded: variable expansion
 * and quote removal of arguments happen in the converter (src/shell), as in BuildKit's dispatch.
 * What BuildKit already does at parse time is done here: splitting into words and key/value
 * pairs, JSON exec-form decoding, flag parsing (quotes in flag words are removed), heredoc
 * bodies, stage-name lowercasing and validation.
 */
interface Base {
  /** From the keyword to the end of the instruction's last line, heredoc bodies included. */
  range: SourceRange;
  /**
   * The logical line as BuildKit's node.Original: left-trimmed, continuation lines joined without
   * their escape token, comment and empty lines inside the continuation dropped, heredoc bodies
   * not included. BuildKit's step name is this text trimmed.
   */
  original: string;
  /** The keyword as written (BuildKit's Command.Name(), used in check messages). */
  keyword?: string;
  /** The comment lines right above the instruction (see Node.comments). */
  comments?: string[];
}

/** A value from a flag; absent when the flag was not given or given empty, which BuildKit treats alike. */
type FlagValue = string | undefined;

export type FromInstruction = Base & {
  kind: 'from';
  image: string;
  /** Lowercased and validated (`^[a-z][a-z0-9-_.]*$`). */
  stageName?: string;
  platform?: FlagValue;
  /** Never parsed: set by a step that rewrites the base (toolchain stages); the converter adds it to resolution errors. */
  hint?: string;
};

/** ARG pairs; a value keeps its quotes (`ARG a="b c"` gives `"b c"`), as BuildKit expands it later. */
export type ArgInstruction = Base & { kind: 'arg'; args: { key: string; value?: string }[] };

/** Key and value keep quotes and escapes; both are expanded by the converter. */
export interface KeyValuePair {
  key: string;
  value: string;
}

/** `legacy` marks the `ENV key value` form (one pair, no `=`), which LegacyKeyValueFormat reports. */
export type EnvInstruction = Base & { kind: 'env'; pairs: KeyValuePair[]; legacy?: boolean };
export type LabelInstruction = Base & { kind: 'label'; pairs: KeyValuePair[]; legacy?: boolean };

export type RunInstruction = Base & {
  kind: 'run';
  /** True for the shell form. */
  prependShell: boolean;
  /** The exec-form strings, or the shell form as one string (empty when no command was given). */
  cmdLine: string[];
  heredocs: Heredoc[];
  /** Raw `--mount` values, unparsed. */
  mounts: string[];
  /** `--network`, validated to be default, none or host. */
  network?: string;
  /** `--security`, validated to be insecure or sandbox. */
  security?: string;
  /** Raw `--device` values, unparsed. */
  devices: string[];
};

interface CopyLike {
  /** Non-heredoc sources, in order. */
  sources: string[];
  dest: string;
  /** Sources written as heredoc markers; `name` is the path BuildKit gives the file. */
  sourceHeredocs: Heredoc[];
  chown?: FlagValue;
  chmod?: FlagValue;
  link: boolean;
  exclude: string[];
}

/** `parents` exists on COPY only: BuildKit's ADD has no `--parents` flag. */
export type CopyInstruction = Base & CopyLike & { kind: 'copy'; from?: FlagValue; parents: boolean };

export type AddInstruction = Base &
  CopyLike & {
    kind: 'add';
    checksum?: FlagValue;
    /** Absent when the flag was not given. */
    keepGitDir?: boolean;
    /** Absent when the flag was not given. */
    unpack?: boolean;
  };

export type CommandInstruction = Base & { kind: 'cmd' | 'entrypoint'; prependShell: boolean; cmdLine: string[] };

export type HealthcheckInstruction = Base & {
  kind: 'healthcheck';
  /** `['NONE']`, `['CMD', ...args]` (exec form) or `['CMD-SHELL', command]`. */
  test: string[];
  /** Go duration strings, validated (>= 1ms or 0); absent when not given. */
  interval?: string;
  timeout?: string;
  startPeriod?: string;
  startInterval?: string;
  /** A validated non-negative 32-bit integer. */
  retries?: string;
};

export type Instruction =
  | FromInstruction
  | ArgInstruction
  | EnvInstruction
  | LabelInstruction
  | RunInstruction
  | CopyInstruction
  | AddInstruction
  | (Base & { kind: 'workdir'; path: string })
  | (Base & { kind: 'user'; user: string })
  /** Sorted like BuildKit (byte order). */
  | (Base & { kind: 'expose'; ports: string[] })
  /** Each trimmed and non-empty. */
  | (Base & { kind: 'volume'; volumes: string[] })
  | (Base & { kind: 'stopsignal'; signal: string })
  | HealthcheckInstruction
  /** The exec-form strings (SHELL requires JSON). */
  | (Base & { kind: 'shell'; shell: string[] })
  /**
   * The trigger text as BuildKit stores it in the image config: the line without `ONBUILD`, and
   * for each heredoc a newline, its body and its name, so it parses again on its own.
   */
  | (Base & { kind: 'onbuild'; expression: string })
  | CommandInstruction
  | (Base & { kind: 'maintainer'; maintainer: string });

export type InstructionKind = Instruction['kind'];
