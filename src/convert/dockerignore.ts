import { clean } from '../util/gopath.js';

/**
 * .dockerignore files as moby's ignorefile reads them: one pattern per line, `#` comments,
 * surrounding space trimmed, a leading `/` dropped, paths cleaned, `!` kept as an exception.
 */
export function parseDockerignore(text: string): string[] {
  const out: string[] = [];
  for (let line of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    if (line.startsWith('#')) continue;
    line = line.trim();
    if (line === '') continue;
    let invert = false;
    if (line.startsWith('!')) {
      invert = true;
      line = line.slice(1).trim();
    }
    if (line.length > 0) {
      line = clean(line);
      // a lone "/" stays as it is, as ignorefile.ReadAll leaves it
      if (line.startsWith('/') && line.length > 1) line = line.slice(1);
    }
    out.push(invert ? `!${line}` : line);
  }
  return out;
}
