import { describe, expect, it } from 'vitest';
import { PatternError, reversePattern, reverseString, shellPatternToRegExp } from './pattern.js';
import { goQuote } from './goquote.js';

describe('shell patterns', () => {
  it('escapes regex syntax and converts wildcards', () => {
    expect(shellPatternToRegExp('*', true, true).source).toBe('^[^\\n]*');
    expect(shellPatternToRegExp('*', false, false).source).toBe('[^\\n]*?');
    expect(shellPatternToRegExp('?', true, true).source).toBe('^[^\\n]');
    expect(shellPatternToRegExp('\\*', true, true).source).toBe('^\\*');
    expect(shellPatternToRegExp('(()[]{\\}^$.\\*\\?|\\\\', true, true).source).toBe(
      '^\\(\\(\\)\\[\\]\\{\\}\\^\\$\\.\\*\\?\\|\\\\',
    );
  });
  it.each(['\\', '\\x', '\\\\\\'])('rejects %s', (p) => {
    expect(() => shellPatternToRegExp(p, true, true)).toThrow(PatternError);
  });
  it('reverses strings by code point and patterns keeping escapes', () => {
    expect(reverseString('🖖🚀👽')).toBe('👽🚀🖖');
    expect(reversePattern('a\\*c')).toBe('c\\*a');
    expect(reversePattern('\\\\\\ab')).toBe('b\\a\\\\');
    expect(reversePattern('ab\\')).toBe('\\ba');
    expect(reversePattern('👽\\🚀🖖')).toBe('🖖\\🚀👽');
    expect(reversePattern('\\\\b')).toBe('b\\\\');
  });
});

describe('goQuote', () => {
  it('matches strconv.Quote', () => {
    expect(goQuote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(goQuote('\x07\x00\x7f\n')).toBe('"\\a\\x00\\x7f\\n"');
    expect(goQuote('한국어 é')).toBe('"한국어 é"');
    expect(goQuote('\u00ad\u2028')).toBe('"\\u00ad\\u2028"');
    expect(goQuote('\u{e0001}')).toBe('"\\U000e0001"');
  });
});
