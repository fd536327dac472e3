// Table-driven malformed and real-world input over every loader and format: each case writes its
// files, runs one fm command in-process and checks the exit code and the message (file, line or
// flag, and what was expected). Cases marked "Why" are the ones issue 11 found.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs, runFm, tempDir, writeFiles } from './test-utils/run.js';

interface Case {
  name: string;
  files: Record<string, string | Uint8Array>;
  /** Arguments; `@` is replaced by the case's folder. */
  args: string[];
  code: number;
  /** Matched against stderr (errors) or stdout+stderr. */
  message?: RegExp;
  /** Not in the output (raw control characters, say). */
  absent?: string;
}

const BOM = new Uint8Array([0xef, 0xbb, 0xbf]);
const withBom = (text: string) => new Uint8Array([...BOM, ...Buffer.from(text)]);
const ok = (extra: RegExp | undefined = undefined) => ({ code: 0, ...(extra ? { message: extra } : {}) });

const CASES: Case[] = [
  // --- empty and header-only files (Why: "Invalid typed array length: -Infinity", Arrow schema errors)
  { name: 'empty u.data', files: { 'u.data': '' }, args: ['encode', '--input', '@/u.data', '--out', '@/x.arrow'], code: 1, message: /u\.data: no data rows \(the file is empty\)/ },
  { name: 'empty libFM file', files: { 'e.libfm': '' }, args: ['encode', '--input', '@/e.libfm', '--out', '@/x.arrow'], code: 1, message: /e\.libfm: no data rows \(the file is empty\)/ },
  { name: 'empty libffm file', files: { 'e.ffm': '' }, args: ['encode', '--input', '@/e.ffm', '--out', '@/x.arrow'], code: 1, message: /e\.ffm: no data rows \(the file is empty\)/ },
  { name: 'blank lines only', files: { 'b.libfm': '\n  \n\r\n' }, args: ['encode', '--input', '@/b.libfm', '--out', '@/x.arrow'], code: 1, message: /b\.libfm: no data rows \(only blank lines or a header\)/ },
  { name: 'header-only ratings.csv', files: { 'ratings.csv': 'userId,movieId,rating,timestamp\n' }, args: ['encode', '--input', '@/ratings.csv', '--out', '@/x.arrow'], code: 1, message: /ratings\.csv: no data rows \(only blank lines or a header\)/ },
  { name: 'header-only CSV', files: { 'c.csv': 'y,a\n' }, args: ['encode', '--input', '@/c.csv', '--columns', 'label=y,a:cat', '--out', '@/x.arrow'], code: 1, message: /c\.csv: no data rows/ },
  // --- paths
  { name: 'a directory where a file is expected (Why: EISDIR without a path)', files: { 'd/x': '1 1:1\n' }, args: ['encode', '--input', '@/d', '--format', 'libfm', '--out', '@/x.arrow'], code: 1, message: /--input .*\/d: is a directory, expected a file/ },
  { name: 'a directory without MovieLens files', files: { 'd/x': '1 1:1\n' }, args: ['encode', '--input', '@/d', '--out', '@/x.arrow'], code: 1, message: /--input .*\/d: is a directory, expected a file \(or a MovieLens folder/ },
  { name: 'a missing file', files: {}, args: ['encode', '--input', '@/nope.libfm', '--out', '@/x.arrow'], code: 1, message: /--input .*nope\.libfm: no such file/ },
  { name: 'a file the name and content say nothing about', files: { 'notes.txt': 'hello world\n' }, args: ['encode', '--input', '@/notes.txt', '--out', '@/x.arrow'], code: 2, message: /cannot tell the format of .*notes\.txt from its name or its first lines; pass --format/ },
  { name: 'generate: an .arrow dataset under another name would not read back', files: {}, args: ['generate', 'toy', '--out', '@/toy.tsv'], code: 2, message: /--out .*toy\.tsv: expected a file name ending in \.arrow/ },
  { name: '--out not .arrow', files: { 'a.libfm': '1 1:1\n' }, args: ['encode', '--input', '@/a.libfm', '--out', '@/x.bin'], code: 2, message: /--out .*x\.bin: expected a file name ending in \.arrow/ },
  // --- flags
  { name: 'a negative number as a flag value (Why: "argument is ambiguous")', files: { 'u.data': '1\t1\t5\t1\n1\t2\t3\t2\n2\t1\t4\t3\n2\t2\t2\t4\n' }, args: ['split', '--input', '@/u.data', '--seed', '-1', '--train', '@/a.tsv', '--test', '@/b.tsv'], ...ok() },
  { name: 'a negative number where it is out of range', files: {}, args: ['train', '--data', 'synthetic', '--epochs', '-1', '--out', '@/m'], code: 2, message: /--epochs expects an integer ≥ 1 and ≤ 100000, got "-1"/ },
  { name: 'CSV without --columns', files: { 'c.csv': 'y,a\n1,x\n' }, args: ['encode', '--input', '@/c.csv', '--out', '@/x.arrow'], code: 2, message: /--columns is required for CSV input .*c\.csv/ },
  { name: 'a bad --columns spec', files: { 'c.csv': 'y,a\n1,x\n' }, args: ['encode', '--input', '@/c.csv', '--columns', 'label=y,a:bogus', '--out', '@/x.arrow'], code: 2, message: /--columns: .*unknown kind "bogus"/ },
  // --- MovieLens
  { name: 'a UTF-8 BOM in u.data (Why: shown as ï»¿196)', files: { 'u.data': withBom('196\t242\t3\t881250949\n186\t302\t3\t891717742\n') }, args: ['encode', '--input', '@/u.data', '--out', '@/x.arrow'], code: 0, absent: 'ï»¿' },
  { name: 'CRLF line endings', files: { 'u.data': '1\t1\t5\t1\r\n1\t2\t3\t2\r\n' }, args: ['encode', '--input', '@/u.data', '--out', '@/x.arrow'], ...ok() },
  { name: 'a rating beyond float32 range', files: { 'u.data': '1\t1\t5\t1\n1\t2\t1e39\t2\n' }, args: ['encode', '--input', '@/u.data', '--out', '@/x.arrow'], code: 1, message: /u\.data:2: expected a rating within float32 range \(\|x\| ≤ 3\.4e38\), got "1e39"/ },
  { name: 'three fields on a line', files: { 'u.data': '1\t1\t5\t1\n1\t2\t3\n' }, args: ['encode', '--input', '@/u.data', '--out', '@/x.arrow'], code: 1, message: /u\.data:2: expected 4 tab-separated fields/ },
  { name: 'a non-integer item id', files: { 'u.data': '1\tx\t5\t1\n' }, args: ['encode', '--input', '@/u.data', '--out', '@/x.arrow'], code: 1, message: /u\.data:1: expected an integer item id, got "x"/ },
  { name: '--format movielens wins over the name (Why: "expected a file named u.data")', files: { 'train.tsv': '1\t1\t5\t1\n2\t1\t3\t2\n' }, args: ['encode', '--input', '@/train.tsv', '--format', 'movielens', '--out', '@/x.arrow'], ...ok() },
  { name: 'a :: ratings file of any name, told from the content', files: { 'r.txt': '1::10::4::100\n2::10::3::101\n' }, args: ['encode', '--input', '@/r.txt', '--out', '@/x.arrow'], ...ok(/r\.txt \(movielens\)/) },
  { name: '--format movielens on libFM content', files: { 'x.tsv': '1 1:1 2:1\n' }, args: ['encode', '--input', '@/x.tsv', '--format', 'movielens', '--out', '@/x.arrow'], code: 1, message: /x\.tsv:1: expected 4 tab-separated fields/ },
  { name: 'control characters in a bad line are escaped (Why: ESC/OSC written raw)', files: { 'u.data': '1\t\u001b]0;pwned\u0007\t5\t1\n' }, args: ['encode', '--input', '@/u.data', '--out', '@/x.arrow'], code: 1, message: /u\.data:1: expected an integer item id, got "\\x1b]0;pwned\\x07"/, absent: '\u001b' },
  // --- CSV
  { name: 'a 1e39 CSV label (Why: "row 999" without file or line)', files: { 'c.csv': 'y,a\n1,x\n1e39,y\n' }, args: ['encode', '--input', '@/c.csv', '--columns', 'label=y,a:cat', '--out', '@/x.arrow'], code: 1, message: /c\.csv:3: expected a label within float32 range \(\|x\| ≤ 3\.4e38\) in column "y", got "1e39"/ },
  { name: 'a 1e39 CSV number', files: { 'c.csv': 'y,a,n\n1,x,1e39\n' }, args: ['encode', '--input', '@/c.csv', '--columns', 'label=y,a:cat,n:num', '--out', '@/x.arrow'], code: 1, message: /c\.csv:2: expected a number within float32 range .* in column "n", got "1e39"/ },
  { name: 'a CSV line with too few fields', files: { 'c.csv': 'y,a\n1\n' }, args: ['encode', '--input', '@/c.csv', '--columns', 'label=y,a:cat', '--out', '@/x.arrow'], code: 1, message: /c\.csv:2: expected 2 ,-separated fields but found 1/ },
  { name: 'a ratings.csv-like CSV of another name reads as MovieLens', files: { 'train.csv': 'userId,movieId,rating,timestamp\n1,2,3.5,100\n' }, args: ['encode', '--input', '@/train.csv', '--out', '@/x.arrow'], ...ok(/train\.csv \(movielens\)/) },
  // --- libFM / libsvm
  { name: '0-based libFM indices (Why: refused, "pass zeroBased")', files: { 'z.libfm': '1 0:1 5:1\n0 1:1 6:1\n' }, args: ['encode', '--input', '@/z.libfm', '--out', '@/x.arrow'], ...ok() },
  { name: '--zero-based is accepted', files: { 'z.libfm': '1 0:1 5:1\n' }, args: ['encode', '--input', '@/z.libfm', '--zero-based', '--out', '@/x.arrow'], ...ok() },
  { name: 'one stray index 2^31−1 (Why: "Invalid typed array length: 8589934588")', files: { 's.libfm': '1 1:1 2147483647:1\n0 2:1\n' }, args: ['encode', '--input', '@/s.libfm', '--out', '@/x.arrow'], ...ok(/4 features/) },
  { name: 'an index beyond int32', files: { 's.libfm': '1 2147483648:1\n' }, args: ['encode', '--input', '@/s.libfm', '--out', '@/x.arrow'], code: 1, message: /s\.libfm:1: expected an index within int32 range/ },
  { name: 'a libFM value beyond float32 range', files: { 'v.libfm': '1 1:1\n1 2:-1e39\n' }, args: ['encode', '--input', '@/v.libfm', '--out', '@/x.arrow'], code: 1, message: /v\.libfm:2: expected a value within float32 range .*got "2:-1e39"/ },
  { name: 'a libFM token without a colon', files: { 'b.libfm': '1 1:1\n0 7\n' }, args: ['encode', '--input', '@/b.libfm', '--out', '@/x.arrow'], code: 1, message: /b\.libfm:2: expected an idx:val token/ },
  { name: 'a libFM line without a label', files: { 'b.libfm': '1:1 2:1\n' }, args: ['encode', '--input', '@/b.libfm', '--out', '@/x.arrow'], code: 1, message: /b\.libfm:1: expected a label before the idx:val tokens/ },
  { name: 'binary bytes as libFM', files: { 'b.libfm': new Uint8Array([0x31, 0x20, 0x00, 0x01, 0x3a, 0x31, 0x0a]) }, args: ['encode', '--input', '@/b.libfm', '--out', '@/x.arrow'], code: 1, message: /b\.libfm:1: expected an idx:val token .*got "\\x00\\x01:1"/, absent: '\u0000' },
  // --- libffm
  { name: 'a libffm token with two parts', files: { 'a.ffm': '1 0:1:1\n0 1:2\n' }, args: ['encode', '--input', '@/a.ffm', '--out', '@/x.arrow'], code: 1, message: /a\.ffm:2: expected a field:idx:val token/ },
  { name: 'a libffm negative field', files: { 'a.ffm': '1 -1:1:1\n' }, args: ['encode', '--input', '@/a.ffm', '--out', '@/x.arrow'], code: 1, message: /a\.ffm:1: expected a non-negative field and index/ },
  { name: 'a libffm value beyond float32 range', files: { 'a.ffm': '1 0:1:1e40\n' }, args: ['encode', '--input', '@/a.ffm', '--out', '@/x.arrow'], code: 1, message: /a\.ffm:1: expected a value within float32 range/ },
  { name: 'libffm told from the content', files: { 'a.txt': '1 0:1:1 1:3:1\n0 0:2:1\n' }, args: ['encode', '--input', '@/a.txt', '--out', '@/x.arrow'], ...ok(/a\.txt \(libffm\)/) },
  // --- .arrow
  { name: 'a file named .arrow that is not Arrow', files: { 'bad.arrow': 'not arrow' }, args: ['split', '--input', '@/bad.arrow', '--train', '@/a.arrow', '--test', '@/b.arrow'], code: 1, message: /bad\.arrow: .*not a valid Arrow IPC file/ },
];

let root = '';
beforeAll(() => {
  root = tempDir('fm-malformed-');
});
afterAll(removeTempDirs);

describe('malformed and real-world inputs: exit code and message', () => {
  CASES.forEach((c, k) => {
    it(c.name, async () => {
      const dir = join(root, `case-${k}`);
      writeFiles(dir, { '.keep': '', ...c.files });
      const r = await runFm(c.args.map((a) => a.replace('@', dir)));
      expect(r.code, `${r.err}\n${r.out}`).toBe(c.code);
      if (c.message) expect(c.code === 0 ? r.out + r.err : r.err).toMatch(c.message);
      if (c.absent !== undefined) expect(r.out + r.err).not.toContain(c.absent);
      // a failed command writes nothing
      if (c.code !== 0) expect(readdirSync(dir).filter((f) => f.endsWith('.arrow') && !Object.keys(c.files).includes(f))).toEqual([]);
    });
  });

  it('a BOM-prefixed u.data reads its first user as 196', async () => {
    const dir = join(root, 'bom');
    writeFiles(dir, { 'u.data': withBom('196\t242\t3\t881250949\n186\t302\t3\t891717742\n') });
    const r = await runFm(['encode', '--input', join(dir, 'u.data'), '--out', join(dir, 'x.arrow'), '--json']);
    expect(r.code, r.err).toBe(0);
    expect(r.json().summary.users).toBe(2);
    const enc = await import('node:fs').then((fs) => JSON.parse(fs.readFileSync(join(dir, 'x.encoder.json'), 'utf8')));
    expect(enc.fields[0].keys).toEqual([186, 196]);
    expect(existsSync(join(dir, 'x.arrow'))).toBe(true);
  });
});
