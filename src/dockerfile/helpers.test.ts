import { describe, expect, it } from 'vitest';
import { BFlags } from './flags.js';
import { formatGoDuration, parseGoDuration, parseGoInt32 } from './gostrconv.js';
import { chompHeredocContent, heredocMarkerOf, parseHeredocMarker } from './heredoc.js';
import { levenshtein, suggest } from './suggest.js';

describe('suggest', () => {
  it('finds the nearest candidate under distance 3', () => {
    expect(suggest('chmdo', ['chown', 'chmod', 'from'])).toBe('chmod');
    expect(suggest('xyzzy', ['chown', 'chmod'])).toBeUndefined();
    expect(suggest('from', ['from', 'form'])).toBeUndefined();
    expect(suggest('RUNN', ['copy', 'run'], { caseSensitive: false })).toBe('RUN');
    expect(suggest('Runn', ['COPY', 'RUN'], { caseSensitive: false })).toBe('run');
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('🚀a', 'a')).toBe(1);
  });
});

describe('BFlags', () => {
  it('stops at -- and rejects words without --', () => {
    const f = new BFlags(['--', '--x']);
    f.parse();
    expect(() => new BFlags(['-x']).parse()).toThrow('arg should start with -- : -x');
  });
  it('keeps string defaults and list values', () => {
    const f = new BFlags(['--m=a', '--m=b']);
    const s = f.addString('s', 'def');
    const m = f.addStrings('m');
    f.parse();
    expect([s.value, s.used, m.values]).toEqual(['def', false, ['a', 'b']]);
  });
});

describe('Go number parsing', () => {
  it('parses durations like time.ParseDuration', () => {
    expect(parseGoDuration('1h2m3.5s')).toBe(3723_500_000_000n);
    expect(parseGoDuration('-1.5ms')).toBe(-1_500_000n);
    expect(parseGoDuration('0')).toBe(0n);
    expect(parseGoDuration('1µs')).toBe(1000n);
    expect(parseGoDuration('.5s')).toBe(500_000_000n);
    expect(() => parseGoDuration('')).toThrow('time: invalid duration ""');
    expect(() => parseGoDuration('1')).toThrow('time: missing unit in duration "1"');
    expect(() => parseGoDuration('1x')).toThrow('time: unknown unit "x" in duration "1x"');
    expect(() => parseGoDuration('1 s')).toThrow('time: unknown unit " s" in duration "1 s"');
    expect(() => parseGoDuration('.s')).toThrow('time: invalid duration ".s"');
    expect(() => parseGoDuration('9999999999h')).toThrow('time: invalid duration "9999999999h"');
    expect(() => parseGoDuration('1é')).toThrow('time: unknown unit "\\xc3\\xa9" in duration "1\\xc3\\xa9"');
  });
  it('prints durations like time.Duration.String', () => {
    expect(formatGoDuration(0n)).toBe('0s');
    expect(formatGoDuration(5_000_000_000n)).toBe('5s');
    expect(formatGoDuration(90_000_000_000n)).toBe('1m30s');
    expect(formatGoDuration(3723_500_000_000n)).toBe('1h2m3.5s');
    expect(formatGoDuration(3_600_000_000_000n)).toBe('1h0m0s');
    expect(formatGoDuration(1_500_000n)).toBe('1.5ms');
    expect(formatGoDuration(1_000n)).toBe('1µs');
    expect(formatGoDuration(999n)).toBe('999ns');
    expect(formatGoDuration(-1_500_000n)).toBe('-1.5ms');
    expect(formatGoDuration(1_000_000_001n)).toBe('1.000000001s');
    for (const s of ['2h45m0.5s', '100ms', '7s', '12µs']) expect(formatGoDuration(parseGoDuration(s))).toBe(s);
  });
  it('parses 32-bit integers like strconv.ParseInt', () => {
    expect(parseGoInt32('+7')).toBe(7);
    expect(() => parseGoInt32('1_0')).toThrow('strconv.ParseInt: parsing "1_0": invalid syntax');
    expect(() => parseGoInt32('2147483648')).toThrow('strconv.ParseInt: parsing "2147483648": value out of range');
  });
});

describe('heredoc markers', () => {
  it.each(['<<EOF', "<<'EOF'", '<<"EOF"', '<<-EOF', "<<-'EOF'", '<<EO"F"', '<< EOF', '<<- EOF'])('%s names EOF', (w) => {
    expect(parseHeredocMarker(w)?.name).toBe('EOF');
  });
  it.each(['', 'EOF', '<<', '<<-', '<EOF', '<<<EOF', '<<EOF sh'])('%s is no marker', (w) => {
    expect(parseHeredocMarker(w)).toBeUndefined();
  });
  it.each(["<<'EOF", '<<"EOF', "<<EOF'", '<<EOF"'])('%s cannot be lexed', (w) => {
    expect(() => parseHeredocMarker(w)).toThrow();
    expect(heredocMarkerOf(w)).toBeUndefined();
  });
  it('reads chomp and file descriptor', () => {
    expect(parseHeredocMarker('12<<-X')).toEqual({ name: 'X', expand: true, chomp: true, fileDescriptor: 12 });
  });
  it('chomps leading tabs of every line', () => {
    expect(chompHeredocContent('\thello\n\t\tworld\n  x\n')).toBe('hello\nworld\n  x\n');
    expect(chompHeredocContent('a\r\tb')).toBe('a\r\tb');
  });
});
