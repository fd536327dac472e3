import * as tf from '@tensorflow/tfjs';
import { defineHostOp } from './host-kernel.js';
import { mayHavePadding } from './layer-args.js';
import { pairIndices } from './pair-indices.js';
import { runSimdSoftmax, runSimdSoftmaxGrad } from './simd-softmax.js';

const pairSoftmaxOp = defineHostOp({
  name: 'FmPairSoftmax',
  inputs: ['logits', 'values'],
  outputShape: ([s]) => [...(s as number[])],
  // a[b, p] = softmax over the pairs of row b whose value product is non-zero; 0 for the others (attribute `padded`:
  // 0 when no value is 0, from the values' cached facts, layer-args.ts)
  run([logits, values], [s, vs], out, attrs) {
    const l = logits as Float32Array;
    const v = values as Float32Array;
    const [batch, numPairs] = s as [number, number];
    const width = (vs as number[])[1] as number;
    // no value is 0, so no pair is masked: the plain row softmax (WebAssembly SIMD on the wasm heap)
    if (attrs['padded'] === 0 && runSimdSoftmax(l.subarray(0, batch * numPairs), out, numPairs)) return;
    for (let b = 0; b < batch; b++) {
      const row = b * numPairs;
      const vr = b * width;
      let max = -Infinity;
      for (let i = 0, p = row; i < width; i++) {
        for (let j = i + 1; j < width; j++, p++) {
          if ((v[vr + i] as number) * (v[vr + j] as number) !== 0 && (l[p] as number) > max) max = l[p] as number;
        }
      }
      let total = 0;
      for (let i = 0, p = row; i < width; i++) {
        for (let j = i + 1; j < width; j++, p++) {
          const e = (v[vr + i] as number) * (v[vr + j] as number) !== 0 ? Math.exp((l[p] as number) - max) : 0;
          out[p] = e;
          total += e;
        }
      }
      if (total > 0) for (let p = row; p < row + numPairs; p++) out[p] = (out[p] as number) / total;
    }
  },
  grads: {
    // dlogits[b, p] = a[b, p]·(dy[b, p] − Σ_q a[b, q]·dy[b, q]) (the softmax Jacobian; masked pairs have a = 0)
    logits: {
      inputs: ['dy', 'y'],
      outputShape: ([s]) => [...(s as number[])],
      run([dy, y], [s], out) {
        const d = dy as Float32Array;
        const a = y as Float32Array;
        const [batch, numPairs] = s as [number, number];
        if (runSimdSoftmaxGrad(d, a, out, numPairs)) return;
        for (let b = 0; b < batch; b++) {
          const row = b * numPairs;
          let dot = 0;
          for (let p = row; p < row + numPairs; p++) dot += (a[p] as number) * (d[p] as number);
          for (let p = row; p < row + numPairs; p++) out[p] = (a[p] as number) * ((d[p] as number) - dot);
        }
      },
    },
  },
});

/**
 * The attention weights of AFM (Xiao et al. 2017, eq. 5) with padding masked: for each row, a softmax of the pair
 * logits over the pairs i < j ({@link pairIndices} order) whose value product x_i x_j is non-zero; masked pairs get
 * weight 0, and a row with no such pair gets all zeros.
 *
 * On wasm and cpu one kernel computes it (and one its gradient with respect to the logits): WebAssembly SIMD on
 * the wasm heap (simd-softmax.ts) for the gradient, and for the softmax when no value is 0, else TypeScript; elsewhere
 * it composes stock ops (a −1e9 shift of the masked logits, softmax, mask). The values get no gradient.
 *
 * @param logits `[B, P]`, P = W(W−1)/2. @param values `[B, W]`.
 * @returns `[B, P]`.
 */
export function pairSoftmax(logits: tf.Tensor, values: tf.Tensor): tf.Tensor2D {
  const [batch, numPairs] = logits.shape as [number, number];
  const width = values.shape[1] as number;
  if (logits.rank !== 2 || values.rank !== 2 || values.shape[0] !== batch || (width * (width - 1)) / 2 !== numPairs) {
    throw new Error(`pairSoftmax: logits [${logits.shape.join(', ')}] do not match values [${values.shape.join(', ')}] (P = W(W−1)/2)`);
  }
  const vals = values.dtype === 'float32' ? values : tf.cast(values, 'float32');
  const padded = mayHavePadding(vals) ? 1 : 0;
  return pairSoftmaxOp({ logits, values: vals }, () => {
    const { rows, cols } = pairIndices(width);
    const valuesT = tf.transpose(vals);
    const products = tf.mul(tf.gather(valuesT, tf.tensor1d(rows, 'int32')), tf.gather(valuesT, tf.tensor1d(cols, 'int32')));
    const mask = tf.transpose(tf.cast(tf.notEqual(products, 0), 'float32'));
    const masked = tf.add(logits, tf.mul(tf.sub(1, mask), -1e9));
    return tf.mul(tf.softmax(masked, -1), mask);
  }, { padded }) as tf.Tensor2D;
}
