import { describe, expect, it } from 'vitest';
import { parseLibsvm } from '../index.js';

describe('parseLibsvm', () => {
  it('maps "label idx:val" indices through a vocabulary (one multi-hot field), values kept as given', async () => {
    const { dataset, encoder, skipped, zeroBased } = await parseLibsvm(['1 1:0.5 3:1', '0 2:1', '', '-1 1:1  2:2.5 4:-1 ']);
    expect(skipped).toBe(0);
    expect(zeroBased).toBe(false);
    // 4 distinct indices + the out-of-vocabulary bucket
    expect(dataset.schema.fields).toEqual([{ name: 'features', kind: 'multi-hot', cardinality: 5 }]);
    expect(Array.from(dataset.labels)).toEqual([1, 0, -1]);
    expect(Array.from(dataset.offsets)).toEqual([0, 2, 3, 6]);
    // index k has local id (rank of k among the indices seen) + 1: 1→1, 2→2, 3→3, 4→4
    expect(Array.from(dataset.ids)).toEqual([1, 3, 2, 1, 2, 4]);
    expect(Array.from(dataset.values)).toEqual([0.5, 1, 1, 1, 2.5, -1]);
    expect(Array.from(dataset.fields)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(encoder.vocabulary('features').keys).toEqual([1, 2, 3, 4]);
    dataset.validate();
  });

  it('memory follows the distinct indices, not the largest one (2^25 and 2^31−1 are fine)', async () => {
    const { dataset, encoder } = await parseLibsvm(['1 3:1 33554432:1', '0 2147483647:2 3:1']);
    expect(dataset.schema.numFeatures).toBe(4);
    expect(encoder.vocabulary('features').keys).toEqual([3, 33554432, 2147483647]);
    expect(Array.from(dataset.ids)).toEqual([1, 2, 3, 1]);
  });

  it('reads 0-based files with no option and reports them; zeroBased: false insists on 1-based', async () => {
    const r = await parseLibsvm(['3 0:1 7:1', '2']);
    expect(r.zeroBased).toBe(true);
    expect(Array.from(r.dataset.offsets)).toEqual([0, 2, 2]);
    expect(r.encoder.vocabulary('features').keys).toEqual([0, 7]);
    await expect(parseLibsvm(['1 0:1'], { file: 't.svm', zeroBased: false })).rejects.toThrow('t.svm:1: expected an index ≥ 1 (a 1-based file), got "0:1"');
  });

  it('encodes a test file with the training encoder: unseen indices go to the OOV bucket', async () => {
    const train = await parseLibsvm(['1 0:1 5:1', '0 1:1 6:1']);
    const test = await parseLibsvm(['1 0:1 9:1', '0 6:2'], { encoder: train.encoder });
    expect(test.dataset.schema.fieldDims).toEqual(train.dataset.schema.fieldDims);
    expect(test.encoder).toBe(train.encoder);
    expect(Array.from(test.dataset.ids)).toEqual([1, 0, 4]); // 0 → 1, 9 unseen → 0, 6 → 4
    expect(Array.from(test.dataset.values)).toEqual([1, 1, 2]);
  });

  it('names file:line and what was expected', async () => {
    const o = { file: 'train.svm' };
    await expect(parseLibsvm(['1 1:1', '1 2-1'], o)).rejects.toThrow('train.svm:2: expected an idx:val token (integer index, finite value), got "2-1"');
    await expect(parseLibsvm(['1 a:1'], o)).rejects.toThrow('train.svm:1: expected an idx:val token (integer index, finite value), got "a:1"');
    await expect(parseLibsvm(['1 3:x'], o)).rejects.toThrow('expected an idx:val token (integer index, finite value), got "3:x"');
    await expect(parseLibsvm(['1 -3:1'], o)).rejects.toThrow('train.svm:1: expected a non-negative index, got "-3:1"');
    await expect(parseLibsvm(['1:1 2:1'], o)).rejects.toThrow('train.svm:1: expected a label before the idx:val tokens, got "1:1"');
    await expect(parseLibsvm(['yes 2:1'], o)).rejects.toThrow('train.svm:1: expected a numeric label, got "yes"');
    await expect(parseLibsvm(['1 2147483648:1'], o)).rejects.toThrow('train.svm:1: expected an index within int32 range (≤ 2147483647), got "2147483648:1"');
    await expect(parseLibsvm(['1e39 2:1'], o)).rejects.toThrow('train.svm:1: expected a label within float32 range (|x| ≤ 3.4e38), got "1e39"');
    await expect(parseLibsvm(['1 2:-1e39'], o)).rejects.toThrow('train.svm:1: expected a value within float32 range (|x| ≤ 3.4e38), got "2:-1e39"');
  });

  it('skips bad lines in skip mode without leaving partial rows', async () => {
    const r = await parseLibsvm(['1 1:1', '0 2:1 bad', '1 3:1'], { skipBadLines: true });
    expect(r.skipped).toBe(1);
    expect(r.errors).toEqual(['<input>:2: expected an idx:val token (integer index, finite value), got "bad"']);
    expect(Array.from(r.dataset.ids)).toEqual([1, 2]);
    expect(Array.from(r.dataset.offsets)).toEqual([0, 1, 2]);
  });
});
