import * as tf from '@tensorflow/tfjs';
import { defineHostOp } from './host-kernel.js';

const dims = (rowsShape: readonly number[] | undefined, attrs: Readonly<Record<string, number>>) => {
  const [batch, width, cols] = rowsShape as [number, number, number];
  const numFields = attrs['numFields'] as number;
  return { batch, width, numFields, k: cols / numFields };
};

const fieldAwarePairsOp = defineHostOp({
  name: 'FmFieldAwarePairs',
  inputs: ['rows', 'values', 'fields'],
  outputShape: ([s]) => [(s as number[])[0] as number, 1],
  // out[b] = Σ_{i<j} ⟨v_{i,f_j}, v_{j,f_i}⟩ x_i x_j with v_{i,f} = rows[b, i, f·k … f·k+k−1]
  run([rows, values, fields], [s], out, attrs) {
    const r = rows as Float32Array;
    const x = values as Float32Array;
    const f = fields as Float32Array;
    const { batch, width, numFields, k } = dims(s, attrs);
    const stride = numFields * k;
    for (let b = 0; b < batch; b++) {
      let total = 0;
      for (let i = 0; i < width; i++) {
        const xi = x[b * width + i] as number;
        if (xi === 0) continue;
        const fi = f[b * width + i] as number;
        const rowI = (b * width + i) * stride;
        for (let j = i + 1; j < width; j++) {
          const xj = x[b * width + j] as number;
          if (xj === 0) continue;
          const a = rowI + (f[b * width + j] as number) * k;
          const c = (b * width + j) * stride + fi * k;
          let dot = 0;
          for (let t = 0; t < k; t++) dot += (r[a + t] as number) * (r[c + t] as number);
          total += dot * xi * xj;
        }
      }
      out[b] = total;
    }
  },
  grads: {
    // drows[b, i, f_j, :] += dy[b] x_i x_j v_{j,f_i}; drows[b, j, f_i, :] += dy[b] x_i x_j v_{i,f_j}
    rows: {
      inputs: ['dy', 'rows', 'values', 'fields'],
      outputShape: ([, s]) => [...(s as number[])],
      run([dy, rows, values, fields], [, s], out, attrs) {
        const d = dy as Float32Array;
        const r = rows as Float32Array;
        const x = values as Float32Array;
        const f = fields as Float32Array;
        const { batch, width, numFields, k } = dims(s, attrs);
        const stride = numFields * k;
        out.fill(0);
        for (let b = 0; b < batch; b++) {
          const g = d[b] as number;
          for (let i = 0; i < width; i++) {
            const xi = x[b * width + i] as number;
            if (xi === 0 || g === 0) continue;
            const fi = f[b * width + i] as number;
            const rowI = (b * width + i) * stride;
            for (let j = i + 1; j < width; j++) {
              const xj = x[b * width + j] as number;
              if (xj === 0) continue;
              const a = rowI + (f[b * width + j] as number) * k;
              const c = (b * width + j) * stride + fi * k;
              const scale = g * xi * xj;
              for (let t = 0; t < k; t++) {
                out[a + t] = (out[a + t] as number) + scale * (r[c + t] as number);
                out[c + t] = (out[c + t] as number) + scale * (r[a + t] as number);
              }
            }
          }
        }
      },
    },
  },
});

/**
 * The pairwise term of a field-aware FM (Juan et al. 2016): `Σ_{i<j} ⟨v_{i,f_j}, v_{j,f_i}⟩ x_i x_j` per row, from
 * each slot's field-aware factors `rows` `[B, W, F·k]` (block f of slot i is v_{i,f}), its value `values` `[B, W]` and
 * its field `fields` `[B, W]` (float32 field indices). Returns `[B, 1]`.
 *
 * On wasm and cpu one TypeScript kernel computes it in O(W² k) per row, reading only the blocks a pair uses (and
 * one its gradient with respect to `rows`); `composite()` (the caller's stock-op formulation) runs elsewhere.
 * Values and fields get no gradient.
 */
export function fieldAwarePairs(rows: tf.Tensor, values: tf.Tensor, fields: tf.Tensor, numFields: number, composite: () => tf.Tensor): tf.Tensor {
  const [batch, width, cols] = rows.shape as [number, number, number];
  if (rows.rank !== 3 || cols % numFields !== 0 || values.shape[0] !== batch || values.shape[1] !== width) {
    throw new Error(`fieldAwarePairs: rows [${rows.shape.join(', ')}] and values [${values.shape.join(', ')}] do not match ${numFields} fields`);
  }
  const asFloat = (t: tf.Tensor) => (t.dtype === 'float32' ? t : tf.cast(t, 'float32'));
  return fieldAwarePairsOp({ rows: asFloat(rows), values: asFloat(values), fields: asFloat(fields) }, composite, { numFields });
}
