import * as tf from '@tensorflow/tfjs';
import { relu } from './relu.js';
import { attentionPool } from './attention-pool.js';
import { denseMatMul, reduceSum, sliceColumns } from './fast-ops.js';
import { definedEntries, embeddingsInputShape, glorotInit, idsInputShape, subSeed, type CallKwargs, type LayerArgs } from './layer-args.js';

/** Options of {@link CompressedInteractionNetwork}. */
export interface CompressedInteractionNetworkArgs extends LayerArgs {
  /** Feature maps H_l of each CIN layer (at least one layer). */
  layerSizes: number[];
  /**
   * Send half of each hidden layer's maps to the output and the other half to the next layer, as the reference
   * implementations of xDeepFM (and pytorch-fm, DeepCTR) do; layer sizes before the last must then be even.
   * Default true.
   */
  splitHalf?: boolean;
  /** Activation of the feature maps: 'linear' (the paper's eq. 6, default) or 'relu'. */
  activation?: 'linear' | 'relu';
  /** Seed of the kernel initialisers (Glorot uniform). Default: random. */
  seed?: number;
}

/**
 * The Compressed Interaction Network of xDeepFM (Lian, Zhou, Zhang, Chen, Xie, Sun 2018, "xDeepFM: Combining
 * Explicit and Implicit Feature Interactions for Recommender Systems", KDD, eq. 6-8):
 * X^l_{j,·} = Σ_{h,i} W^l_{j,h,i} (X^{l−1}_{h,·} ⊙ X^0_{i,·}), then sum pooling over the embedding dimension.
 * Vector-wise crosses: layer l holds interactions of degree l + 1 between the m slots.
 *
 * Input: embeddings `[B, m, k]` (scaled by their values, as `FeaturesEmbedding` returns them for
 * `[ids, values]`; padding rows are 0). Output: `[B, Σ_l H'_l]`, the sum-pooled maps of every layer, where
 * H'_l = H_l / 2 for split hidden layers and H_l otherwise.
 * Weights (group 'dense'): `'cin_kernel_l'` `[H_{l−1}·m, H_l]` (H₀ = m), row h·m + i holding W^l_{·,h,i}.
 *
 * The maps are kept as `[B·k, H]` matrices, so every layer is one 2-D matMul plus one broadcast product: either
 * the outer product `[B·k, H_{l−1}·m]` times the kernel, or, when H_l < H_{l−1}, the previous maps times the
 * kernel reshaped `[H_{l−1}, m·H_l]`, multiplied by X⁰ and summed over m, whichever intermediate is smaller.
 */
export class CompressedInteractionNetwork extends tf.layers.Layer {
  static readonly className = 'CompressedInteractionNetwork';
  readonly layerSizes: number[];
  readonly splitHalf: boolean;
  readonly activation: 'linear' | 'relu';
  readonly seed: number | undefined;
  private kernels: tf.LayerVariable[] = [];

  constructor(args: CompressedInteractionNetworkArgs) {
    super(args);
    const sizes = args.layerSizes;
    if (!Array.isArray(sizes) || sizes.length === 0 || sizes.some((s) => !Number.isInteger(s) || s <= 0)) {
      throw new Error(`CompressedInteractionNetwork: layerSizes must be a non-empty array of positive integers, got ${JSON.stringify(sizes)}`);
    }
    const splitHalf = args.splitHalf ?? true;
    if (splitHalf && sizes.slice(0, -1).some((s) => s % 2 !== 0)) {
      throw new Error(`CompressedInteractionNetwork: with splitHalf, layer sizes before the last must be even, got ${JSON.stringify(sizes)}`);
    }
    const activation = args.activation ?? 'linear';
    if (activation !== 'linear' && activation !== 'relu') {
      throw new Error(`CompressedInteractionNetwork: activation must be 'linear' or 'relu', got ${JSON.stringify(activation)}`);
    }
    this.layerSizes = [...sizes];
    this.splitHalf = splitHalf;
    this.activation = activation;
    this.seed = args.seed;
  }

  /** Maps of layer l passed on to layer l + 1 (H_l, or H_l / 2 when split). */
  private carried(l: number): number {
    const size = this.layerSizes[l] as number;
    return this.splitHalf && l < this.layerSizes.length - 1 ? size / 2 : size;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const [m] = embeddingsInputShape('CompressedInteractionNetwork', inputShape);
    let previous = m;
    this.kernels = this.layerSizes.map((size, l) => {
      const kernel = this.addWeight(`cin_kernel_${l}`, [previous * m, size], 'float32', glorotInit(subSeed(this.seed, l)));
      previous = this.carried(l);
      return kernel;
    });
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const emb = Array.isArray(inputs) ? inputs[0] : inputs;
      if (emb === undefined || emb.rank !== 3) throw new Error('CompressedInteractionNetwork: expected embeddings [B, m, k]');
      const [batch, m, k] = emb.shape as [number, number, number];
      const rows = batch * k;
      const x0 = tf.reshape(tf.transpose(emb, [0, 2, 1]), [rows, m]) as tf.Tensor2D; // [B·k, m]
      let previous = x0;
      const pooled: tf.Tensor[] = [];
      this.kernels.forEach((kernelVar, l) => {
        const kernel = kernelVar.read() as tf.Tensor2D;
        const h = previous.shape[1];
        const size = this.layerSizes[l] as number;
        let maps: tf.Tensor2D;
        if (h <= size) {
          const outer = tf.mul(tf.expandDims(previous, 2), tf.expandDims(x0, 1)); // [B·k, H, m]
          maps = denseMatMul(tf.reshape(outer, [rows, h * m]) as tf.Tensor2D, kernel);
        } else {
          const partial = denseMatMul(previous, tf.reshape(kernel, [h, m * size]) as tf.Tensor2D); // [B·k, m·H_l]
          // maps[r, :] = Σ_i x0[r, i]·partial[r, i, :]: the weighted sum of attentionPool, one pass (no [B·k, m, H_l] product)
          maps = attentionPool(tf.reshape(partial, [rows, m, size]), x0);
        }
        if (this.activation === 'relu') maps = relu(maps);
        const carried = this.carried(l);
        const out = carried === size ? maps : sliceColumns(maps, 0, size - carried);
        if (carried !== size) maps = sliceColumns(maps, size - carried, carried);
        pooled.push(reduceSum(tf.reshape(out, [batch, k, -1]), 1));
        previous = maps;
      });
      return pooled.length === 1 ? (pooled[0] as tf.Tensor) : tf.concat(pooled, 1);
    });
  }

  /** Σ_l H'_l, the output width. */
  outputSize(): number {
    return this.layerSizes.reduce((total, size, l) => total + (this.splitHalf && l < this.layerSizes.length - 1 ? size / 2 : size), 0);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [idsInputShape(inputShape)[0] ?? null, this.outputSize()];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      layerSizes: this.layerSizes,
      splitHalf: this.splitHalf,
      activation: this.activation,
      ...definedEntries({ seed: this.seed }),
    };
  }
}
tf.serialization.registerClass(CompressedInteractionNetwork);

/** Creates a {@link CompressedInteractionNetwork}. */
export function compressedInteractionNetwork(args: CompressedInteractionNetworkArgs): CompressedInteractionNetwork {
  return new CompressedInteractionNetwork(args);
}
