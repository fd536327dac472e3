import * as tf from '@tensorflow/tfjs';
import { defineHostOp } from './host-kernel.js';

const last = (s: readonly number[] | undefined) => (s as number[])[(s as number[]).length - 1] as number;

/** Copies `width` columns from each row of `from` (row length `fromCols`, from column `fromAt`) into `to`'s. */
function copyColumns(from: Float32Array, fromCols: number, fromAt: number, to: Float32Array, toCols: number, toAt: number, width: number, rows: number): void {
  for (let r = 0; r < rows; r++) {
    const f = r * fromCols + fromAt;
    const t = r * toCols + toAt;
    for (let c = 0; c < width; c++) to[t + c] = from[f + c] as number;
  }
}

const concatColumnsOp = defineHostOp({
  name: 'FmConcatColumns',
  inputs: ['a', 'b'],
  outputShape: ([sa, sb]) => [...(sa as number[]).slice(0, -1), last(sa) + last(sb)],
  // out[…, :] = [a[…, :], b[…, :]]
  run([a, b], [sa, sb], out) {
    const [da, db] = [last(sa), last(sb)];
    const rows = (a as Float32Array).length / da;
    copyColumns(a as Float32Array, da, 0, out, da + db, 0, da, rows);
    copyColumns(b as Float32Array, db, 0, out, da + db, da, db, rows);
  },
  grads: {
    a: {
      inputs: ['dy', 'a', 'b'],
      outputShape: ([, sa]) => [...(sa as number[])],
      run([dy], [, sa, sb], out) {
        const [da, db] = [last(sa), last(sb)];
        copyColumns(dy as Float32Array, da + db, 0, out, da, 0, da, out.length / da);
      },
    },
    b: {
      inputs: ['dy', 'a', 'b'],
      outputShape: ([, , sb]) => [...(sb as number[])],
      run([dy], [, sa, sb], out) {
        const [da, db] = [last(sa), last(sb)];
        copyColumns(dy as Float32Array, da + db, da, out, db, 0, db, out.length / db);
      },
    },
  },
});

/**
 * `tf.concat(tensors, -1)` for float32 tensors of one leading shape, whose gradient on wasm and cpu is one copy per
 * input: tfjs-wasm's concat along an inner axis and its gradient (a split) copy through JavaScript element by
 * element (AutoInt's heads, `[B, m, d']` each: ~25 ms a call at B = 2048, m = 39). Elsewhere `tf.concat`.
 *
 * @param tensors `[…, d_t]` each, same leading dimensions. @returns `[…, Σ_t d_t]`.
 */
export function concatColumns(tensors: readonly tf.Tensor[]): tf.Tensor {
  const [first, ...rest] = tensors;
  if (first === undefined) throw new Error('concatColumns: expected at least one tensor');
  const lead = first.shape.slice(0, -1).join(',');
  for (const t of tensors) {
    if (t.rank !== first.rank || t.shape.slice(0, -1).join(',') !== lead || t.dtype !== 'float32') {
      throw new Error(`concatColumns: every tensor must be float32 [${lead}, ·], got [${t.shape.join(', ')}] (${t.dtype})`);
    }
  }
  return rest.reduce((joined, t) => concatColumnsOp({ a: joined, b: t }, () => tf.concat([joined, t], -1)), first);
}
