/**
 * A feature the daemon cannot do: the named LLB capability is missing from Ping. The gateway
 * reports it with code Unknown (as BuildKit's apicaps.CapError), located at the instruction
 * that asked for it.
 */
export class UnsupportedFeatureError extends Error {
  readonly unsupported = true;

  /**
   * @param feature what the Dockerfile asked for, e.g. `COPY --exclude`
   * @param cap the LLB capability that announces it, as listed by Ping
   * @param reason replaces the default tail ("it lacks the LLB capability ...") where the cap is
   *   only a stand-in for a BuildKit release (see SYMBOLIC_CHMOD_CAP in copy.ts)
   */
  constructor(
    readonly feature: string,
    readonly cap: string,
    reason?: string,
  ) {
    super(`${feature} is not supported by this BuildKit: ${reason ?? `it lacks the LLB capability "${cap}"`}`);
    this.name = 'UnsupportedFeatureError';
  }
}
