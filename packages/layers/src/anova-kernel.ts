import * as tf from '@tensorflow/tfjs';
import { inputList, shapeList, type CallKwargs, type LayerArgs } from './layer-args.js';

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
 * Computed in O(t·W·k) with no loop over the slots, through the power sums D_m = Σ_j (p_j x_j)^m (Newton's
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
      const a = tf.mul(emb, tf.expandDims(values, -1));
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
      const kernel = e[this.degree - 1] as tf.Tensor;
      return this.reduceSum ? tf.sum(kernel, -1, true) : kernel;
    });
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
