import { chompHeredocContent, type Instruction } from '../dockerfile/index.js';
import { FileAction, git, http, merge, scratch, type CopyOptions, type State } from '../llb/index.js';
import { processWord } from '../shell/index.js';
import { chownFromUser, expander, stepName, type DispatchContext } from './dispatch.js';
import { UnsupportedFeatureError } from './errors.js';
import { addHistory } from './image.js';
import type { StageState } from './stage.js';
import { joinRoot } from '../util/gopath.js';

type CopyLike = Extract<Instruction, { kind: 'copy' | 'add' }>;

/** The destination of COPY/ADD: absolute, relative to the working directory, trailing slash kept. */
export function copyDest(cwd: string, dest: string): string {
  const keepSlash = dest.endsWith('/') || dest === '.' || dest === '' || dest.endsWith('/.');
  const p = dest === '' || dest === '.' ? './' : dest;
  let out = p.startsWith('/') ? joinRoot(p) : joinRoot(`${cwd}/${p}`);
  if (keepSlash && !out.endsWith('/')) out += '/';
  return out;
}

export function isHTTPSource(src: string): boolean {
  return /^https?:\/\//i.test(src) && !isGitSource(src);
}

/** Git URLs ADD accepts: git@, git://, ssh://, and http(s) URLs ending in .git or with a #ref. */
export function isGitSource(src: string): boolean {
  if (/^(git@|git:\/\/|ssh:\/\/)/.test(src)) return true;
  if (/^https?:\/\//.test(src)) {
    const base = src.split('#')[0];
    return /\.git$/.test(base);
  }
  return false;
}

/**
 * The capability that tells a daemon reads FileOp's mode string. BuildKit defines
 * `file.copy.modestring` but never advertises it (solver/pb/caps.go has no Init for it, in any
 * release up to v0.32), and its own client never declares it (client/llb/fileop.go collects
 * action caps from an empty list). The mode string is read from BuildKit v0.17 on; older daemons
 * ignore the field and would copy with mode 0000. `exec.validexitcode` is the LLB capability
 * first advertised by v0.17.0, so it stands for "v0.17 or later". The standard frontend sends
 * the mode string to every daemon unchecked.
 */
export const SYMBOLIC_CHMOD_CAP = 'exec.validexitcode';

/** --chmod: octal up to 07777, or a symbolic mode string where the daemon supports it (BuildKit v0.17+). */
function parseChmod(v: string, caps: ReadonlySet<string>, instruction: string): number | string {
  if (/^[0-7]+$/.test(v)) {
    const n = parseInt(v, 8);
    if (n > 0o7777) throw new Error(`invalid chmod parameter: '${v}'. it should be octal string and between 0 and 07777`);
    return n;
  }
  if (/^\d+$/.test(v)) throw new Error(`invalid chmod parameter: '${v}'. it should be octal string and between 0 and 07777`);
  if (!/^([ugoa]*[-+=][rwxXst]*)(,[ugoa]*[-+=][rwxXst]*)*$/.test(v)) {
    throw new Error(`invalid chmod parameter: '${v}'. it should be octal string and between 0 and 07777`);
  }
  if (!caps.has(SYMBOLIC_CHMOD_CAP)) {
    throw new UnsupportedFeatureError(
      `${instruction} --chmod=${v}`,
      SYMBOLIC_CHMOD_CAP,
      `symbolic modes need BuildKit v0.17 or later (it lacks the LLB capability "${SYMBOLIC_CHMOD_CAP}" of that release)`,
    );
  }
  return v;
}

export function dispatchCopy(ctx: DispatchContext, s: StageState, c: CopyLike, fromStage: StageState | undefined): void {
  const { opt } = ctx;
  const caps = opt.llbCaps;
  const ex = expander(ctx, s);
  const isAdd = c.kind === 'add';
  const sources = c.sources.map(ex);
  const destRaw = ex(c.dest);
  const chown = c.chown ? ex(c.chown) : '';
  const chmod = c.chmod ? ex(c.chmod) : '';
  const checksum = c.kind === 'add' && c.checksum ? ex(c.checksum) : '';
  const dest = copyDest(s.cwd, destRaw);

  if (c.exclude.length && !caps.has('file.copy.includeexcludepatterns')) {
    throw new UnsupportedFeatureError(`${c.kind.toUpperCase()} --exclude`, 'file.copy.includeexcludepatterns');
  }
  if (c.kind === 'copy' && c.parents && !caps.has('file.copy.includeexcludepatterns')) {
    throw new UnsupportedFeatureError(`${c.kind.toUpperCase()} --parents`, 'file.copy.includeexcludepatterns');
  }
  if (fromStage && !fromStage.dispatched) {
    throw new Error(`cannot copy from stage "${c.kind === 'copy' ? c.from : ''}", it needs to be defined before current stage "${s.stageName}"`);
  }
  const mode = chmod ? parseChmod(chmod, caps, c.kind.toUpperCase()) : undefined;
  const owner = chown ? chownFromUser(chown) : undefined;
  const exclude = c.exclude.map(ex);
  if (checksum) {
    if (sources.length !== 1) throw new Error("checksum can't be specified for multiple sources");
    if (!isHTTPSource(sources[0]) && !isGitSource(sources[0])) throw new Error('checksum requires HTTP(S) or Git sources');
  }

  let msg = isAdd ? 'ADD' : 'COPY';
  if (c.kind === 'copy' && c.parents) msg += ' --parents';
  if (chown) msg += ` --chown=${chown}`;
  if (chmod) msg += ` --chmod=${chmod}`;

  const name = stepName(ctx, s, c.original);
  const base: CopyOptions = { owner, mode, excludePatterns: exclude.length ? exclude : undefined };
  let action: FileAction | undefined;
  const add = (src: State, path: string, o: CopyOptions) => {
    action = action ? action.copy(src, path, dest, o) : FileAction.copy(src, path, dest, o);
  };

  for (const src of sources) {
    msg += ` ${src}`;
    if (isGitSource(src)) {
      if (!isAdd) throw new Error("source can't be a git ref for COPY");
      const [remote, fragment = ''] = src.split('#', 2);
      const [ref, subdir] = fragment.split(':', 2);
      if (subdir && !caps.has('source.git.subdir')) throw new UnsupportedFeatureError('ADD of a git subdirectory (#ref:subdir)', 'source.git.subdir');
      const keep = c.kind === 'add' ? c.keepGitDir : undefined;
      const st = git(remote, { ref: ref || undefined, subdir: subdir || undefined, keepGitDir: keep || undefined, customName: name });
      add(st, '/', { ...base, createDestPath: true });
    } else if (isHTTPSource(src)) {
      if (!isAdd) throw new Error("source can't be a URL for COPY");
      let filename = '__unnamed__';
      try {
        const b = new URL(src).pathname.split('/').filter(Boolean).pop();
        if (b) filename = decodeURIComponent(b);
      } catch {
        // keep the default name
      }
      const st = http(src, { filename, checksum: checksum || undefined, customName: name, description: { 'com.docker.dockerfile.v1.command': c.original } });
      add(st, filename, { ...base, createDestPath: true, attemptUnpack: c.kind === 'add' ? !!c.unpack : false });
    } else {
      let srcPath = src;
      let include: string[] | undefined;
      if (c.kind === 'copy' && c.parents) {
        const i = src.indexOf('/./');
        const pattern = i >= 0 ? src.slice(i + 3) : src;
        srcPath = i >= 0 ? src.slice(0, i) : '/';
        include = [joinRoot(`/${pattern}`).slice(1)];
      }
      const unpack = c.kind === 'add' ? (c.unpack ?? true) : false;
      add(fromStage ? fromStage.state : opt.context, joinRoot(`/${srcPath}`), {
        ...base,
        followSymlink: true,
        dirCopyContents: true,
        includePatterns: include,
        attemptUnpack: unpack,
        createDestPath: true,
        allowWildcard: true,
        allowEmptyWildcard: true,
      });
    }
  }
  for (const doc of c.sourceHeredocs) {
    msg += ` <<${doc.name}`;
    const content = doc.chomp ? chompHeredocContent(doc.content) : doc.content;
    const data = doc.expand ? processWord(content, s.env.getter, { escapeToken: '\\', skipProcessQuotes: true }) : content;
    const path = doc.name.startsWith('/') ? doc.name : `/${doc.name}`;
    const st = scratch().file(FileAction.mkfile(path, 0o644, data), { customName: '[internal] preparing inline document' });
    add(st, path, { ...base, createDestPath: true });
  }
  msg += ` ${destRaw}`;
  if (!action) throw new Error(`${c.kind.toUpperCase()} has no sources`);

  const constraints = {
    customName: name,
    description: { 'com.docker.dockerfile.v1.command': c.original },
    locations: [c.range],
    ignoreCache: s.ignoreCache || undefined,
  };
  if (c.link && !chmod && caps.has('mergeop')) {
    const copied = scratch().file(action, { ...constraints, progressGroup: { id: `link-${s.index}-${s.cmdIndex}`, name, weak: true } });
    s.state = merge([s.state, copied], { ...constraints, customName: `LINK ${name}`, progressGroup: { id: `link-${s.index}-${s.cmdIndex}`, name, weak: false } });
  } else {
    s.state = s.state.file(action, constraints);
  }
  addHistory(s.image, msg, true, true);
}
