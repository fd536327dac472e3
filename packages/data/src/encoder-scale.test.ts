import { describe, expect, it } from 'vitest';
import { csvFieldConfigs, Encoder, EncoderFitter, parseCsvSpec, type FieldConfig, type Frame, type SparseDataset } from './index.js';

/** The value each row stores for field `name` (one numeric entry per row). */
function valuesOf(ds: SparseDataset, name: string): number[] {
  const f = ds.schema.fieldIndex(name);
  return Array.from(ds.values).filter((_, j) => ds.fields[j] === f);
}

const ages = [23, 61, 35, 18, 47, 35, 29];
const train: Frame = { length: ages.length, columns: { user: ages.map((_, i) => `u${i % 3}`), age: Float64Array.from(ages) } };
const test: Frame = { length: 3, columns: { user: ['u0', 'u1', 'u9'], age: Float64Array.from([10, 35, 80]) } };
const fields = (scale?: FieldConfig['scale']): FieldConfig[] => [
  { name: 'user', kind: 'categorical' },
  { name: 'age', kind: 'numeric', ...(scale ? { scale } : {}) },
];

// the definitions, computed here independently of the encoder
const min = Math.min(...ages);
const max = Math.max(...ages);
const mean = ages.reduce((a, b) => a + b, 0) / ages.length;
const sd = Math.sqrt(ages.reduce((a, b) => a + (b - mean) ** 2, 0) / ages.length);

describe('numeric field scaling', () => {
  it('minmax maps the fitted rows to [0, 1]; later rows use the same min and max, unclipped', () => {
    const enc = Encoder.fit(train, fields('minmax'));
    expect(enc.fields[1]?.scaleBy).toEqual({ center: min, spread: max - min });
    expect(valuesOf(enc.transform(train, new Float32Array(7)), 'age')).toEqual(ages.map((a) => Math.fround((a - min) / (max - min))));
    expect(valuesOf(enc.transform(test, new Float32Array(3)), 'age')).toEqual([10, 35, 80].map((a) => Math.fround((a - min) / (max - min))));
  });

  it('standard subtracts the mean and divides by the (population) standard deviation', () => {
    const enc = Encoder.fit(train, fields('standard'));
    const by = enc.fields[1]?.scaleBy as { center: number; spread: number };
    expect(by.center).toBeCloseTo(mean, 12);
    expect(by.spread).toBeCloseTo(sd, 12);
    const got = valuesOf(enc.transform(test, new Float32Array(3)), 'age');
    [10, 35, 80].forEach((a, i) => expect(got[i]).toBeCloseTo((a - mean) / sd, 6));
  });

  it('none (the default of FieldConfig) keeps raw values; a constant column gets spread 1', () => {
    for (const scale of [undefined, 'none'] as const) {
      const enc = Encoder.fit(train, fields(scale));
      expect(enc.fields[1]?.scaleBy).toBeUndefined();
      expect(valuesOf(enc.transform(test, new Float32Array(3)), 'age')).toEqual([10, 35, 80]);
    }
    const flat: Frame = { length: 3, columns: { user: ['a', 'b', 'c'], age: Float64Array.from([5, 5, 5]) } };
    const enc = Encoder.fit(flat, fields('standard'));
    expect(enc.fields[1]?.scaleBy).toEqual({ center: 5, spread: 1 });
    expect(valuesOf(enc.transform(test, new Float32Array(3)), 'age')).toEqual([5, 30, 75]);
  });

  it('log takes sign(x)·ln(1 + |x|), then min-max over the fitted rows', () => {
    const counts = [0, 9, 99, 999, 9999, -9];
    const frame: Frame = { length: counts.length, columns: { user: counts.map(() => 'u'), age: Float64Array.from(counts) } };
    const enc = Encoder.fit(frame, fields('log'));
    const t = counts.map((c) => Math.sign(c) * Math.log(1 + Math.abs(c)));
    const lo = Math.min(...t);
    const hi = Math.max(...t);
    const by = enc.fields[1]?.scaleBy as { center: number; spread: number };
    expect(by.center).toBeCloseTo(lo, 12);
    expect(by.spread).toBeCloseTo(hi - lo, 12);
    const got = valuesOf(enc.transform(frame, new Float32Array(counts.length)), 'age');
    t.forEach((x, i) => expect(got[i]).toBeCloseTo((x - lo) / (hi - lo), 6));
    expect(Encoder.fromJSON(JSON.parse(JSON.stringify(enc.toJSON()))).transform(frame, new Float32Array(counts.length)).values).toEqual(enc.transform(frame, new Float32Array(counts.length)).values);
  });

  it('missing values (NaN) are stored as 0 and left out of the fitted scaling', () => {
    const gappy: Frame = { length: 9, columns: { user: [...(train.columns['user'] as string[]), 'u1', 'u2'], age: Float64Array.from([...ages, NaN, NaN]) } };
    for (const scale of ['minmax', 'standard'] as const) {
      const enc = Encoder.fit(gappy, fields(scale));
      expect(enc.fields[1]?.scaleBy).toEqual(Encoder.fit(train, fields(scale)).fields[1]?.scaleBy);
      expect(valuesOf(enc.transform(gappy, new Float32Array(9)), 'age').slice(7)).toEqual([0, 0]);
    }
  });

  it('fitting in chunks gives the same scaling as one frame; growing keeps it', () => {
    const part = (a: number, b: number): Frame => ({ length: b - a, columns: { user: (train.columns['user'] as string[]).slice(a, b), age: Float64Array.from(ages.slice(a, b)) } });
    for (const scale of ['minmax', 'standard'] as const) {
      const whole = Encoder.fit(train, fields(scale));
      const chunked = new EncoderFitter(fields(scale)).add(part(0, 2)).add(part(2, 3)).add(part(3, 7)).finish();
      expect(chunked.toJSON()).toEqual(whole.toJSON());
      const grown = whole.grow(test);
      expect(grown.fields[1]?.scaleBy).toEqual(whole.fields[1]?.scaleBy);
      expect(grown.vocabulary('user').size).toBe(whole.vocabulary('user').size + 1);
    }
  });

  it('survives toJSON / fromJSON, and a saved encoder without a scaling reads as raw', () => {
    const enc = Encoder.fit(train, fields('minmax'));
    const json = JSON.parse(JSON.stringify(enc.toJSON()));
    expect(json.fields[1]).toMatchObject({ scale: 'minmax', scaleBy: { center: min, spread: max - min } });
    const back = Encoder.fromJSON(json);
    expect(Array.from(back.transform(test, new Float32Array(3)).values)).toEqual(Array.from(enc.transform(test, new Float32Array(3)).values));
    const old = structuredClone(json);
    delete old.fields[1].scale;
    delete old.fields[1].scaleBy;
    expect(valuesOf(Encoder.fromJSON(old).transform(test, new Float32Array(3)), 'age')).toEqual([10, 35, 80]);
    delete json.fields[1].scaleBy;
    expect(() => Encoder.fromJSON(json)).toThrow('field 1 ("age"): scale "minmax" needs its fitted "scaleBy"');
  });

  it('rejects a scaling on a non-numeric field, an unknown one, and a zero spread, naming the field', () => {
    expect(() => Encoder.fit(train, [{ name: 'user', kind: 'categorical', scale: 'minmax' }, { name: 'age', kind: 'numeric' }])).toThrow(
      'field "user" is categorical; scale and scaleBy apply to numeric fields',
    );
    expect(() => Encoder.fit(train, [{ name: 'age', kind: 'numeric', scale: 'sqrt' as never }])).toThrow('field "age" scale must be "none", "minmax", "standard", "log", got "sqrt"');
    expect(() => Encoder.fit(train, [{ name: 'age', kind: 'numeric', scaleBy: { center: 1, spread: 0 } }])).toThrow('field "age" scaleBy must be');
    expect(() => Encoder.fit(train, [{ name: 'age', kind: 'numeric', scale: 'none', scaleBy: { center: 1, spread: 2 } }])).toThrow('field "age" has scale "none" and a scaleBy; drop one');
    // a given scaleBy is used as is (no fitting)
    const fixed = Encoder.fit(train, [{ name: 'age', kind: 'numeric', scale: 'minmax', scaleBy: { center: 10, spread: 2 } }]);
    expect(valuesOf(fixed.transform(test, new Float32Array(3)), 'age')).toEqual([0, 12.5, 35]);
  });
});

describe('CSV specs: scale=', () => {
  it('num columns are min-max scaled unless the spec says otherwise', () => {
    expect(csvFieldConfigs(parseCsvSpec('label=y,user:cat,age:num'))).toEqual([
      { name: 'user', kind: 'categorical' },
      { name: 'age', kind: 'numeric', scale: 'minmax' },
    ]);
    expect(parseCsvSpec('label=y,age:num,scale=standard').scale).toBe('standard');
    expect(csvFieldConfigs(parseCsvSpec('label=y,age:num,scale=none'))).toEqual([{ name: 'age', kind: 'numeric', scale: 'none' }]);
    expect(parseCsvSpec('label=y,age:num,scale=log').scale).toBe('log');
    expect(() => parseCsvSpec('label=y,age:num,scale=sqrt')).toThrow('"scale=sqrt": expected scale=none, scale=minmax, scale=standard, scale=log');
  });
});
