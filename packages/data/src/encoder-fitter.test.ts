import { describe, expect, it } from 'vitest';
import { Encoder, EncoderFitter, schemaGrowthMap, type FieldConfig, type Frame } from './index.js';

const fields: FieldConfig[] = [
  { name: 'user', kind: 'categorical' },
  { name: 'age', kind: 'numeric' },
  { name: 'tags', kind: 'multi-hot' },
];

function frameOf(users: (string | number)[], tags: string[][]): Frame {
  const offsets = new Int32Array(tags.length + 1);
  tags.forEach((t, i) => (offsets[i + 1] = (offsets[i] as number) + t.length));
  return {
    length: users.length,
    columns: { user: users, age: Float64Array.from(users.map((_, i) => i)), tags: { kind: 'multi-hot', offsets, tokens: tags.flat() } },
  };
}

describe('EncoderFitter', () => {
  it('fitting frame by frame gives the encoder Encoder.fit gives on all rows', () => {
    const a = frameOf(['b', 'a', 'c'], [['x'], ['y', 'x'], []]);
    const b = frameOf(['a', 'd'], [['z'], ['x']]);
    const all = frameOf(['b', 'a', 'c', 'a', 'd'], [['x'], ['y', 'x'], [], ['z'], ['x']]);
    const cfg: FieldConfig[] = [{ name: 'user', kind: 'categorical', minCount: 2 }, fields[1] as FieldConfig, fields[2] as FieldConfig];
    const streamed = new EncoderFitter(cfg).add(a).add(b).finish();
    expect(streamed.toJSON()).toEqual(Encoder.fit(all, cfg).toJSON());
    expect(streamed.vocabulary('user').keys).toEqual(['a']); // minCount 2 over both frames
  });

  it('grows vocabularies: old ids keep their keys, new keys get ids appended at the end of each field', () => {
    const day1 = frameOf(['u2', 'u1'], [['t1'], ['t2']]);
    const day2 = frameOf(['u3', 'u1', 'u0'], [['t3', 't1'], [], ['t0']]);
    const old = Encoder.fit(day1, fields);
    const grown = old.grow(day2);
    expect(old.schema.fieldDims).toEqual([3, 1, 3]);
    expect(grown.schema.fieldDims).toEqual([5, 1, 5]);
    // Old keys keep their local ids; new ones follow in sorted order (u0 < u3, t0 < t3).
    expect(grown.vocabulary('user').keys).toEqual(['u1', 'u2', 'u0', 'u3']);
    expect(grown.vocabulary('tags').keys).toEqual(['t1', 't2', 't0', 't3']);
    // The growth map sends each old global id to the new global id of the same key.
    const map = schemaGrowthMap(old.schema, grown.schema);
    for (const [field, keys] of [
      ['user', ['u1', 'u2', 'never-seen']],
      ['tags', ['t1', 't2', 'never-seen']],
      ['age', [0]],
    ] as const) {
      for (const k of keys) expect(map[old.encode(field, k)]).toBe(grown.encode(field, k));
    }
    // Encoding the new day with the grown encoder: brute-force ids per row.
    const ds = grown.transform(day2, new Float32Array(3));
    const tagBase = grown.schema.offsets[2] as number;
    expect(Array.from(ds.rowIds(0))).toEqual([grown.encode('user', 'u3'), 5, tagBase + 1, tagBase + 4]);
    expect(Array.from(ds.rowIds(2))).toEqual([grown.encode('user', 'u0'), 5, tagBase + 3]);
    // A JSON round trip keeps the grown (unsorted) id order.
    expect(Encoder.fromJSON(JSON.parse(JSON.stringify(grown.toJSON()))).encode('user', 'u0')).toBe(3);
  });

  it('growth honours minCount (on the new data) and maxSize (in all)', () => {
    const old = Encoder.fit(frameOf(['a', 'b'], [[], []]), [{ name: 'user', kind: 'categorical', minCount: 1, maxSize: 3 }, fields[1] as FieldConfig, fields[2] as FieldConfig]);
    const grown = old.grow(frameOf(['c', 'd', 'd', 'e', 'e', 'e', 'a'], [[], [], [], [], [], [], []]));
    // Room for one more key: the most frequent new one, "e".
    expect(grown.vocabulary('user').keys).toEqual(['a', 'b', 'e']);
    const strict = Encoder.fit(frameOf(['a'], [[]]), [{ name: 'user', kind: 'categorical', minCount: 2 }, fields[1] as FieldConfig, fields[2] as FieldConfig]);
    expect(strict.vocabulary('user').keys).toEqual([]);
    expect(strict.grow(frameOf(['x', 'y', 'y'], [[], [], []])).vocabulary('user').keys).toEqual(['y']);
  });

  it('schemaGrowthMap rejects schemas that are not a growth', () => {
    const a = Encoder.fit(frameOf(['a', 'b'], [['t'], []]), fields).schema;
    const b = Encoder.fit(frameOf(['a'], [['t'], []].slice(0, 1)), fields).schema;
    expect(() => schemaGrowthMap(a, b)).toThrow('field "user" shrank from 3 to 2 ids');
  });
});
