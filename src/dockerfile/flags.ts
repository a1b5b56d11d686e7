/**
 * Instruction flags as BuildKit's BFlags: each instruction declares its flags, then the raw
 * `--name[=value]` words are checked against them. Boolean flags take `--x`, `--x=true` or
 * `--x=false` (any case); string flags need `=value` and may appear once; string-list flags
 * need `=value` and may repeat.
 */
import { suggest } from './suggest.js';

/** Thrown for a bad flag; the caller adds the instruction's location. */
export class FlagError extends Error {}

type FlagType = 'bool' | 'string' | 'strings';

export interface Flag {
  readonly name: string;
  readonly type: FlagType;
  /** For bool flags "true"/"false"; for string flags the value or the default. */
  value: string;
  /** Values of a string-list flag, in order. */
  values: string[];
  /** Whether the flag appeared on the line. */
  used: boolean;
}

export class BFlags {
  private readonly flags = new Map<string, Flag>();

  constructor(private readonly args: readonly string[]) {}

  addBool(name: string, def = false): Flag {
    return this.add(name, 'bool', def ? 'true' : 'false');
  }

  addString(name: string, def = ''): Flag {
    return this.add(name, 'string', def);
  }

  addStrings(name: string): Flag {
    return this.add(name, 'strings', '');
  }

  private add(name: string, type: FlagType, value: string): Flag {
    if (this.flags.has(name)) throw new Error(`error setting up flags: Duplicate flag defined: ${name}`);
    const flag: Flag = { name, type, value, values: [], used: false };
    this.flags.set(name, flag);
    return flag;
  }

  /** Applies the words to the declared flags; a `--` word ends flag processing. */
  parse(): void {
    for (const arg of this.args) {
      if (arg === '--') return;
      if (!arg.startsWith('--')) throw new FlagError(`arg should start with -- : ${arg}`);
      const eq = arg.indexOf('=');
      const flagName = eq < 0 ? arg : arg.slice(0, eq);
      const hasValue = eq >= 0;
      const value = hasValue ? arg.slice(eq + 1) : '';
      const name = flagName.slice(2);
      const flag = this.flags.get(name);
      if (!flag) {
        const hint = suggest(name, [...this.flags.keys()]);
        throw new FlagError(`unknown flag: ${flagName}` + (hint ? ` (did you mean ${hint}?)` : ''));
      }
      if (flag.used && flag.type !== 'strings') throw new FlagError(`duplicate flag specified: ${flagName}`);
      flag.used = true;
      switch (flag.type) {
        case 'bool': {
          if (hasValue && value === '') throw new FlagError(`missing a value on flag: ${flagName}`);
          const v = value.toLowerCase();
          if (v === 'true' || v === '') flag.value = 'true';
          else if (v === 'false') flag.value = 'false';
          else throw new FlagError(`expecting boolean value for flag ${flagName}, not: ${value}`);
          break;
        }
        case 'string':
          if (!hasValue) throw new FlagError(`missing a value on flag: ${flagName}`);
          flag.value = value;
          break;
        case 'strings':
          if (!hasValue) throw new FlagError(`missing a value on flag: ${flagName}`);
          flag.values.push(value);
          break;
      }
    }
  }
}
