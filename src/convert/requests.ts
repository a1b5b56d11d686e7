/**
 * Subrequests (`requestid`) and frontend capabilities (`frontend.caps`), as dockerui's
 * requests.go and the Dockerfile builder's caps.go answer them.
 *
 * Invariants:
 * - a subrequest result has metadata only (`result.json`, `result.txt`, `version`), no refs;
 * - `result.json` is byte for byte what Go's json.MarshalIndent writes for BuildKit's types,
 *   `result.txt` what its tabwriter printers write, so buildx prints it unchanged;
 * - an unknown request or capability is refused with BuildKit's text and a typed detail
 *   (errdefs.Subrequest, errdefs.FrontendCap); the gateway reports a missing frontend capability
 *   as Unimplemented and an unknown request as Unknown, the codes BuildKit's own frontend uses.
 */
import { goMarshalIndent, tabwrite } from './gotext.js';
import { lintJSON, lintStatusCode, lintText, type LintResultsJSON } from './lintresult.js';
import type { Outline, TargetList } from './outline.js';

/** The frontend capabilities this frontend implements; the image label lists exactly these. */
export const FRONTEND_CAPS = ['moby.buildkit.frontend.inputs', 'moby.buildkit.frontend.subrequests', 'moby.buildkit.frontend.contexts'] as const;

interface Named {
  name: string;
  description: string;
}

/** subrequests.Request; `null` where Go has a nil slice. */
interface RequestDefinition {
  name: string;
  version: string;
  type: 'rpc';
  description: string;
  opts: Named[] | null;
  inputs: Named[] | null;
  metadata: Named[] | null;
  refs: Named[] | null;
}

const resultMetadata: Named[] = [
  { name: 'result.json', description: '' },
  { name: 'result.txt', description: '' },
];

export const OUTLINE_REQUEST: RequestDefinition = {
  name: 'frontend.outline',
  version: '1.0.0',
  type: 'rpc',
  description: 'List all parameters current build target supports',
  opts: [{ name: 'target', description: 'Target build stage' }],
  inputs: null,
  metadata: resultMetadata,
  refs: null,
};

export const TARGETS_REQUEST: RequestDefinition = {
  name: 'frontend.targets',
  version: '1.0.0',
  type: 'rpc',
  description: 'List all targets current build supports',
  opts: [],
  inputs: null,
  metadata: resultMetadata,
  refs: null,
};

export const DESCRIBE_REQUEST: RequestDefinition = {
  name: 'frontend.subrequests.describe',
  version: '1.0.0',
  type: 'rpc',
  description: 'List available subrequest types',
  opts: null,
  inputs: null,
  metadata: resultMetadata,
  refs: null,
};

/** lint.SubrequestLintDefinition: checks every stage and answers with the findings. */
export const LINT_REQUEST: RequestDefinition = {
  name: 'frontend.lint',
  version: '1.0.0',
  type: 'rpc',
  description: 'Lint a Dockerfile',
  opts: [],
  inputs: null,
  metadata: [...resultMetadata, { name: 'result.statuscode', description: '' }],
  refs: null,
};

/** A request or capability this frontend does not have (status codes: see the gateway's toStatus). */
export class UnsupportedRequestError extends Error {
  readonly unsupported = true;
  readonly subrequest?: string;
  readonly frontendCap?: string;

  constructor(message: string, detail: { subrequest?: string; frontendCap?: string }) {
    super(message);
    this.name = 'UnsupportedRequestError';
    if (detail.subrequest !== undefined) this.subrequest = detail.subrequest;
    if (detail.frontendCap !== undefined) this.frontendCap = detail.frontendCap;
  }
}

/**
 * Checks the `frontend.caps` option as the Dockerfile builder does: each item up to `+` must be
 * implemented. The gateway has already checked the image label; this catches a client talking
 * to the frontend some other way.
 */
export function validateFrontendCaps(value: string | undefined): void {
  if (!value) return;
  for (const item of value.split(',')) {
    const cap = item.split('+', 1)[0]!;
    if (!(FRONTEND_CAPS as readonly string[]).includes(cap)) {
      throw new UnsupportedRequestError(`unsupported frontend capability ${cap}`, { frontendCap: cap });
    }
  }
}

export interface SubrequestResult {
  metadata: Record<string, Uint8Array>;
}

export interface SubrequestHandlers {
  outline(): Promise<Outline>;
  targets(): Promise<TargetList>;
  lint(): Promise<LintResultsJSON>;
}

/** Answers `requestid`; the build goes on only when there is none. */
export async function handleSubrequest(requestId: string | undefined, h: SubrequestHandlers): Promise<SubrequestResult | undefined> {
  if (requestId === undefined) return undefined;
  switch (requestId) {
    case DESCRIBE_REQUEST.name:
      return result(describeJSON(), describeText, DESCRIBE_REQUEST.version);
    case OUTLINE_REQUEST.name:
      return result(goMarshalIndent(await h.outline()), outlineText, OUTLINE_REQUEST.version);
    case TARGETS_REQUEST.name:
      return result(goMarshalIndent(await h.targets()), targetsText, TARGETS_REQUEST.version);
    case LINT_REQUEST.name: {
      const r = await h.lint();
      const answer = result(lintJSON(r), lintText, LINT_REQUEST.version);
      answer.metadata['result.statuscode'] = Buffer.from(lintStatusCode(r));
      return answer;
    }
    default:
      throw new UnsupportedRequestError(`unsupported request ${requestId}`, { subrequest: requestId });
  }
}

function result(json: string, print: (json: string) => string, version: string): SubrequestResult {
  return {
    metadata: {
      'result.json': Buffer.from(json),
      'result.txt': Buffer.from(print(json)),
      version: Buffer.from(version),
    },
  };
}

export function describeJSON(): string {
  return goMarshalIndent([OUTLINE_REQUEST, TARGETS_REQUEST, DESCRIBE_REQUEST, LINT_REQUEST]);
}

/** subrequests.PrintDescribe */
export function describeText(json: string): string {
  const list = JSON.parse(json) as RequestDefinition[];
  return tabwrite([['NAME', 'VERSION', 'DESCRIPTION'], ...list.map((r) => [r.name.replace(/^frontend\./, ''), r.version, r.description])], 1);
}

/** outline.PrintOutline */
export function outlineText(json: string): string {
  const o = JSON.parse(json) as Outline;
  let out = '';
  if (o.name || o.description) {
    const rows = [['TARGET:', o.name || '(default)']];
    if (o.description) rows.push(['DESCRIPTION:', o.description]);
    out += tabwrite(rows, 1) + '\n';
  }
  if (o.args?.length) {
    out += tabwrite([['BUILD ARG', 'VALUE', 'DESCRIPTION'], ...o.args.map((a) => [a.name, a.value ?? '', a.description ?? ''])], 3) + '\n';
  }
  if (o.secrets?.length) {
    out += tabwrite([['SECRET', 'REQUIRED'], ...o.secrets.map((s) => [s.name, s.required ? 'true' : ''])], 3) + '\n';
  }
  if (o.ssh?.length) {
    out += tabwrite([['SSH', 'REQUIRED'], ...o.ssh.map((s) => [s.name, s.required ? 'true' : ''])], 3) + '\n';
  }
  return out;
}

/** targets.PrintTargets */
export function targetsText(json: string): string {
  const l = JSON.parse(json) as TargetList;
  const rows = [['TARGET', 'DESCRIPTION']];
  for (const t of l.targets ?? []) {
    let name = t.name ?? '';
    if (name === '' && t.default) name = '(default)';
    else if (t.default) name = `${name} (default)`;
    rows.push([name, t.description ?? '']);
  }
  return tabwrite(rows, 1);
}
