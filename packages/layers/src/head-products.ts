import * as tf from '@tensorflow/tfjs';
import { batchProduct } from './batch-mat-mul.js';
import { simdStoresEveryElement, runSimdBatch } from './simd-batch-matmul.js';
import { defineHostOp } from './host-kernel.js';

type Shape = readonly number[] | undefined;
const dims = (s: Shape) => s as [number, number, number];

/** The sizes of one call: batch B, rows m, columns n of each `[m, n]` block, the heads' width H·d', and H. */
interface Sizes {
  batch: number;
  m: number;
  n: number;
  width: number;
  heads: number;
}

/** Sizes from a `[H, B, m, n]` shape, the `[·, ·, H·d']` shape of a head-columns operand and the heads attribute. */
function sizes(blocked: Shape, wide: Shape, attrs: Readonly<Record<string, number>>): Sizes {
  const [, batch, m, n] = blocked as [number, number, number, number];
  return { batch, m, n, width: dims(wide)[2], heads: attrs['heads'] as number };
}

/** abT per head: x and y are head-column operands (`[B, ·, H·d']`), out `[H, B, m, n]` gets head h in block h. */
function columnsToBlocks(x: Float32Array, y: Float32Array, out: Float32Array, z: Sizes): void {
  const dh = z.width / z.heads;
  const block = z.batch * z.m * z.n;
  for (let h = 0; h < z.heads; h++) {
    batchProduct('abT', x.subarray(h * dh), y.subarray(h * dh), out.subarray(h * block, (h + 1) * block), z.batch, z.m, z.n, dh, z.width);
  }
}

/**
 * ab or aTb per head: a is `[H, B, m, n]` (head h in block h), y and out head-column operands. Out is zeroed first
 * unless the first head ran on the d' = 16 SIMD kernels, which store every element of their block (then so do the
 * others: same views, same kernels).
 */
function blocksToColumns(kernel: 'ab' | 'aTb', a: Float32Array, y: Float32Array, out: Float32Array, z: Sizes): void {
  const dh = z.width / z.heads;
  const block = z.batch * z.m * z.n;
  const head = (h: number) => [a.subarray(h * block, (h + 1) * block), y.subarray(h * dh), out.subarray(h * dh)] as const;
  const stored = simdStoresEveryElement(dh) && runSimdBatch(kernel, ...head(0), z.batch, z.m, z.n, dh, z.width);
  if (!stored) out.fill(0);
  for (let h = stored ? 1 : 0; h < z.heads; h++) batchProduct(kernel, ...head(h), z.batch, z.m, z.n, dh, z.width);
}

const f32 = (v: Float32Array | undefined) => v as Float32Array;

// q [B, m, H·d'], k [B, n, H·d'] → scores [H, B, m, n]; ∂q[head h] = dy[h] · k[h] (ab), ∂k[h] = dy[h]ᵀ · q[h] (aTb)
const scoresOp = defineHostOp({
  name: 'FmHeadScores',
  inputs: ['q', 'k'],
  outputShape: ([sq, sk], attrs) => [attrs['heads'] as number, dims(sq)[0], dims(sq)[1], dims(sk)[1]],
  run: ([q, k], [sq, sk], out, attrs) => columnsToBlocks(f32(q), f32(k), out, sizes([attrs['heads'] as number, ...dims(sq).slice(0, 2), dims(sk)[1]], sq, attrs)),
  grads: {
    q: {
      inputs: ['dy', 'k'],
      outputShape: ([sd, sk]) => [(sd as number[])[1] as number, (sd as number[])[2] as number, dims(sk)[2]],
      run: ([dy, k], [sd, sk], out, attrs) => blocksToColumns('ab', f32(dy), f32(k), out, sizes(sd, sk, attrs)),
    },
    k: {
      inputs: ['dy', 'q'],
      outputShape: ([sd, sq]) => [dims(sq)[0], (sd as number[])[3] as number, dims(sq)[2]],
      run: ([dy, q], [sd, sq], out, attrs) => blocksToColumns('aTb', f32(dy), f32(q), out, sizes(sd, sq, attrs)),
    },
  },
});

// a [H, B, m, n], v [B, n, H·d'] → [B, m, H·d']; ∂a[h] = dy[h] · v[h]ᵀ (abT), ∂v[h] = a[h]ᵀ · dy[h] (aTb)
const valuesOp = defineHostOp({
  name: 'FmHeadValues',
  inputs: ['a', 'v'],
  outputShape: ([sa, sv]) => [(sa as number[])[1] as number, (sa as number[])[2] as number, dims(sv)[2]],
  run: ([a, v], [sa, sv], out, attrs) => blocksToColumns('ab', f32(a), f32(v), out, sizes(sa, sv, attrs)),
  grads: {
    a: {
      inputs: ['dy', 'a', 'v'],
      outputShape: ([, sa]) => [...(sa as number[])],
      run: ([dy, , v], [, sa, sv], out, attrs) => columnsToBlocks(f32(dy), f32(v), out, sizes(sa, sv, attrs)),
    },
    v: {
      inputs: ['dy', 'a', 'v'],
      outputShape: ([, , sv]) => [...(sv as number[])],
      run: ([dy, a], [, sa, sv], out, attrs) => blocksToColumns('aTb', f32(a), f32(dy), out, sizes(sa, sv, attrs)),
    },
  },
});

/** `[B, m, H·d']` → `[H·B, m, d']` (head-major), for the composite forms on other backends. */
function headMajor(x: tf.Tensor, heads: number): tf.Tensor3D {
  const [batch, m, width] = x.shape as [number, number, number];
  const split = tf.reshape(x, [batch, m, heads, width / heads]);
  return tf.reshape(tf.transpose(split, [2, 0, 1, 3]), [heads * batch, m, width / heads]) as tf.Tensor3D;
}

function checkHeads(op: string, width: number, heads: number): void {
  if (!Number.isInteger(heads) || heads < 1 || width % heads !== 0) {
    throw new Error(`${op}: ${heads} heads do not divide the ${width} columns (expected [B, ·, H·d'] with H a positive integer)`);
  }
}

/**
 * Every head's attention scores at once (Vaswani et al. 2017, "Attention Is All You Need"; AutoInt, Song et al.
 * 2019): the columns of q and k are H head blocks of d', and scores[h, b, i, j] = ⟨q[b, i, h·d' …], k[b, j, h·d'
 * …]⟩. One op for all heads: on wasm and cpu host kernels (WebAssembly SIMD on the wasm heap for d' a multiple
 * of 4) read each head's columns in place, so the heads' queries and keys come from one projection each, with no
 * slice or concat; elsewhere a reshape/transpose and a batched `tf.matMul`.
 *
 * @param q `[B, m, H·d']` queries. @param k `[B, n, H·d']` keys. @param heads H.
 * @returns `[H, B, m, n]` (head-major, so a softmax over the last axis takes one call for all heads).
 */
export function headScores(q: tf.Tensor, k: tf.Tensor, heads: number): tf.Tensor4D {
  if (q.rank !== 3 || k.rank !== 3 || q.shape[0] !== k.shape[0] || q.shape[2] !== k.shape[2]) {
    throw new Error(`headScores: q [${q.shape.join(', ')}] and k [${k.shape.join(', ')}] must be [B, m, H·d'] and [B, n, H·d']`);
  }
  checkHeads('headScores', q.shape[2] as number, heads);
  const [batch, m] = q.shape as [number, number];
  const n = k.shape[1] as number;
  const composite = () => tf.reshape(tf.matMul(headMajor(q, heads), headMajor(k, heads), false, true), [heads, batch, m, n]);
  return scoresOp({ q, k }, composite, { heads }) as tf.Tensor4D;
}

/**
 * Every head's attention-weighted values at once, heads concatenated: out[b, i, h·d' + c] = Σ_j a[h, b, i, j] ·
 * v[b, j, h·d' + c] — the counterpart of {@link headScores} (same kernels, same layouts).
 *
 * @param a `[H, B, m, n]` attention weights (e.g. a softmax of {@link headScores}). @param v `[B, n, H·d']` values.
 * @returns `[B, m, H·d']`.
 */
export function headValues(a: tf.Tensor, v: tf.Tensor): tf.Tensor3D {
  const [heads, batch, m, n] = a.shape as [number, number, number, number];
  if (a.rank !== 4 || v.rank !== 3 || v.shape[0] !== batch || v.shape[1] !== n) {
    throw new Error(`headValues: a [${a.shape.join(', ')}] and v [${v.shape.join(', ')}] must be [H, B, m, n] and [B, n, H·d']`);
  }
  const width = v.shape[2] as number;
  checkHeads('headValues', width, heads);
  const composite = () => {
    const out = tf.matMul(tf.reshape(a, [heads * batch, m, n]) as tf.Tensor3D, headMajor(v, heads)); // [H·B, m, d']
    return tf.reshape(tf.transpose(tf.reshape(out, [heads, batch, m, width / heads]), [1, 2, 0, 3]), [batch, m, width]);
  };
  return valuesOp({ a, v }, composite, { heads }) as tf.Tensor3D;
}
