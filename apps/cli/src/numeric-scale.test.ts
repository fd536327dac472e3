// CSV number columns (`NAME:num`) are min-max scaled by default: raw prices in the thousands make FM's SGD diverge.
// Checked against the definition computed here from the file, at train and at eval time (the saved encoder's
// scaling applies to a test file whose prices lie outside the training range).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInput } from './inputs.js';
import { loadModelBundle } from './model-store.js';
import { removeTempDirs, runFm, tempDir, writeFiles } from './test-utils/run.js';

let dir = '';
const train: number[][] = []; // [rating, user, item, price]
const test: number[][] = [];

beforeAll(async () => {
  dir = tempDir('fm-cli-scale-');
  // a seeded LCG: ratings follow the price (above 2,500 → higher)
  let s = 7;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < 1500; i++) {
    const price = Math.round(100 + 4900 * rnd());
    train.push([price > 2500 ? 4 : 2, Math.floor(rnd() * 40), Math.floor(rnd() * 20), price]);
  }
  for (const price of [50, 2600, 9000]) test.push([price > 2500 ? 4 : 2, 1, 2, price]);
  const csv = (rows: number[][]) => ['rating,user,item,price', ...rows.map((r) => r.join(','))].join('\n') + '\n';
  writeFiles(dir, { 'train.csv': csv(train), 'test.csv': csv(test) });
});
afterAll(removeTempDirs);

describe('CSV number columns', () => {
  const cols = 'label=rating,user:cat,item:cat,price:num';

  it('are min-max scaled by default, with the training file\'s min and max also at eval time', async () => {
    const out = join(dir, 'm');
    const r = await runFm(['train', '--data', join(dir, 'train.csv'), '--columns', cols, '--model', 'fm', '--epochs', '5', '--backend', 'cpu', '--out', out, '--json']);
    expect(r.code, r.err).toBe(0);
    expect(Number.isFinite(r.json().final_loss ?? r.json().history?.at(-1)?.loss)).toBe(true);
    const prices = train.map((x) => x[3] as number);
    const lo = Math.min(...prices);
    const hi = Math.max(...prices);
    const bundle = await loadModelBundle(out);
    if (!bundle.encoder) throw new Error('no encoder saved');
    expect(bundle.encoder.fields.find((f) => f.name === 'price')).toMatchObject({ scale: 'minmax', scaleBy: { center: lo, spread: hi - lo } });
    const ds = (await loadInput(join(dir, 'test.csv'), { command: 'eval', encoder: bundle.encoder, columns: cols })).dataset;
    const price = ds.schema.fieldIndex('price');
    const got = Array.from(ds.values).filter((_, j) => ds.fields[j] === price);
    expect(got).toEqual(test.map((x) => Math.fround(((x[3] as number) - lo) / (hi - lo))));
    expect(got[2]).toBeGreaterThan(1); // not clipped
    const e = await runFm(['eval', '--model', out, '--data', join(dir, 'test.csv'), '--columns', cols, '--backend', 'cpu']);
    expect(e.code, e.err).toBe(0);
    // fm info shows it
    const info = await runFm(['info', '--model', out, '--json']);
    expect(info.json().numeric_scaling).toEqual({ price: { scale: 'minmax', center: lo, spread: hi - lo } });
    expect((await runFm(['info', '--model', out])).out).toMatch(new RegExp(`price +numeric +1 +min-max: \\(x − ${lo}\\) / ${hi - lo}`));
  }, 60_000);

  it('scale=none keeps raw values; the divergence it causes names the field', async () => {
    const r = await runFm(['train', '--data', join(dir, 'train.csv'), '--columns', `${cols},scale=none`, '--model', 'fm', '--epochs', '5', '--backend', 'cpu', '--out', join(dir, 'raw')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/the training loss became (NaN|Infinity).*scale field "price": its values reach \d+/);
  }, 60_000);

  it('scale=standard, scale=log and a bad scale= value', async () => {
    const out = join(dir, 'std');
    const r = await runFm(['train', '--data', join(dir, 'train.csv'), '--columns', `${cols},scale=standard`, '--model', 'fm', '--epochs', '2', '--backend', 'cpu', '--out', out]);
    expect(r.code, r.err).toBe(0);
    const prices = train.map((x) => x[3] as number);
    const mean = prices.reduce((a, b) => a + b, 0) / prices.length;
    const sd = Math.sqrt(prices.reduce((a, b) => a + (b - mean) ** 2, 0) / prices.length);
    const by = (await loadModelBundle(out)).encoder?.fields.find((f) => f.name === 'price')?.scaleBy;
    expect(by?.center).toBeCloseTo(mean, 6);
    expect(by?.spread).toBeCloseTo(sd, 6);
    const logOut = join(dir, 'log');
    const l = await runFm(['train', '--data', join(dir, 'train.csv'), '--columns', `${cols},scale=log`, '--model', 'fm', '--epochs', '2', '--backend', 'cpu', '--out', logOut]);
    expect(l.code, l.err).toBe(0);
    const logs = prices.map((p) => Math.log1p(p));
    expect((await loadModelBundle(logOut)).encoder?.fields.find((f) => f.name === 'price')).toMatchObject({ scale: 'log', scaleBy: { center: Math.min(...logs) } });
    expect((await runFm(['info', '--model', logOut])).out).toMatch(/price +numeric +1 +log, then min-max: \(ln\(1 \+ x\) − [\d.]+\) \/ [\d.]+/);
    const bad = await runFm(['train', '--data', join(dir, 'train.csv'), '--columns', `${cols},scale=sqrt`, '--out', join(dir, 'never')]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--columns: parseCsvSpec: "scale=sqrt": expected scale=none, scale=minmax, scale=standard, scale=log');
  }, 60_000);
});
