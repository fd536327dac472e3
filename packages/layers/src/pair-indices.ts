import * as tf from '@tensorflow/tfjs';
import { gatherRows } from './gather-rows.js';

/**
 * The P = W(W−1)/2 slot pairs i < j of a width-W example, in row-major order ((0,1), (0,2), …, (W−2,W−1)).
 * @returns `rows[p] = i`, `cols[p] = j`.
 */
export function pairIndices(width: number): { rows: Int32Array; cols: Int32Array } {
  const count = (width * (width - 1)) / 2;
  const rows = new Int32Array(count);
  const cols = new Int32Array(count);
  let p = 0;
  for (let i = 0; i < width; i++) {
    for (let j = i + 1; j < width; j++) {
      rows[p] = i;
      cols[p] = j;
      p++;
    }
  }
  return { rows, cols };
}

/**
 * Where each ordered field pair (f, g) finds its weight in a list stored once per unordered pair: the pairs
 * f ≤ g (`diagonal: true`, F(F+1)/2 of them) or f < g (`diagonal: false`, F(F−1)/2, the order of
 * {@link pairIndices}(F)), row-major.
 * @returns int `[F·F]`: entry f·F + g = entry g·F + f = the packed index of {f, g}; −1 on the diagonal when
 * `diagonal` is false.
 */
export function packedPairIndex(numFields: number, diagonal: boolean): Int32Array {
  const lookup = new Int32Array(numFields * numFields).fill(-1);
  let p = 0;
  for (let f = 0; f < numFields; f++) {
    for (let g = diagonal ? f : f + 1; g < numFields; g++) {
      lookup[f * numFields + g] = p;
      lookup[g * numFields + f] = p;
      p++;
    }
  }
  return lookup;
}

/**
 * Gathers slots along axis 1 of `x` `[B, W, ...]` with the backend-safe gradient of {@link gatherRows}.
 * @returns `[B, slots.length, ...]`.
 * @internal
 */
export function gatherSlots(x: tf.Tensor, slots: Int32Array): tf.Tensor {
  const [batch, width, ...rest] = x.shape as number[];
  const inner = rest.reduce((a, b) => a * b, 1);
  const perm = x.shape.map((_, d) => d);
  perm[0] = 1;
  perm[1] = 0;
  const bySlot = tf.reshape(tf.transpose(x, perm), [width as number, (batch as number) * inner]);
  const picked = gatherRows(bySlot as tf.Tensor2D, tf.tensor1d(slots, 'int32'));
  return tf.transpose(tf.reshape(picked, [slots.length, batch as number, ...rest]), perm);
}
