import { describe, expect, it } from 'vitest';
import { Encoder, type FieldConfig, type Frame, type MultiHotColumn, type SparseDataset } from './index.js';

/** Brute-force reference: the dense feature vector of row r, built independently from the frame. */
function referenceRow(frame: Frame, fields: FieldConfig[], fitFrame: Frame, r: number): Map<number, number> {
  const out = new Map<number, number>();
  let offset = 0;
  for (const f of fields) {
    const col = frame.columns[f.column ?? f.name];
    const fitCol = fitFrame.columns[f.column ?? f.name];
    if (f.kind === 'numeric') {
      out.set(offset, Number((col as ArrayLike<number>)[r]));
      offset += 1;
      continue;
    }
    const allKeys: (string | number)[] =
      f.kind === 'multi-hot' ? (fitCol as MultiHotColumn).tokens : Array.from(fitCol as ArrayLike<string | number>);
    const counts = new Map<string | number, number>();
    for (const k of allKeys) counts.set(k, (counts.get(k) ?? 0) + 1);
    const vocab = [...counts].filter(([, c]) => c >= (f.minCount ?? 1)).map(([k]) => k);
    vocab.sort((a, b) => (typeof a === typeof b ? (a < b ? -1 : a > b ? 1 : 0) : typeof a === 'number' ? -1 : 1));
    const idOf = (k: string | number) => offset + vocab.indexOf(k) + 1; // indexOf -1 → OOV (offset + 0)
    if (f.kind === 'categorical') {
      out.set(idOf((col as ArrayLike<string | number>)[r] as string | number), 1);
    } else {
      const m = col as MultiHotColumn;
      const toks = m.tokens.slice(m.offsets[r], m.offsets[r + 1]);
      const ws = toks.map((_, j) => (m.weights ? (m.weights[(m.offsets[r] as number) + j] as number) : 1));
      const total = ws.reduce((a, b) => a + b, 0);
      toks.forEach((t, j) => {
        const id = idOf(t);
        const w = (ws[j] as number) / (f.normalize === false ? 1 : total);
        out.set(id, (out.get(id) ?? 0) + w);
      });
    }
    offset += vocab.length + 1;
  }
  return out;
}

function rowMap(ds: SparseDataset, r: number): Map<number, number> {
  const m = new Map<number, number>();
  const ids = ds.rowIds(r);
  const vs = ds.rowValues(r);
  ids.forEach((id, j) => m.set(id, vs[j] as number));
  return m;
}

const frame: Frame = {
  length: 5,
  columns: {
    user: Int32Array.from([7, 3, 7, 9, 3]),
    city: ['paris', 'oslo', 'paris', 'rome', 'paris'],
    age: Float32Array.from([20, 31.5, 20, 44, 31.5]),
    tags: { kind: 'multi-hot', offsets: Int32Array.from([0, 2, 3, 3, 6, 8]), tokens: ['a', 'b', 'a', 'c', 'a', 'c', 'b', 'b'] },
    y: Float64Array.from([1, 0, 1, 1, 0]),
  },
};
const fields: FieldConfig[] = [
  { name: 'user', kind: 'categorical' },
  { name: 'city', kind: 'categorical', minCount: 2 },
  { name: 'age', kind: 'numeric' },
  { name: 'tags', kind: 'multi-hot' },
];

describe('Encoder', () => {
  it('fits sorted vocabularies with an OOV bucket at local id 0', () => {
    const enc = Encoder.fit(frame, fields);
    expect(enc.schema.fieldDims).toEqual([3 + 1, 1 + 1, 1, 3 + 1]);
    expect(enc.vocabulary('user').keys).toEqual([3, 7, 9]);
    // minCount 2: "oslo" and "rome" seen once go to OOV
    expect(enc.vocabulary('city').keys).toEqual(['paris']);
    expect(enc.encode('user', 3)).toBe(1);
    expect(enc.encode('user', 9)).toBe(3);
    expect(enc.encode('user', 4)).toBe(0);
    expect(enc.encode('user', '7')).toBe(2); // numeric string resolves to number key
    expect(enc.encode('city', 'rome')).toBe(4); // OOV bucket of city
    expect(enc.encode('age', 99)).toBe(6);
    expect(enc.decode('user', 2)).toBe(7);
    expect(enc.decode('city', 4)).toBeUndefined();
    expect(enc.decode('tags', 7 + 3)).toBe('c');
    expect(() => enc.decode('user', 4)).toThrow('id 4 is not in field "user" (ids [0, 4))');
  });

  it('transforms rows to match a brute-force dense encoding; multi-hot weights sum to 1', () => {
    const enc = Encoder.fit(frame, fields);
    const ds = enc.transform(frame, 'y', { keepColumns: ['user'] });
    expect(ds.numRows).toBe(5);
    expect(Array.from(ds.labels)).toEqual([1, 0, 1, 1, 0]);
    for (let r = 0; r < 5; r++) {
      const want = referenceRow(frame, fields, frame, r);
      const got = rowMap(ds, r);
      expect([...got.keys()].sort((a, b) => a - b)).toEqual([...want.keys()].sort((a, b) => a - b));
      for (const [id, v] of want) expect(got.get(id)).toBeCloseTo(v, 6);
    }
    // row 0: tags {a, b} → 1/2 each; row 3: {a: 1/3, c: 2/3}; row 2: no tags
    const tagsOffset = enc.schema.offsets[3] as number;
    expect(rowMap(ds, 3).get(tagsOffset + 3)).toBeCloseTo(2 / 3, 6);
    expect(ds.rowIds(2).length).toBe(3);
    for (let r = 0; r < 5; r++) {
      let s = 0;
      ds.rowIds(r).forEach((id, j) => {
        if (enc.schema.fieldOf(id) === 3) s += ds.rowValues(r)[j] as number;
      });
      if (r !== 2) expect(s).toBeCloseTo(1, 6);
    }
    expect(Array.from(ds.fields.subarray(0, 5))).toEqual([0, 1, 2, 3, 3]);
    expect(Array.from(ds.columns.user ?? [])).toEqual([7, 3, 7, 9, 3]);
    ds.validate();
  });

  it('sends keys unseen at fit time to the OOV bucket when transforming new data', () => {
    const enc = Encoder.fit(frame, fields);
    const test: Frame = {
      length: 2,
      columns: {
        user: Int32Array.from([9, 42]),
        city: ['oslo', 'paris'],
        age: Float32Array.from([50, 60]),
        tags: { kind: 'multi-hot', offsets: Int32Array.from([0, 2, 3]), tokens: ['zz', 'yy', 'a'] },
      },
    };
    const ds = enc.transform(test, Float32Array.from([0, 1]));
    for (let r = 0; r < 2; r++) {
      const want = referenceRow(test, fields, frame, r);
      const got = rowMap(ds, r);
      expect(got.size).toBe(want.size);
      for (const [id, v] of want) expect(got.get(id)).toBeCloseTo(v, 6);
    }
    // two unseen tags merge into one OOV feature with weight 1
    expect(rowMap(ds, 0).get(7)).toBe(1);
    expect(rowMap(ds, 1).get(0)).toBe(1); // user 42 → OOV
  });

  it('keeps weights as given with normalize: false and merges duplicate tokens', () => {
    const f: Frame = {
      length: 1,
      columns: { t: { kind: 'multi-hot', offsets: Int32Array.from([0, 3]), tokens: [5, 2, 5], weights: Float32Array.from([2, 0.5, 1]) } },
    };
    const enc = Encoder.fit(f, [{ name: 't', kind: 'multi-hot', normalize: false }]);
    const ds = enc.transform(f, Float32Array.from([1]));
    expect(Array.from(ds.rowIds(0))).toEqual([1, 2]);
    expect(Array.from(ds.rowValues(0))).toEqual([0.5, 3]);
  });

  it("scales rows to unit length with normalize: 'l2' (after merging duplicates) and keeps it through JSON", () => {
    const f: Frame = {
      length: 2,
      columns: { t: { kind: 'multi-hot', offsets: Int32Array.from([0, 3, 5]), tokens: [5, 2, 5, 7, 9], weights: Float32Array.from([1, 4, 2, 1, 1]) } },
    };
    const enc = Encoder.fit(f, [{ name: 't', kind: 'multi-hot', normalize: 'l2' }]);
    const ds = enc.transform(f, Float32Array.from([1, 0]));
    // row 0: token 2 → 4, token 5 → 1 + 2 = 3: length 5 → 0.8, 0.6; row 1: two unit weights → 1/√2 each
    expect(Array.from(ds.rowIds(0))).toEqual([1, 2]);
    expect(Array.from(ds.rowValues(0))).toEqual([Math.fround(0.8), Math.fround(0.6)]);
    expect(Array.from(ds.rowValues(1))).toEqual([Math.fround(Math.SQRT1_2), Math.fround(Math.SQRT1_2)]);
    const back = Encoder.fromJSON(JSON.parse(JSON.stringify(enc.toJSON())));
    expect(Array.from(back.transform(f, Float32Array.from([1, 0])).values)).toEqual(Array.from(ds.values));
    const bad = { ...enc.toJSON(), fields: enc.toJSON().fields.map((x) => ({ ...x, normalize: 'l1' })) };
    expect(() => Encoder.fromJSON(bad)).toThrow('field "t" normalize must be true, false or "l2", got "l1"');
  });

  it('round-trips through JSON with identical encodings', () => {
    const enc = Encoder.fit(frame, fields);
    const back = Encoder.fromJSON(JSON.parse(JSON.stringify(enc.toJSON())));
    expect(back.schema.equals(enc.schema)).toBe(true);
    const a = enc.transform(frame, 'y');
    const b = back.transform(frame, 'y');
    expect(Array.from(b.ids)).toEqual(Array.from(a.ids));
    expect(Array.from(b.values)).toEqual(Array.from(a.values));
    expect(Array.from(b.offsets)).toEqual(Array.from(a.offsets));
    expect(back.encode('city', 'paris')).toBe(enc.encode('city', 'paris'));
    expect(back.fields).toEqual(enc.fields);
  });

  it('fromJSON rejects malformed input with a clear message', () => {
    const good = Encoder.fit(frame, fields).toJSON();
    expect(() => Encoder.fromJSON(null)).toThrow('Encoder.fromJSON: expected an object, got null');
    expect(() => Encoder.fromJSON({ ...good, format: 'x' })).toThrow('expected format "fm-encoder/1", got "x"');
    expect(() => Encoder.fromJSON({ ...good, fields: [] })).toThrow('expected a non-empty "fields" array');
    const badKeys = structuredClone(good);
    (badKeys.fields[0] as { keys?: unknown }).keys = [1, { a: 1 }];
    expect(() => Encoder.fromJSON(badKeys)).toThrow('field 0 ("user"): expected "keys" to be an array of strings and finite numbers');
    // Keys are taken in id order (grown vocabularies append keys out of sort order): [7, 3, 9] → ids 1, 2, 3.
    const reordered = structuredClone(good);
    (reordered.fields[0] as { keys?: unknown }).keys = [7, 3, 9];
    expect(Encoder.fromJSON(reordered).encode('user', 3)).toBe(2);
    const dup = structuredClone(good);
    (dup.fields[0] as { keys?: unknown }).keys = [7, 3, 7];
    expect(() => Encoder.fromJSON(dup)).toThrow('duplicate key 7');
    const badKind = structuredClone(good);
    (badKind.fields[1] as { kind: string }).kind = 'dense';
    expect(() => Encoder.fromJSON(badKind)).toThrow('field "city" has kind "dense", expected categorical | numeric | multi-hot');
  });

  it('names the field, column and row on bad frames', () => {
    expect(() => Encoder.fit(frame, [{ name: 'zip', kind: 'categorical' }])).toThrow(
      'Encoder.fit: field "zip" reads column "zip", which the frame lacks',
    );
    expect(() => Encoder.fit(frame, [{ name: 'city', kind: 'multi-hot' }])).toThrow('must be a multi-hot column, got an array of keys');
    const enc = Encoder.fit(frame, fields);
    const inf = { ...frame, columns: { ...frame.columns, age: Float32Array.from([1, Infinity, 1, 1, 1]) } };
    expect(() => enc.transform(inf, 'y')).toThrow('Encoder.transform: field "age" (column "age") row 1: expected a finite number, got Infinity');
    const text = { ...frame, columns: { ...frame.columns, age: [1, '', 1, 1, 1] } };
    expect(() => enc.transform(text, 'y')).toThrow('Encoder.transform: field "age" (column "age") row 1: expected a finite number, got ""');
    // NaN is a missing value: the feature is stored as 0 (absent from the FM terms)
    const nan = { ...frame, columns: { ...frame.columns, age: Float32Array.from([1, NaN, 1, 1, 1]) } };
    const withNaN = enc.transform(nan, 'y');
    const ageField = withNaN.schema.fieldIndex('age');
    expect(Array.from(withNaN.values).filter((_, j) => withNaN.fields[j] === ageField)).toEqual([1, 0, 1, 1, 1]);
    expect(() => enc.transform({ ...frame, columns: { ...frame.columns, y: Float32Array.from([1, NaN, 1, 1, 1]) } }, 'y')).toThrow('label column "y" row 1: expected a finite number, got NaN');
    expect(() => enc.transform(frame, 'city')).toThrow('label column "city" row 0: expected a finite number, got "paris"');
    const short = { ...frame, columns: { ...frame.columns, user: Int32Array.from([1]) } };
    expect(() => enc.transform(short, 'y')).toThrow('Frame: column "user" has 1 rows, expected 5');
  });
});
