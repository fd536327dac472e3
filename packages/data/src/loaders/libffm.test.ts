import { describe, expect, it } from 'vitest';
import { Encoder, parseLibffm } from '../index.js';

describe('parseLibffm', () => {
  const train = ['1 0:3:1 1:7:0.5 1:9:0.5', '0 0:5:1 1:7:1', '1 0:3:1 2:1:2'];

  it('maps each field\'s indices to contiguous ids with an OOV bucket, values as given', async () => {
    const { dataset, encoder, skipped } = await parseLibffm(train);
    expect(skipped).toBe(0);
    // field 0 {3, 5} → 1, 2 (+OOV); field 1 {7, 9}; field 2 {1}
    expect(encoder.schema.fields.map((f) => [f.name, f.cardinality])).toEqual([
      ['f0', 3],
      ['f1', 3],
      ['f2', 2],
    ]);
    expect(Array.from(dataset.labels)).toEqual([1, 0, 1]);
    expect(Array.from(dataset.offsets)).toEqual([0, 3, 5, 7]);
    expect(Array.from(dataset.ids)).toEqual([1, 3 + 1, 3 + 2, 2, 3 + 1, 1, 6 + 1]);
    expect(Array.from(dataset.values)).toEqual([1, 0.5, 0.5, 1, 1, 1, 2]);
    expect(Array.from(dataset.fields)).toEqual([0, 1, 1, 0, 1, 0, 2]);
  });

  it('reuses a fitted mapping on a test file: unseen indices go to OOV, absent fields are empty', async () => {
    const { encoder } = await parseLibffm(train);
    const json = Encoder.fromJSON(JSON.parse(JSON.stringify(encoder.toJSON())));
    const { dataset } = await parseLibffm(['0 0:3:1 1:8:1', '1 0:6:1 2:1:1'], { encoder: json });
    expect(dataset.schema.equals(encoder.schema)).toBe(true);
    expect(Array.from(dataset.ids)).toEqual([1, 3 + 0, 0, 6 + 1]);
    await expect(parseLibffm(['1 4:1:1'], { encoder, file: 'te.ffm' })).rejects.toThrow(
      'te.ffm:1: expected a field the encoder knows (f0, f1, f2), got "4:1:1"',
    );
  });

  it('names file:line for malformed tokens and labels; counts skipped lines', async () => {
    const o = { file: 'tr.ffm' };
    await expect(parseLibffm(['1 0:1'], o)).rejects.toThrow('tr.ffm:1: expected a field:idx:val token (integer field and index, finite value), got "0:1"');
    await expect(parseLibffm(['1 0:-1:1'], o)).rejects.toThrow('tr.ffm:1: expected a non-negative field and index, got "0:-1:1"');
    await expect(parseLibffm(['1 0:1:NaN'], o)).rejects.toThrow('got "0:1:NaN"');
    await expect(parseLibffm(['0:1:1'], o)).rejects.toThrow('tr.ffm:1: expected a label before the field:idx:val tokens, got "0:1:1"');
    const r = await parseLibffm(['1 0:1:1', 'oops 0:2:1', '0 0:2:1'], { skipBadLines: true });
    expect(r.skipped).toBe(1);
    expect(r.errors).toEqual(['<input>:2: expected a numeric label, got "oops"']);
    expect(r.dataset.numRows).toBe(2);
  });
});
