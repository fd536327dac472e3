import * as tf from '@tensorflow/tfjs';
import { defineHostOp } from './host-kernel.js';

/**
 * `n` draws of N(mean, std²), the very values `tf.randomNormal([n], mean, std, 'float32', seed)` gives, made
 * faster: building a 1M-feature FFM table at k = 16 (625M values) took ~44 s through tfjs, ~25 s with this, ~20 s
 * drawn straight into the heap ({@link randomNormalTensor}). The same algorithms in the same order, in one loop: Baagøe's Alea generator (as the seedrandom package seeds it from the seed's string, the
 * way tfjs does) and Marsaglia's polar method, keeping the second value of each pair for the next draw.
 * `seed` undefined (or 0, which tfjs treats as unset) draws a random seed, as tfjs does. Written into `out` when
 * given (its first `n` values).
 * @internal
 */
export function randomNormalValues(n: number, mean: number, std: number, seed: number | undefined, out: Float32Array = new Float32Array(n)): Float32Array {
  normalDraws(mean, std, seed)(out, 0, n);
  return out;
}

/**
 * {@link randomNormalValues} as a resumable stream: each call `draw(out, from, to)` writes the next `to − from`
 * values into `out[from, to)`, so a table can be drawn in pieces (with progress, or between which a caller yields)
 * and hold the very values one call gives.
 * @internal
 */
export function normalDraws(mean: number, std: number, seed: number | undefined): (out: Float32Array, from: number, to: number) => void {
  // Alea's state, seeded by Mash over " " three times, then minus Mash(seed) three times (Baagøe, 2010)
  let h = 0xefc8249d;
  const mash = (data: string): number => {
    for (let i = 0; i < data.length; i++) {
      h += data.charCodeAt(i);
      let x = 0.02519603282416938 * h;
      h = x >>> 0;
      x -= h;
      x *= h;
      h = x >>> 0;
      x -= h;
      h += x * 0x100000000;
    }
    return (h >>> 0) * 2.3283064365386963e-10;
  };
  const key = String(seed ? seed : Math.random());
  const state = { s0: mash(' '), s1: mash(' '), s2: mash(' '), c: 1, spare: 0, hasSpare: false };
  state.s0 -= mash(key);
  if (state.s0 < 0) state.s0 += 1;
  state.s1 -= mash(key);
  if (state.s1 < 0) state.s1 += 1;
  state.s2 -= mash(key);
  if (state.s2 < 0) state.s2 += 1;
  return (out, from, to) => {
    let i = from;
    if (state.hasSpare && i < to) {
      out[i++] = state.spare; // the second value of the last pair of the previous piece
      state.hasSpare = false;
    }
    // the state in locals while drawing (closures over mutable locals, or fields, run slower)
    let { s0, s1, s2, c } = state;
    // Alea's step, t = 2091639·s0 + c·2⁻³², written out twice per attempt
    for (; i < to; i += 2) {
      let v1 = 0;
      let v2 = 0;
      let s = 0;
      do {
        let t = 2091639 * s0 + c * 2.3283064365386963e-10;
        s0 = s1;
        s1 = s2;
        c = t | 0;
        s2 = t - c;
        v1 = 2 * s2 - 1;
        t = 2091639 * s0 + c * 2.3283064365386963e-10;
        s0 = s1;
        s1 = s2;
        c = t | 0;
        s2 = t - c;
        v2 = 2 * s2 - 1;
        s = v1 * v1 + v2 * v2;
      } while (s >= 1 || s === 0);
      const mul = Math.sqrt((-2.0 * Math.log(s)) / s);
      out[i] = mean + std * v1 * mul;
      if (i + 1 < to) out[i + 1] = mean + std * v2 * mul;
      else {
        state.spare = mean + std * v2 * mul;
        state.hasSpare = true;
      }
    }
    Object.assign(state, { s0, s1, s2, c });
  };
}

/** The draws as a kernel on wasm and cpu: written straight into the output's memory (the wasm heap there). */
const randomNormalOp = defineHostOp({
  name: 'FmRandomNormal',
  inputs: [],
  outputShape: (_shapes, a) => [a['size'] as number],
  run: (_values, _shapes, out, a) => void randomNormalValues(out.length, a['mean'] as number, a['std'] as number, a['seed'] || undefined, out),
  grads: {},
});

/**
 * A `dims`-shaped tensor of {@link randomNormalValues}: on wasm drawn straight into the tensor's heap memory
 * (a 2.5 GB table is not first built in JavaScript and then copied over), elsewhere through a JavaScript array.
 * @internal
 */
export function randomNormalTensor(dims: readonly number[], mean: number, std: number, seed: number | undefined): tf.Tensor {
  const size = dims.reduce((a, b) => a * b, 1);
  return tf.tidy(() => randomNormalOp({}, () => tf.tensor(randomNormalValues(size, mean, std, seed)), { size, mean, std, seed: seed ?? 0 }).reshape([...dims]));
}
