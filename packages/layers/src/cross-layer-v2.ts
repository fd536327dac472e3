import * as tf from '@tensorflow/tfjs';
import { addBias, denseMatMul } from './fast-ops.js';
import { crossInputDim, crossInputs, crossOutputShape } from './cross-layer.js';
import { definedEntries, glorotInit, subSeed, type CallKwargs, type LayerArgs } from './layer-args.js';

/** Options of {@link CrossLayerV2}. */
export interface CrossLayerV2Args extends LayerArgs {
  /**
   * Rank r of a low-rank kernel W = U V (U `[D, r]`, V `[r, D]`): O(D r) instead of O(D²) per example.
   * Default: undefined, a full-rank `[D, D]` kernel.
   */
  rank?: number;
  /** Seed of the kernel initialisers (Glorot uniform). Default: random. */
  seed?: number;
}

/**
 * One cross layer of DCN-V2 (Wang, Shivanna, Cheng, Jain, Lin, Hong, Chi 2021, "DCN V2: Improved Deep & Cross
 * Network and Practical Lessons for Web-scale Learning to Rank Systems", WWW, eq. 1):
 * x_{l+1} = x₀ ⊙ (W_l x_l + b_l) + x_l, with a full `[D, D]` W_l, or, with `rank`, the low-rank W_l = U_l V_l of
 * the paper's section 5 (without its mixture of experts).
 *
 * Input: `x₀` `[B, …]`, or `[x₀, x_l]` of the same flat size D; a single input is both. Output: `[B, D]`.
 * Weights (parameter group 'dense'): full rank `'cross_kernel'` `[D, D]`; low rank `'cross_u'` `[D, r]` and
 * `'cross_v'` `[r, D]`; and `'cross_bias'` `[D]` (zeros). Row-vector convention: x_l W (the paper's W x_l with
 * W transposed).
 */
export class CrossLayerV2 extends tf.layers.Layer {
  static readonly className = 'CrossLayerV2';
  readonly rank: number | undefined;
  readonly seed: number | undefined;
  private kernels: tf.LayerVariable[] = [];
  private bias: tf.LayerVariable | null = null;

  constructor(args: CrossLayerV2Args = {}) {
    super(args);
    if (args.rank !== undefined && !(Number.isInteger(args.rank) && args.rank > 0)) {
      throw new Error(`CrossLayerV2: rank must be a positive integer, got ${args.rank}`);
    }
    this.rank = args.rank;
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const dim = crossInputDim('CrossLayerV2', inputShape);
    const r = this.rank;
    this.kernels =
      r === undefined
        ? [this.addWeight('cross_kernel', [dim, dim], 'float32', glorotInit(subSeed(this.seed, 0)))]
        : [
            this.addWeight('cross_u', [dim, r], 'float32', glorotInit(subSeed(this.seed, 0))),
            this.addWeight('cross_v', [r, dim], 'float32', glorotInit(subSeed(this.seed, 1))),
          ];
    this.bias = this.addWeight('cross_bias', [dim], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const [x0, xl] = crossInputs('CrossLayerV2', inputs);
      if (this.bias === null) throw new Error(`CrossLayerV2 '${this.name}': call before build`);
      let projected: tf.Tensor2D = xl;
      for (const kernel of this.kernels) projected = denseMatMul(projected, kernel.read() as tf.Tensor2D);
      return tf.add(tf.mul(x0, addBias(projected, this.bias.read() as tf.Tensor1D)), xl);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return crossOutputShape(inputShape);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...definedEntries({ rank: this.rank, seed: this.seed }) };
  }
}
tf.serialization.registerClass(CrossLayerV2);

/** Creates a {@link CrossLayerV2}. */
export function crossLayerV2(args: CrossLayerV2Args = {}): CrossLayerV2 {
  return new CrossLayerV2(args);
}
