import * as tf from '@tensorflow/tfjs';
import { inputList, type CallKwargs, type LayerArgs } from './layer-args.js';

/** Options of {@link OuterProductInteraction}. */
export type OuterProductInteractionArgs = LayerArgs;

/**
 * The outer-product layer of OPNN with the paper's sum pooling (Qu, Cai, Ren, Zhang, Yu, Wen, Wang 2016,
 * "Product-based Neural Networks for User Response Prediction", ICDM, section on OPNN):
 * p = Σ_i Σ_j e_i e_jᵀ = e_Σ e_Σᵀ with e_Σ = Σ_i e_i, a single k×k matrix per example instead of one per pair,
 * so the cost is O(N·k + k²) per example rather than O(N²·k²). OPNN feeds [z, vec(p)] to its MLP; a dense
 * layer on that concatenation is the paper's product layer l₁ = ReLU(W_z z + W_p ⊙ p + b₁).
 *
 * Input: embeddings float32 `[B, N, k]`. Output: `[B, k·k]`, vec(p) row-major. No weights.
 */
export class OuterProductInteraction extends tf.layers.Layer {
  static readonly className = 'OuterProductInteraction';

  constructor(args: OuterProductInteractionArgs = {}) {
    super(args);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const [emb] = inputList('OuterProductInteraction', inputs, 1, 'embeddings') as [tf.Tensor3D];
      const [batch, , k] = emb.shape;
      const pooled = tf.sum(emb, 1);
      // e_Σ e_Σᵀ by broadcasting: batched matmuls of tiny matrices are slow on wasm
      return tf.reshape(tf.mul(tf.expandDims(pooled, 2), tf.expandDims(pooled, 1)), [batch, k * k]);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const k = shape[2];
    return [shape[0] ?? null, typeof k === 'number' ? k * k : null];
  }
}
tf.serialization.registerClass(OuterProductInteraction);

/** Creates an {@link OuterProductInteraction} layer. */
export function outerProductInteraction(args: OuterProductInteractionArgs = {}): OuterProductInteraction {
  return new OuterProductInteraction(args);
}
