import { describe, expect, it } from 'vitest';
import { Encoder, HashCollisionCounter, hashToken, murmur3, murmur3Int, parseHashBits, withHashing, type Frame } from './index.js';

describe('murmur3', () => {
  it('matches the published MurmurHash3 x86_32 test vectors (UTF-8 bytes, unsigned)', () => {
    const vectors: [string, number, number][] = [
      ['', 0, 0],
      ['', 1, 0x514e28b7],
      ['', 0xffffffff, 0x81f16f39],
      ['\0\0\0\0', 0, 0x2362f9de],
      ['aaaa', 0x9747b28c, 0x5a97808a],
      ['aaa', 0x9747b28c, 0x283e0130],
      ['aa', 0x9747b28c, 0x5d211726],
      ['a', 0x9747b28c, 0x7fa09ea6],
      ['abcd', 0x9747b28c, 0xf0478627],
      ['abc', 0x9747b28c, 0xc84a62dd],
      ['ab', 0x9747b28c, 0x74875592],
      ['Hello, world!', 0x9747b28c, 0x24884cba],
      ['ππππππππ', 0x9747b28c, 0xd58063c1],
      ['The quick brown fox jumps over the lazy dog', 0x9747b28c, 0x2fa826cd],
    ];
    for (const [text, seed, want] of vectors) expect([text, murmur3(text, seed)]).toEqual([text, want]);
  });

  it('hashes integers as their decimal text without building it; 5 and "5" share a bucket', () => {
    for (const n of [0, 1, 9, 10, 123, -7, 4096, 2147483647, -2147483648, 9007199254740991, 1e21]) {
      expect(murmur3Int(n, 42)).toBe(murmur3(String(n), 42));
    }
    expect(hashToken(5, 3)).toBe(hashToken('5', 3));
    expect(hashToken(0.5, 3)).toBe(murmur3('0.5', 3));
    // Astral characters are 4 UTF-8 bytes (surrogate pair → one code point).
    expect(murmur3('😀', 0)).toBe(murmur3('\u{1F600}', 0));
  });
});

describe('HashCollisionCounter', () => {
  const tokens = Array.from({ length: 6000 }, (_, i) => `t${(i * 7919) % 5000}`); // 5,000 distinct, repeated

  it('counts distinct tokens and occupied buckets exactly (brute-force reference)', () => {
    const bits = 12;
    const c = new HashCollisionCounter(0);
    for (const t of tokens) c.add('f', bits, hashToken(t, 99));
    const distinct = new Set(tokens);
    const buckets = new Set([...distinct].map((t) => hashToken(t, 99) % 2 ** bits));
    const r = c.report();
    expect(r.fields).toEqual([
      { field: 'f', bits, buckets: 4096, distinctTokens: 5000, occupiedBuckets: buckets.size, collidedTokens: 5000 - buckets.size, exact: true },
    ]);
    expect(r.collidedTokens).toBe(5000 - buckets.size);
    expect(r.exact).toBe(true);
  });

  it('switches to a HyperLogLog estimate past the exact limit (within 3 %)', () => {
    const c = new HashCollisionCounter(0, 100);
    const n = 50_000;
    for (let i = 0; i < n; i++) c.add('g', 20, hashToken(`k${i}`, 5));
    const r = c.report().fields[0];
    expect(r?.exact).toBe(false);
    expect(Math.abs((r?.distinctTokens ?? 0) - n) / n).toBeLessThan(0.03);
  });
});

describe('Encoder with hashed fields', () => {
  const frame: Frame = {
    length: 4,
    columns: {
      user: ['u1', 'u2', 'u1', 'u3'],
      age: Float64Array.from([20, 30, 40, 50]),
      tags: { kind: 'multi-hot', offsets: Int32Array.from([0, 2, 3, 3, 6]), tokens: ['a', 'b', 'a', 'c', 'c', 'd'] },
    },
  };
  const fields = withHashing(
    [
      { name: 'user', kind: 'categorical' },
      { name: 'age', kind: 'numeric' },
      { name: 'tags', kind: 'multi-hot', normalize: false },
    ],
    { bits: { user: 8, tags: 2 }, seed: 7 },
  );

  it('puts each token in bucket murmur3(token, murmur3(field, seed)) mod 2^bits of its field', () => {
    const enc = Encoder.fit(frame, fields);
    expect(enc.schema.fieldDims).toEqual([256, 1, 4]);
    const bucket = (field: string, bits: number, t: string) => murmur3(t, murmur3(field, 7)) % 2 ** bits;
    const ds = enc.transform(frame, Float32Array.from([1, 0, 1, 0]));
    for (let r = 0; r < 4; r++) {
      // Reference: the user bucket, the numeric id 256 with the age, then the tag buckets merged and sorted.
      const want = new Map<number, number>([[bucket('user', 8, (frame.columns.user as string[])[r] as string), 1]]);
      want.set(256, (frame.columns.age as Float64Array)[r] as number);
      const tags = frame.columns.tags as { offsets: Int32Array; tokens: string[] };
      for (let j = tags.offsets[r] as number; j < (tags.offsets[r + 1] as number); j++) {
        const id = 257 + bucket('tags', 2, tags.tokens[j] as string);
        want.set(id, (want.get(id) ?? 0) + 1);
      }
      const got = new Map<number, number>();
      ds.rowIds(r).forEach((id, j) => got.set(id, ds.rowValues(r)[j] as number));
      expect(got).toEqual(want);
      const tagIds = Array.from(ds.rowIds(r)).filter((id) => id >= 257);
      expect(tagIds).toEqual([...tagIds].sort((a, b) => a - b));
    }
    expect(enc.encode('user', 'u2')).toBe(bucket('user', 8, 'u2'));
    expect(enc.hashBits('user')).toBe(8);
    expect(enc.hashBits('age')).toBeUndefined();
    expect(() => enc.vocabulary('user')).toThrow('is hashed');
    expect(() => enc.decode('user', 3)).toThrow('is hashed');
  });

  it('round-trips through JSON (bits and seed kept) and records collisions while transforming', () => {
    const enc = Encoder.fit(frame, fields);
    const back = Encoder.fromJSON(JSON.parse(JSON.stringify(enc.toJSON())));
    const y = new Float32Array(4);
    const stats = new HashCollisionCounter(7);
    expect(back.transform(frame, y, { hashStats: stats }).ids).toEqual(enc.transform(frame, y).ids);
    const rep = stats.report();
    const tagBuckets = new Set(['a', 'b', 'c', 'd'].map((t) => murmur3(t, murmur3('tags', 7)) % 4));
    expect(rep.fields.map((f) => [f.field, f.distinctTokens, f.occupiedBuckets])).toEqual([
      ['user', 3, new Set(['u1', 'u2', 'u3'].map((t) => murmur3(t, murmur3('user', 7)) % 256)).size],
      ['tags', 4, tagBuckets.size],
    ]);
  });

  it('rejects hashing a numeric field and unknown fields', () => {
    expect(() => withHashing([{ name: 'age', kind: 'numeric' }], { bits: { age: 4 } })).toThrow('numeric and cannot be hashed');
    expect(() => withHashing([{ name: 'a', kind: 'categorical' }], { bits: { b: 4 } })).toThrow('field "b", which is not a field');
    expect(() => Encoder.fit(frame, [{ name: 'user', kind: 'categorical', hashBits: 31 }])).toThrow('hash bits must be an integer in [1, 30]');
    expect(() => Encoder.fit(frame, [{ name: 'user', kind: 'categorical', hashBits: 4, minCount: 2 }])).toThrow('minCount and maxSize');
  });
});

describe('parseHashBits', () => {
  it('reads a global or per-field flag and names bad entries', () => {
    expect(parseHashBits('20', 3)).toEqual({ bits: 20, seed: 3 });
    expect(parseHashBits('user=20, item=18')).toEqual({ bits: { user: 20, item: 18 }, seed: 0 });
    expect(() => parseHashBits('user:20')).toThrow('"user:20": expected BITS or FIELD=BITS');
    expect(() => parseHashBits('40')).toThrow('in [1, 30], got 40');
    expect(() => parseHashBits('a=3,a=4')).toThrow('field "a" is given twice');
  });
});
