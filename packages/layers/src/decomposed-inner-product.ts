import * as tf from '@tensorflow/tfjs';
import { definedEntries, glorotInit, inputList, type CallKwargs, type LayerArgs } from './layer-args.js';
import { plainMatMul } from './fast-ops.js';

/** Options of {@link DecomposedInnerProduct}. */
export interface DecomposedInnerProductArgs extends LayerArgs {
  /** Output units D₁ (the size of IPNN's product layer). */
  units: number;
  /** Seed of the weight initialiser. Default: random. */
  seed?: number;
}

/**
 * The inner-product signal of IPNN's product layer with the paper's first-order decomposition (Qu, Cai, Ren,
 * Zhang, Yu, Wen, Wang 2016, "Product-based Neural Networks for User Response Prediction", ICDM): unit n
 * outputs l_p^n = Σ_{i,j} θ_i^n θ_j^n ⟨f_i, f_j⟩ = ‖Σ_i θ_i^n f_i‖², the weighted sum over every pair of the N
 * field embeddings' inner products with the weight matrix W_p^n = θ^n θ^nᵀ restricted to rank 1. No pair is
 * formed: the cost is O(N·k·D₁) per example (one 2-D matmul), against O(N²·k + N²·D₁) for the explicit products
 * of {@link InnerProductInteraction} followed by a dense layer. IPNN adds it to W_z z + b₁ before the ReLU.
 *
 * Input: field embeddings float32 `[B, N, k]`. Output: `[B, D₁]`.
 * Weight `'product_weights'` θ `[N, D₁]` (parameter group 'dense', Glorot-uniform start).
 */
export class DecomposedInnerProduct extends tf.layers.Layer {
  static readonly className = 'DecomposedInnerProduct';
  readonly units: number;
  readonly seed: number | undefined;
  private theta: tf.LayerVariable | null = null;

  constructor(args: DecomposedInnerProductArgs) {
    super(args);
    if (!Number.isInteger(args.units) || args.units <= 0) {
      throw new Error(`DecomposedInnerProduct: units must be a positive integer, got ${args.units}`);
    }
    this.units = args.units;
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const n = shape[1];
    if (typeof n !== 'number') throw new Error(`DecomposedInnerProduct: input must be [B, N, k] with known N, got [${shape.join(', ')}]`);
    this.theta = this.addWeight('product_weights', [n, this.units], 'float32', glorotInit(this.seed));
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const [emb] = inputList('DecomposedInnerProduct', inputs, 1, 'embeddings') as [tf.Tensor3D];
      if (this.theta === null) throw new Error(`DecomposedInnerProduct '${this.name}': call before build`);
      const [batch, n, k] = emb.shape;
      // δ[b, c, u] = Σ_i θ_{i,u} f_{b,i,c}: one [B·k, N] × [N, D₁] matmul
      const byFactor = tf.reshape(tf.transpose(emb, [0, 2, 1]), [batch * k, n]);
      const delta = tf.reshape(plainMatMul(byFactor, this.theta.read()), [batch, k, this.units]);
      return tf.sum(tf.square(delta), 1);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [shape[0] ?? null, this.units];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, ...definedEntries({ seed: this.seed }) };
  }
}
tf.serialization.registerClass(DecomposedInnerProduct);

/** Creates a {@link DecomposedInnerProduct} layer. */
export function decomposedInnerProduct(args: DecomposedInnerProductArgs): DecomposedInnerProduct {
  return new DecomposedInnerProduct(args);
}
