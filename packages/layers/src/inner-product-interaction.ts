import * as tf from '@tensorflow/tfjs';
import { inputList, type CallKwargs, type LayerArgs } from './layer-args.js';
import { pairIndices } from './pair-indices.js';
import { takeRows } from './gather-rows.js';
import { transposeLast } from './fast-ops.js';

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
 * (no `[B, P, k]` pair tensor); the gradient is one batched matmul too.
 */
export class InnerProductInteraction extends tf.layers.Layer {
  static readonly className = 'InnerProductInteraction';
  private readonly positions = new Map<string, { upper: tf.Tensor; both: tf.Tensor }>();

  constructor(args: InnerProductInteractionArgs = {}) {
    super(args);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const [emb] = inputList('InnerProductInteraction', inputs, 1, 'embeddings') as [tf.Tensor3D];
      const [batch, n] = emb.shape;
      const { upper, both } = this.pairPositions(batch, n);
      const products = tf.customGrad(((e: tf.Tensor3D, save: tf.GradSaveFunc) => {
        save([e, both]);
        const gram = tf.matMul(e, transposeLast(e) as unknown as tf.Tensor3D);
        return {
          value: tf.reshape(takeRows(tf.reshape(gram, [-1, 1]), upper), [batch, (n * (n - 1)) / 2]),
          // ∂/∂e_i = Σ_j D_ij e_j with D the symmetric matrix holding dy_p at (i, j) and (j, i): one batched matmul
          gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
            const grad = tf.reshape(Array.isArray(dy) ? (dy[0] as tf.Tensor) : dy, [-1]);
            const [e0, positions] = saved as [tf.Tensor3D, tf.Tensor];
            const symmetric = tf.scatterND(positions, tf.concat([grad, grad], 0), [batch * n * n]);
            return tf.matMul(tf.reshape(symmetric, [batch, n, n]) as tf.Tensor3D, e0);
          },
        };
      }) as unknown as Parameters<typeof tf.customGrad>[0]);
      return products(emb);
    });
  }

  /**
   * Flat positions in the `[B·N·N]` Gram tensor of a batch: `upper` int32 `[B·P, 1]` of the pairs (i, j), i < j,
   * and `both` `[2·B·P, 1]`, those followed by the mirrored (j, i); kept per (B, N) for the next calls (training
   * repeats a few batch sizes).
   */
  private pairPositions(batch: number, n: number): { upper: tf.Tensor; both: tf.Tensor } {
    const key = `${batch}x${n}`;
    const cached = this.positions.get(key);
    if (cached !== undefined) return cached;
    const { rows, cols } = pairIndices(n);
    const P = rows.length;
    const both = new Int32Array(2 * batch * P);
    for (let b = 0; b < batch; b++) {
      for (let p = 0; p < P; p++) {
        const i = rows[p] as number;
        const j = cols[p] as number;
        both[b * P + p] = b * n * n + i * n + j;
        both[(batch + b) * P + p] = b * n * n + j * n + i;
      }
    }
    if (this.positions.size >= 4) this.clearPositions();
    const entry = {
      upper: tf.keep(tf.tensor2d(both.subarray(0, batch * P), [batch * P, 1], 'int32')),
      both: tf.keep(tf.tensor2d(both, [2 * batch * P, 1], 'int32')),
    };
    this.positions.set(key, entry);
    return entry;
  }

  private clearPositions(): void {
    for (const { upper, both } of this.positions.values()) tf.dispose([upper, both]);
    this.positions.clear();
  }

  override dispose(): ReturnType<tf.layers.Layer['dispose']> {
    const result = super.dispose();
    if (result.refCountAfterDispose === 0) this.clearPositions();
    return result;
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
