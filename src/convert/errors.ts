/**
 * A feature the daemon cannot do: the named LLB capability is missing from Ping. The gateway
 * reports it with code Unknown (as BuildKit's apicaps.CapError), located at the instruction
 * that asked for it.
 */
export class UnsupportedFeatureError extends Error {
  readonly unsupported = true;

  constructor(
    readonly feature: string,
    readonly cap: string,
  ) {
    super(`${feature} is not supported by this BuildKit: it lacks the LLB capability "${cap}"`);
    this.name = 'UnsupportedFeatureError';
  }
}
