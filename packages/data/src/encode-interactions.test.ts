import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ageGroup, Encoder, encodeInteractions, selectInteractions, type Interactions, type ItemInfo, type UserInfo } from './index.js';
import { readArrow, writeArrow } from './node.js';

const x: Interactions = {
  user: Int32Array.from([5, 1, 5, 9, 1]),
  item: Int32Array.from([30, 10, 20, 10, 30]),
  rating: Float32Array.from([4, 3, 5, 1, 2]),
  timestamp: Float64Array.from([100, 101, 102, 103, 104]),
  length: 5,
};
const items = new Map<number, ItemInfo>([
  [10, { id: 10, title: 'A', genres: ['Drama'] }],
  [20, { id: 20, title: 'B', genres: ['Comedy', 'Drama'] }],
  [30, { id: 30, title: 'C', genres: [] }],
]);
const users = new Map<number, UserInfo>([
  [1, { id: 1, age: 24, gender: 'M', occupation: 'writer' }],
  [5, { id: 5, age: 40, gender: 'F', occupation: 'artist' }],
  [9, { id: 9, age: 17, gender: 'F', occupation: 'writer' }],
]);

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('encodeInteractions', () => {
  it('encodes user and item one-hot, keeping row order and side columns', () => {
    const { encoder, dataset } = encodeInteractions(x);
    expect(encoder.schema.fields.map((f) => f.name)).toEqual(['user', 'item']);
    expect(encoder.schema.fieldDims).toEqual([4, 4]); // 3 users / 3 items + OOV
    // users sorted 1, 5, 9 → 1, 2, 3; items 10, 20, 30 → 1, 2, 3 at offset 4
    expect(Array.from(dataset.ids)).toEqual([2, 4 + 3, 1, 4 + 1, 2, 4 + 2, 3, 4 + 1, 1, 4 + 3]);
    expect(Array.from(dataset.values)).toEqual(new Array(10).fill(1));
    expect(Array.from(dataset.labels)).toEqual([4, 3, 5, 1, 2]);
    expect(dataset.columns.user).toBeInstanceOf(Int32Array);
    expect(Array.from(dataset.columns.item ?? [])).toEqual([30, 10, 20, 10, 30]);
    expect(dataset.columns.timestamp).toBeInstanceOf(Float64Array);
  });

  it('adds genres, demographics and "other items rated" as in Rendle 2010 fig. 1', () => {
    const { encoder, dataset } = encodeInteractions(x, { items, users, features: ['genres', 'age', 'gender', 'occupation', 'rated'] });
    expect(encoder.schema.fields.map((f) => f.name)).toEqual(['user', 'item', 'genres', 'age', 'gender', 'occupation', 'rated']);
    // row 2: user 5, item 20 → genres {Comedy: 1/2, Drama: 1/2}; age 40 → group 35; rated of user 5 = {20, 30}
    const ids = dataset.rowIds(2);
    const vals = dataset.rowValues(2);
    const value = (field: string, raw: string | number) => {
      const j = Array.from(ids).indexOf(encoder.encode(field, raw));
      return j < 0 ? 0 : (vals[j] as number);
    };
    expect(value('genres', 'Comedy')).toBeCloseTo(0.5);
    expect(value('genres', 'Drama')).toBeCloseTo(0.5);
    expect(value('age', 35)).toBe(1);
    expect(value('gender', 'F')).toBe(1);
    expect(value('occupation', 'artist')).toBe(1);
    expect(value('rated', 20)).toBeCloseTo(0.5);
    expect(value('rated', 30)).toBeCloseTo(0.5);
    expect(value('rated', 10)).toBe(0);
    // brute force: rated of every row = distinct items of that user, weight 1/count
    for (let r = 0; r < x.length; r++) {
      const mine = new Set<number>();
      for (let s = 0; s < x.length; s++) if (x.user[s] === x.user[r]) mine.add(x.item[s] as number);
      const lo = encoder.schema.offsets[6] as number;
      const got = Array.from(dataset.rowIds(r)).filter((id) => id >= lo).map((id) => encoder.decode('rated', id));
      expect(got.sort()).toEqual([...mine].sort());
    }
    // raters: every user who rated the row's item, weight 1/count, against a brute-force scan
    const withRaters = encodeInteractions(x, { features: ['raters'] });
    for (let r = 0; r < x.length; r++) {
      const theirs = new Set<number>();
      for (let s = 0; s < x.length; s++) if (x.item[s] === x.item[r]) theirs.add(x.user[s] as number);
      const lo = withRaters.encoder.schema.offsets[2] as number;
      const ds = withRaters.dataset;
      const got = Array.from(ds.rowIds(r)).filter((id) => id >= lo).map((id) => withRaters.encoder.decode('raters', id));
      expect(got.sort()).toEqual([...theirs].sort());
      for (const v of Array.from(ds.rowValues(r)).slice(2)) expect(v).toBeCloseTo(1 / theirs.size);
    }
    // row 0's item 30 has no genres: no genre feature at all
    expect(Array.from(dataset.fields.subarray(dataset.offsets[0], dataset.offsets[1]))).not.toContain(2);
    expect(ageGroup(17)).toBe(1);
    expect(ageGroup(56)).toBe(56);
  });

  it("weights the implicit bags 1/√count with implicitNorm 'l2' (SVD++), kept by the encoder for a test log", () => {
    const { encoder, dataset } = encodeInteractions(x, { features: ['rated', 'raters'], implicitNorm: 'l2' });
    for (let r = 0; r < x.length; r++) {
      // brute force: the user's distinct items and the item's distinct users, each weighted 1/√count
      const mine = new Set<number>();
      const theirs = new Set<number>();
      for (let s = 0; s < x.length; s++) {
        if (x.user[s] === x.user[r]) mine.add(x.item[s] as number);
        if (x.item[s] === x.item[r]) theirs.add(x.user[s] as number);
      }
      const ids = Array.from(dataset.rowIds(r));
      const vals = Array.from(dataset.rowValues(r));
      for (const [field, bag] of [['rated', mine], ['raters', theirs]] as const) {
        for (const key of bag) expect(vals[ids.indexOf(encoder.encode(field, key))]).toBeCloseTo(1 / Math.sqrt(bag.size), 6);
      }
    }
    // a test log encoded with the fitted encoder gets the same weighting; a conflicting request is an error
    const train = selectInteractions(x, [0, 1, 2, 4]);
    const fitted = encodeInteractions(train, { features: ['rated'], implicitNorm: 'l2' });
    const test = encodeInteractions(selectInteractions(x, [3, 0]), { encoder: fitted.encoder, features: ['rated'], implicitFrom: train });
    // row 1 of the test log is user 5, who rated items 30 and 20 in train: 1/√2 each
    expect(Array.from(test.dataset.rowValues(1)).slice(2)).toEqual([Math.fround(Math.SQRT1_2), Math.fround(Math.SQRT1_2)]);
    expect(Encoder.fromJSON(JSON.parse(JSON.stringify(fitted.encoder.toJSON()))).fields.find((f) => f.name === 'rated')?.normalize).toBe('l2');
    expect(() => encodeInteractions(train, { encoder: fitted.encoder, features: ['rated'], implicitNorm: 'sum' })).toThrow(
      'the given encoder weights "rated" with normalize "l2", but implicitNorm "sum" was asked for',
    );
    expect(() => encodeInteractions(x, { features: ['rated'], implicitNorm: 'mean' as 'sum' })).toThrow('implicitNorm must be "sum" or "l2", got "mean"');
  });

  it('reuses a fitted encoder for a test log (unseen ids → OOV) and applies minCount', () => {
    const train = selectInteractions(x, [0, 1, 2, 4]);
    expect(Array.from(train.user)).toEqual([5, 1, 5, 1]);
    const { encoder } = encodeInteractions(train, { minCount: 2 });
    expect(encoder.vocabulary('item').keys).toEqual([30]); // 10 and 20 seen once
    const test = selectInteractions(x, [3]);
    const { dataset } = encodeInteractions(test, { encoder });
    expect(Array.from(dataset.rowIds(0))).toEqual([0, encoder.schema.offsets[1] as number]); // user 9 and item 10 both OOV
    expect(() => encodeInteractions(test, { encoder, features: ['genres'], items })).toThrow(
      'the given encoder has fields [user, item], but the requested features give [user, item, genres]',
    );
    expect(() => selectInteractions(x, [5])).toThrow('selectInteractions: row 5 (position 0) out of range [0, 5)');
  });

  it('throws on missing side information instead of filling it in', () => {
    expect(() => encodeInteractions(x, { features: ['genres'] })).toThrow('feature "genres" needs options.items');
    const partial = new Map([...users].filter(([id]) => id !== 9));
    expect(() => encodeInteractions(x, { users: partial, features: ['age'] })).toThrow(
      'encodeInteractions: user 9 (row 3) has no entry in options.users',
    );
  });

  it('round-trips through writeArrow/readArrow with equal arrays', async () => {
    const { dataset } = encodeInteractions(x, { items, users, features: ['genres', 'gender', 'rated'] });
    const dir = await mkdtemp(join(tmpdir(), 'fm-enc-'));
    dirs.push(dir);
    const path = join(dir, 'x.arrow');
    await writeArrow(path, dataset);
    const back = await readArrow(path);
    expect(back.schema.equals(dataset.schema)).toBe(true);
    expect(Array.from(back.labels)).toEqual(Array.from(dataset.labels));
    expect(Array.from(back.offsets)).toEqual(Array.from(dataset.offsets));
    expect(Array.from(back.ids)).toEqual(Array.from(dataset.ids));
    expect(Array.from(back.values)).toEqual(Array.from(dataset.values));
    expect(Array.from(back.fields)).toEqual(Array.from(dataset.fields));
    for (const k of ['user', 'item', 'timestamp']) {
      expect(Array.from(back.columns[k] ?? [])).toEqual(Array.from(dataset.columns[k] ?? [1]));
      expect(back.columns[k]?.constructor).toBe(dataset.columns[k]?.constructor);
    }
  });
});
