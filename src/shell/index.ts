/**
 * Word expansion with the semantics of BuildKit's Dockerfile shell lexer
 * (moby/buildkit frontend/dockerfile/shell): quotes, escapes, `$v`/`${v}` and the `${v...}`
 * operators. Pure: no I/O, no Dockerfile knowledge.
 */
export type { EnvGetter, LexOptions, WordResult } from './lex.js';
export { ShellError, processWord, processWordWithMatches, processWords } from './lex.js';
export { goQuote } from './goquote.js';
export { isSpace, trimSpace } from './chars.js';
