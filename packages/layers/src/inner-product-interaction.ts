import * as tf from '@tensorflow/tfjs';
import { inputList, type CallKwargs, type LayerArgs } from './layer-args.js';
import { gatherSlots, pairIndices } from './pair-indices.js';

/** Options of {@link InnerProductInteraction}. */
export type InnerProductInteractionArgs = LayerArgs;

/**
 * The inner-product layer of IPNN (Qu, Cai, Ren, Zhang, Yu, Wen, Wang 2016, "Product-based Neural Networks for
 * User Response Prediction", ICDM): every pairwise inner product p_{ij} = ⟨e_i, e_j⟩, i < j, of N embedding
 * rows (the fields of an example). IPNN feeds [z, p] (z the embeddings themselves) to its MLP; a dense layer on
 * that concatenation is the paper's product layer l₁ = ReLU(W_z z + W_p p + b₁) with unrestricted W_p.
 *
 * Input: embeddings float32 `[B, N, k]`. Output: `[B, N(N−1)/2]`, pairs in {@link pairIndices}(N) order. No
 * weights. Cost O(N²·k) per example as one batched matmul e eᵀ `[B, N, N]` and a gather of its upper triangle
 * (no `[B, P, k]` pair tensor).
 */
export class InnerProductInteraction extends tf.layers.Layer {
  static readonly className = 'InnerProductInteraction';

  constructor(args: InnerProductInteractionArgs = {}) {
    super(args);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const [emb] = inputList('InnerProductInteraction', inputs, 1, 'embeddings') as [tf.Tensor3D];
      const [batch, n] = emb.shape;
      const gram = tf.reshape(tf.matMul(emb, emb, false, true), [batch, n * n]);
      const { rows, cols } = pairIndices(n);
      return gatherSlots(gram, Int32Array.from(rows, (i, p) => i * n + (cols[p] as number)));
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const n = shape[1];
    return [shape[0] ?? null, typeof n === 'number' ? (n * (n - 1)) / 2 : null];
  }
}
tf.serialization.registerClass(InnerProductInteraction);

/** Creates an {@link InnerProductInteraction} layer. */
export function innerProductInteraction(args: InnerProductInteractionArgs = {}): InnerProductInteraction {
  return new InnerProductInteraction(args);
}
