import { describe, expect, it } from 'vitest';
import { parseLibsvm } from '../index.js';

describe('parseLibsvm', () => {
  it('parses 1-based "label idx:val" lines into one multi-hot field, values kept as given', async () => {
    const { dataset, skipped } = await parseLibsvm(['1 1:0.5 3:1', '0 2:1', '', '-1 1:1  2:2.5 4:-1 ']);
    expect(skipped).toBe(0);
    expect(dataset.schema.fields).toEqual([{ name: 'features', kind: 'multi-hot', cardinality: 4 }]);
    expect(Array.from(dataset.labels)).toEqual([1, 0, -1]);
    expect(Array.from(dataset.offsets)).toEqual([0, 2, 3, 6]);
    expect(Array.from(dataset.ids)).toEqual([0, 2, 1, 0, 1, 3]);
    expect(Array.from(dataset.values)).toEqual([0.5, 1, 1, 1, 2.5, -1]);
    expect(Array.from(dataset.fields)).toEqual([0, 0, 0, 0, 0, 0]);
    dataset.validate();
  });

  it('supports 0-based files, numFeatures and label-only rows', async () => {
    const { dataset } = await parseLibsvm(['3 0:1', '2'], { zeroBased: true, numFeatures: 10 });
    expect(dataset.schema.numFeatures).toBe(10);
    expect(Array.from(dataset.offsets)).toEqual([0, 1, 1]);
    expect(Array.from(dataset.ids)).toEqual([0]);
  });

  it('names file:line and what was expected', async () => {
    const o = { file: 'train.svm' };
    await expect(parseLibsvm(['1 1:1', '1 2-1'], o)).rejects.toThrow('train.svm:2: expected an idx:val token (integer index, finite value), got "2-1"');
    await expect(parseLibsvm(['1 a:1'], o)).rejects.toThrow('train.svm:1: expected an idx:val token (integer index, finite value), got "a:1"');
    await expect(parseLibsvm(['1 3:x'], o)).rejects.toThrow('expected an idx:val token (integer index, finite value), got "3:x"');
    await expect(parseLibsvm(['1 -3:1'], o)).rejects.toThrow('train.svm:1: expected an index ≥ 1 (1-based; pass zeroBased for 0-based files), got "-3:1"');
    await expect(parseLibsvm(['1 0:1'], o)).rejects.toThrow('expected an index ≥ 1 (1-based; pass zeroBased for 0-based files), got "0:1"');
    await expect(parseLibsvm(['1 -3:1'], { ...o, zeroBased: true })).rejects.toThrow('train.svm:1: expected a non-negative index, got "-3:1"');
    await expect(parseLibsvm(['1:1 2:1'], o)).rejects.toThrow('train.svm:1: expected a label before the idx:val tokens, got "1:1"');
    await expect(parseLibsvm(['yes 2:1'], o)).rejects.toThrow('train.svm:1: expected a numeric label, got "yes"');
    await expect(parseLibsvm(['1 5:1'], { ...o, numFeatures: 4 })).rejects.toThrow('train.svm:1: expected an index below 5 (numFeatures 4), got "5:1"');
  });

  it('skips bad lines in skip mode without leaving partial rows', async () => {
    const r = await parseLibsvm(['1 1:1', '0 2:1 bad', '1 3:1'], { skipBadLines: true });
    expect(r.skipped).toBe(1);
    expect(r.errors).toEqual(['<input>:2: expected an idx:val token (integer index, finite value), got "bad"']);
    expect(Array.from(r.dataset.ids)).toEqual([0, 2]);
    expect(Array.from(r.dataset.offsets)).toEqual([0, 1, 2]);
  });
});
