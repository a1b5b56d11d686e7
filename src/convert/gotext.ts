/**
 * Text as Go's standard library writes it, for results a Go client parses or prints verbatim:
 * `encoding/json`'s MarshalIndent and `text/tabwriter`. Pure functions.
 */

/**
 * `json.MarshalIndent(v, "", indent)`. Object keys keep insertion order (write them in the Go
 * struct's field order); `undefined` members are dropped (use them for `omitempty`); byte
 * arrays become standard base64, as Go encodes `[]byte`.
 */
export function goMarshalIndent(value: unknown, indent = '  '): string {
  const text = JSON.stringify(
    value,
    function (this: Record<string, unknown>, k: string, v: unknown) {
      // `this[k]` is the value before toJSON, which a Buffer has
      const original = this[k];
      return original instanceof Uint8Array ? Buffer.from(original).toString('base64') : v;
    },
    indent,
  );
  return goEscapes(text);
}

/** Go's string escaping differs from JSON.stringify's: HTML-safe, \u0008 and \u000c, U+FFFD for lone surrogates. */
function goEscapes(json: string): string {
  return json.replace(/"(?:[^"\\]|\\.)*"/g, (token) =>
    token
      .replace(/\\(u[0-9a-f]{4}|.)/g, (m, e: string) => {
        if (e === 'b') return '\\u0008';
        if (e === 'f') return '\\u000c';
        if (/^ud[89a-f][0-9a-f]{2}$/.test(e)) return '\\ufffd';
        return m;
      })
      .replace(/[<>&\u2028\u2029]/g, (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0')),
  );
}

/**
 * `text/tabwriter` with minwidth 0, tabwidth 0, padchar ' ' and no flags, for rows whose cells
 * were separated by '\t' and ended by '\n'. All cells but the last of a row are padded to their
 * column's width plus `padding`; the last cell is written as is. Widths count runes, as Go does.
 */
export function tabwrite(rows: readonly (readonly string[])[], padding: number): string {
  const runes = (s: string) => [...s].length;
  let out = '';
  // Go aligns a column over each run of consecutive rows that have a cell in it.
  const widthAt = (row: number, col: number): number => {
    let lo = row;
    let hi = row;
    while (lo > 0 && rows[lo - 1]!.length - 1 > col) lo--;
    while (hi < rows.length - 1 && rows[hi + 1]!.length - 1 > col) hi++;
    let w = 0;
    for (let r = lo; r <= hi; r++) w = Math.max(w, runes(rows[r]![col]!) + padding);
    return w;
  };
  rows.forEach((cells, r) => {
    cells.forEach((cell, c) => {
      out += cell;
      if (c < cells.length - 1) out += ' '.repeat(widthAt(r, c) - runes(cell));
    });
    out += '\n';
  });
  return out;
}
