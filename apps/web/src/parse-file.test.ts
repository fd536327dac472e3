import { describe, expect, it } from 'vitest';
import { detectFormat, parseFiles, toFailure } from './parse-file.js';

const file = (name: string, text: string): { name: string; bytes: ArrayBuffer } => ({
  name,
  bytes: new TextEncoder().encode(text).buffer as ArrayBuffer,
});

describe('detectFormat', () => {
  it('uses the file name first', () => {
    expect(detectFormat('ml-100k/u.data', '')).toBe('u.data');
    expect(detectFormat('ua.base', '')).toBe('u.data');
    expect(detectFormat('u1.test', '')).toBe('u.data');
    expect(detectFormat('ratings.dat', '')).toBe('ratings.dat');
    expect(detectFormat('RATINGS.CSV', '')).toBe('ratings.csv');
    expect(detectFormat('u.item', '')).toBe('u.item');
    expect(detectFormat('train.libfm', '')).toBe('libfm');
  });
  it('falls back to the first line', () => {
    expect(detectFormat('x.txt', '1\t2\t3\t4')).toBe('u.data');
    expect(detectFormat('x.txt', '1::2::3::4')).toBe('ratings.dat');
    expect(detectFormat('x.txt', 'userId,movieId,rating,timestamp')).toBe('ratings.csv');
    expect(detectFormat('x.txt', '1 3:1 7:0.5')).toBe('libfm');
    expect(() => detectFormat('x.txt', 'hello world')).toThrow(/x\.txt: cannot tell the format/);
  });
});

describe('parseFiles', () => {
  it('parses u.data rows into interactions', async () => {
    const r = await parseFiles([file('u.data', '1\t10\t5\t100\n2\t10\t3\t101\r\n2\t11\t4\t102\n\n')]);
    expect(r.kind).toBe('interactions');
    if (r.kind !== 'interactions') return;
    expect(Array.from(r.interactions.user)).toEqual([1, 2, 2]);
    expect(Array.from(r.interactions.item)).toEqual([10, 10, 11]);
    expect(Array.from(r.interactions.rating)).toEqual([5, 3, 4]);
    expect(Array.from(r.interactions.timestamp)).toEqual([100, 101, 102]);
  });

  it('parses a libFM file into a sparse dataset (indices mapped through a vocabulary, so 0-based files work)', async () => {
    const r = await parseFiles([file('a.libfm', '1 0:1 3:0.5\n0 2:1\n')]);
    expect(r.kind).toBe('dataset');
    if (r.kind !== 'dataset') return;
    expect(Array.from(r.labels)).toEqual([1, 0]);
    expect(Array.from(r.offsets)).toEqual([0, 2, 3]);
    expect(Array.from(r.ids)).toEqual([1, 3, 2]); // indices 0, 2, 3 → local ids 1, 2, 3 (0 is the OOV bucket)
    expect(Array.from(r.values)).toEqual([1, 0.5, 1]);
  });

  it('reports a malformed line with its file and line number', async () => {
    const e = await parseFiles([file('bad.data', '1\t1\t5\t1\n1\t2\t3\t2\n2\t1\tfour\t3\n')]).catch((x: unknown) => x);
    const f = toFailure(e);
    expect(f.file).toBe('bad.data');
    expect(f.line).toBe(3);
    expect(f.message).toMatch(/^bad\.data:3: expected .*got "four"/);
  });

  it('rejects empty input and two ratings files', async () => {
    await expect(parseFiles([file('u.data', '\n\n')])).rejects.toThrow(/u\.data: the file is empty/);
    await expect(parseFiles([file('u.data', '1\t1\t1\t1'), file('ratings.dat', '1::1::1::1')])).rejects.toThrow(/two ratings files/);
  });
});
