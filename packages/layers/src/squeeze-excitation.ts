import * as tf from '@tensorflow/tfjs';
import { relu } from './relu.js';
import { denseMatMul, reduceMean } from './fast-ops.js';
import { definedEntries, embeddingsInputShape, glorotInit, idsInputShape, subSeed, type CallKwargs, type LayerArgs } from './layer-args.js';

/** Options of {@link SqueezeExcitation}. */
export interface SqueezeExcitationArgs extends LayerArgs {
  /** Reduction ratio r: the bottleneck has max(1, ⌊m / r⌋) units. Default 3 (FiBiNET's choice). */
  reduction?: number;
  /** Seed of the kernel initialisers (Glorot uniform). Default: random. */
  seed?: number;
}

/**
 * The SENET layer of FiBiNET (Huang, Zhang, Zhang 2019, "FiBiNET: Combining Feature Importance and Bilinear
 * Feature Interaction for Click-Through Rate Prediction", RecSys, section 3.3, after Hu et al. 2018): squeeze
 * each slot's embedding to its mean z_i, excite a = ReLU(W₂ ReLU(W₁ z)), and re-weight: v_i = a_i e_i.
 *
 * Input: embeddings `[B, m, k]` (padding rows 0 stay 0). Output: `[B, m, k]`.
 * Weights (group 'dense'): `'se_kernel_0'` `[m, s]`, `'se_kernel_1'` `[s, m]`, s = max(1, ⌊m / r⌋); no biases,
 * as in the paper.
 */
export class SqueezeExcitation extends tf.layers.Layer {
  static readonly className = 'SqueezeExcitation';
  readonly reduction: number;
  readonly seed: number | undefined;
  private squeeze: tf.LayerVariable | null = null;
  private excite: tf.LayerVariable | null = null;

  constructor(args: SqueezeExcitationArgs = {}) {
    super(args);
    const reduction = args.reduction ?? 3;
    if (!(reduction >= 1 && Number.isFinite(reduction))) throw new Error(`SqueezeExcitation: reduction must be ≥ 1, got ${reduction}`);
    this.reduction = reduction;
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const [m] = embeddingsInputShape('SqueezeExcitation', inputShape);
    const hidden = Math.max(1, Math.floor(m / this.reduction));
    this.squeeze = this.addWeight('se_kernel_0', [m, hidden], 'float32', glorotInit(subSeed(this.seed, 0)));
    this.excite = this.addWeight('se_kernel_1', [hidden, m], 'float32', glorotInit(subSeed(this.seed, 1)));
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const emb = Array.isArray(inputs) ? inputs[0] : inputs;
      if (emb === undefined || emb.rank !== 3) throw new Error('SqueezeExcitation: expected embeddings [B, m, k]');
      if (this.squeeze === null || this.excite === null) throw new Error(`SqueezeExcitation '${this.name}': call before build`);
      const z = reduceMean(emb, -1) as tf.Tensor2D; // [B, m]
      const hidden = relu(denseMatMul(z, this.squeeze.read() as tf.Tensor2D));
      const weights = relu(denseMatMul(hidden as tf.Tensor2D, this.excite.read() as tf.Tensor2D)); // [B, m]
      return tf.mul(emb, tf.expandDims(weights, -1));
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [...idsInputShape(inputShape)];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), reduction: this.reduction, ...definedEntries({ seed: this.seed }) };
  }
}
tf.serialization.registerClass(SqueezeExcitation);

/** Creates a {@link SqueezeExcitation} layer. */
export function squeezeExcitation(args: SqueezeExcitationArgs = {}): SqueezeExcitation {
  return new SqueezeExcitation(args);
}
