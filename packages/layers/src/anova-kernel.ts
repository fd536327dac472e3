import * as tf from '@tensorflow/tfjs';
import { reduceSum } from './fast-ops.js';
import { defineHostOp } from './host-kernel.js';
import { inputList, scaleByValues, shapeList, type CallKwargs, type LayerArgs } from './layer-args.js';

const shape3 = (s: readonly number[] | undefined) => s as [number, number, number];

let scratch = new Float64Array(0);
/** A reusable Float64 scratch buffer of at least `n` values. */
function scratchOf(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, 2 * scratch.length));
  return scratch;
}

const anovaOp = defineHostOp({
  name: 'FmAnovaKernel',
  inputs: ['a'],
  outputShape: ([s]) => [shape3(s)[0], shape3(s)[2]],
  // out[b, c] = e_t(a[b, 0, c], …, a[b, W−1, c]), the elementary symmetric polynomial of degree t, by the
  // recurrence e_u ← e_u + a_j e_{u−1} over the slots j (exact; no power sums)
  run([a], [s], out, attrs) {
    const x = a as Float32Array;
    const [batch, width, k] = shape3(s);
    const t = attrs['degree'] as number;
    const e = scratchOf(t + 1);
    for (let b = 0; b < batch; b++) {
      for (let c = 0; c < k; c++) {
        e.fill(0, 0, t + 1);
        e[0] = 1;
        for (let j = 0, o = b * width * k + c; j < width; j++, o += k) {
          const aj = x[o] as number;
          if (aj === 0) continue;
          for (let u = t; u >= 1; u--) e[u] = (e[u] as number) + aj * (e[u - 1] as number);
        }
        out[b * k + c] = e[t] as number;
      }
    }
  },
  grads: {
    // ∂e_t/∂a_j = e_{t−1} of the other slots = Σ_u P_j[u] S_j[t−1−u], with P_j the polynomials of the slots
    // before j and S_j those after j (prefix and suffix recurrences: exact, O(W t²) per factor)
    a: {
      inputs: ['dy', 'a'],
      outputShape: ([, s]) => [...(s as number[])],
      run([dy, a], [, s], out, attrs) {
        const d = dy as Float32Array;
        const x = a as Float32Array;
        const [batch, width, k] = shape3(s);
        const t = attrs['degree'] as number;
        // suffix[j·t + u] = e_u(a_{j+1}, …, a_{W−1}) for u < t; prefix is rolled forward
        const buf = scratchOf(width * t + t);
        const prefix = buf.subarray(width * t, width * t + t);
        for (let b = 0; b < batch; b++) {
          for (let c = 0; c < k; c++) {
            const first = b * width * k + c;
            const g = d[b * k + c] as number;
            // suffix of the last slot: e_0 = 1, the rest 0
            let base = (width - 1) * t;
            buf.fill(0, base, base + t);
            buf[base] = 1;
            for (let j = width - 2; j >= 0; j--) {
              const next = (j + 1) * t;
              base = j * t;
              const aNext = x[first + (j + 1) * k] as number;
              buf[base] = 1;
              for (let u = 1; u < t; u++) buf[base + u] = (buf[next + u] as number) + aNext * (buf[next + u - 1] as number);
            }
            prefix.fill(0);
            prefix[0] = 1;
            for (let j = 0, o = first; j < width; j++, o += k) {
              base = j * t;
              let other = 0;
              for (let u = 0; u < t; u++) other += (prefix[u] as number) * (buf[base + t - 1 - u] as number);
              out[o] = g * other;
              const aj = x[o] as number;
              for (let u = t - 1; u >= 1; u--) prefix[u] = (prefix[u] as number) + aj * (prefix[u - 1] as number);
            }
          }
        }
      },
    },
  },
});

/** Options of {@link AnovaKernel}. */
export interface AnovaKernelArgs extends LayerArgs {
  /** Degree t ≥ 2 of the kernel: the interactions among t distinct slots. */
  degree: number;
  /**
   * true (default): sum over the k factors, output `[B, 1]`. false: output the per-factor kernels `[B, k]`
   * (A^t(p_s, x) for each column s of the factor table).
   */
  reduceSum?: boolean;
}

/**
 * The ANOVA kernel of degree t of a higher-order factorization machine (Blondel, Fujino, Ueda, Ishihata 2016,
 * "Higher-Order Factorization Machines", NIPS):
 * Σ_s A^t(p_s, x), A^t(p, x) = Σ_{j₁<…<j_t} Π_{l=1..t} p_{j_l} x_{j_l},
 * the sum over every set of t distinct slots of an example. Degree 2 is FM's pairwise term.
 *
 * On wasm and cpu one TypeScript kernel computes it in O(t·W·k) by the paper's dynamic programme
 * (e_u ← e_u + a_j e_{u−1} over the slots, a_j = p_j x_j; exact) and its gradient from prefix and suffix
 * polynomials in O(t²·W·k). Elsewhere it composes stock ops through the power sums D_m = Σ_j (p_j x_j)^m (Newton's
 * identities; the paper gives this form for t ≤ 3):
 * A¹ = D₁, A² = ½(D₁² − D₂), A³ = ⅙(D₁³ − 3D₁D₂ + 2D₃), and generally
 * A^t = (1/t) Σ_{m=1..t} (−1)^{m−1} A^{t−m} D_m. For large t the alternating sum loses precision in float32;
 * degrees up to about 5 are safe for factors of moderate size.
 *
 * Input: `[embeddings float32 [B, W, k], values float32 [B, W]]` (unscaled embeddings, as
 * {@link FeaturesEmbedding} returns them for ids alone). Output: `[B, 1]` (or `[B, k]` with `reduceSum: false`).
 * No weights. Padding slots (value 0) contribute nothing; a multi-hot example's slots are all distinct members
 * of the sets (the same id in two slots counts as two slots, as in FM).
 */
export class AnovaKernel extends tf.layers.Layer {
  static readonly className = 'AnovaKernel';
  readonly degree: number;
  readonly reduceSum: boolean;

  constructor(args: AnovaKernelArgs) {
    super(args);
    if (!Number.isInteger(args.degree) || args.degree < 2) {
      throw new Error(`AnovaKernel: degree must be an integer ≥ 2, got ${args.degree}`);
    }
    this.degree = args.degree;
    this.reduceSum = args.reduceSum ?? true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const [emb, values] = inputList('AnovaKernel', inputs, 2, '[embeddings, values]') as [tf.Tensor, tf.Tensor];
      const a = scaleByValues(emb, values);
      const kernel = anovaOp({ a }, () => this.composite(a), { degree: this.degree });
      return this.reduceSum ? reduceSum(kernel, -1, true) : kernel;
    });
  }

  /** The kernel through power sums and Newton's identities (stock ops): `[B, W, k]` → `[B, k]`. */
  private composite(a: tf.Tensor): tf.Tensor {
    // power sums D_m = Σ_j a_j^m, each [B, k]
    const powerSums: tf.Tensor[] = [];
    let power = a;
    for (let m = 1; m <= this.degree; m++) {
      if (m > 1) power = tf.mul(power, a);
      powerSums.push(tf.sum(power, 1));
    }
    // Newton's identities: e_t = (1/t) Σ_{m=1..t} (−1)^{m−1} e_{t−m} D_m, e_0 = 1
    const e: tf.Tensor[] = [];
    for (let t = 1; t <= this.degree; t++) {
      let acc = powerSums[t - 1] as tf.Tensor;
      if (t % 2 === 0) acc = tf.neg(acc);
      for (let m = 1; m < t; m++) {
        const term = tf.mul(e[t - m - 1] as tf.Tensor, powerSums[m - 1] as tf.Tensor);
        acc = m % 2 === 1 ? tf.add(acc, term) : tf.sub(acc, term);
      }
      e.push(t === 1 ? acc : tf.div(acc, t));
    }
    return e[this.degree - 1] as tf.Tensor;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [embShape] = shapeList('AnovaKernel', inputShape, 2, '[embeddings, values]') as [tf.Shape, tf.Shape];
    return [embShape[0] ?? null, this.reduceSum ? 1 : (embShape[2] ?? null)];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), degree: this.degree, reduceSum: this.reduceSum };
  }
}
tf.serialization.registerClass(AnovaKernel);

/** Creates an {@link AnovaKernel} layer. */
export function anovaKernel(args: AnovaKernelArgs): AnovaKernel {
  return new AnovaKernel(args);
}
