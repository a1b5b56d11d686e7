/** Go's `path` package semantics (slash-separated, lexical), which op paths are built with. */

/** path.Clean: shortest equivalent path; "" becomes ".", no trailing slash except "/". */
export function clean(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
    } else {
      out.push(seg);
    }
  }
  const body = out.join('/');
  if (rooted) return '/' + body;
  return body === '' ? '.' : body;
}

/** path.Join: the non-empty elements joined by "/" and cleaned; "" when all are empty. */
export function join(...elems: string[]): string {
  const parts = elems.filter((e) => e !== '');
  return parts.length === 0 ? '' : clean(parts.join('/'));
}

export function isAbs(p: string): boolean {
  return p.startsWith('/');
}

/** path.Join("/", p): cleaned and absolute, no trailing slash. */
export function joinRoot(p: string): string {
  return clean('/' + p);
}
