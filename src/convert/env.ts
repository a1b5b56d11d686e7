/**
 * An ordered environment with BuildKit's ordering rule: a key sits where it was last set, so
 * re-setting a key moves it to the end. Immutable; `get` is what variable expansion reads.
 */
export class EnvList {
  private constructor(private readonly entries: ReadonlyMap<string, string>) {}

  static empty(): EnvList {
    return new EnvList(new Map());
  }

  static fromArray(env: readonly string[]): EnvList {
    let e = EnvList.empty();
    for (const kv of env) {
      const i = kv.indexOf('=');
      e = i < 0 ? e.set(kv, '') : e.set(kv.slice(0, i), kv.slice(i + 1));
    }
    return e;
  }

  set(key: string, value: string): EnvList {
    const m = new Map(this.entries);
    m.delete(key);
    m.set(key, value);
    return new EnvList(m);
  }

  setDefault(key: string, value: string): EnvList {
    return this.entries.has(key) ? this : this.set(key, value);
  }

  get(key: string): string | undefined {
    return this.entries.get(key);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  toArray(): string[] {
    return [...this.entries].map(([k, v]) => `${k}=${v}`);
  }

  /** The getter variable expansion takes. */
  get getter(): (name: string) => string | undefined {
    return (name) => this.entries.get(name);
  }
}
