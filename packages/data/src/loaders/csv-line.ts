/** A CSV line that cannot be split; `expected` says what was missing. @internal */
export class CsvLineError extends Error {
  constructor(readonly expected: string) {
    super(expected);
    this.name = 'CsvLineError';
  }
}

/**
 * Splits one CSV line (RFC 4180 quoting within a line: `"a, b"` and `"say ""hi"""`; a quoted field
 * may not span lines). Throws {@link CsvLineError} on an unterminated quote or text after a
 * closing quote. @internal
 */
export function splitCsvLine(line: string, delimiter = ','): string[] {
  if (line.indexOf('"') < 0) return line.split(delimiter);
  const out: string[] = [];
  const n = line.length;
  const dl = delimiter.length;
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let s = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) throw new CsvLineError(`a closing quote for the field opened at column ${i + 1}`);
        s += line.slice(j, q);
        if (line[q + 1] === '"') {
          s += '"';
          j = q + 2;
        } else {
          j = q + 1;
          break;
        }
      }
      out.push(s);
      if (j === n) return out;
      if (!line.startsWith(delimiter, j)) throw new CsvLineError(`a delimiter after the closing quote at column ${j}`);
      i = j + dl;
    } else {
      const d = line.indexOf(delimiter, i);
      if (d < 0) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, d));
      i = d + dl;
    }
    if (i === n) {
      out.push('');
      return out;
    }
  }
}
