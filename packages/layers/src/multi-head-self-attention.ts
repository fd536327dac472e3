import * as tf from '@tensorflow/tfjs';
import { denseMatMul } from './fast-ops.js';
import { headScores, headValues } from './head-products.js';
import { relu } from './relu.js';
import { rowSoftmax } from './row-softmax.js';
import { definedEntries, embeddingsAndMask, embeddingsInputShape, glorotInit, idsInputShape, subSeed, type CallKwargs, type LayerArgs } from './layer-args.js';

/** Options of {@link MultiHeadSelfAttention}. */
export interface MultiHeadSelfAttentionArgs extends LayerArgs {
  /** Attention heads H. Default 2. */
  heads?: number;
  /** Size d' of each head's queries, keys and values. */
  headDim: number;
  /** Add the residual projection W_res e_m before the ReLU (AutoInt's eq. 8). Default true. */
  residual?: boolean;
  /** Seed of the kernel initialisers (Glorot uniform). Default: random. */
  seed?: number;
}

/**
 * The interacting layer of AutoInt (Song, Shi, Xiao, Duan, Xu, Zhang, Tang 2019, "AutoInt: Automatic Feature
 * Interaction Learning via Self-Attentive Neural Networks", CIKM, eq. 5-8): per head h, slot m attends to every
 * slot k with α_{m,k} = softmax_k ⟨W_q e_m, W_k e_k⟩ and outputs Σ_k α_{m,k} W_v e_k; the heads are
 * concatenated, the residual W_res e_m added and a ReLU applied.
 *
 * Input: embeddings `[B, m, d]`, or `[embeddings, values [B, m]]`: then slots whose value is 0 (padding) are
 * masked out as keys and their outputs set to 0. Output: `[B, m, H·d']`.
 * Weights (group 'dense'): `'query_kernel'`, `'key_kernel'`, `'value_kernel'` and (with `residual`)
 * `'residual_kernel'`, each `[d, H·d']`, columns h·d' … h·d'+d'−1 belonging to head h.
 * Cost per example O(m d H d' + H m² d'): the projections are one 2-D matMul per kernel over all B·m slots (all
 * heads at once), the scores and weighted values one op each for all heads ({@link headScores},
 * {@link headValues}), the softmax one call over `[H, B, m, m]`.
 */
export class MultiHeadSelfAttention extends tf.layers.Layer {
  static readonly className = 'MultiHeadSelfAttention';
  readonly heads: number;
  readonly headDim: number;
  readonly residual: boolean;
  readonly seed: number | undefined;
  private query: tf.LayerVariable | null = null;
  private key: tf.LayerVariable | null = null;
  private value: tf.LayerVariable | null = null;
  private residualKernel: tf.LayerVariable | null = null;

  constructor(args: MultiHeadSelfAttentionArgs) {
    super(args);
    const heads = args.heads ?? 2;
    if (!Number.isInteger(heads) || heads <= 0) throw new Error(`MultiHeadSelfAttention: heads must be a positive integer, got ${heads}`);
    if (!Number.isInteger(args.headDim) || args.headDim <= 0) {
      throw new Error(`MultiHeadSelfAttention: headDim must be a positive integer, got ${args.headDim}`);
    }
    this.heads = heads;
    this.headDim = args.headDim;
    this.residual = args.residual ?? true;
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const [, d] = embeddingsInputShape('MultiHeadSelfAttention', inputShape);
    const out = this.heads * this.headDim;
    this.query = this.addWeight('query_kernel', [d, out], 'float32', glorotInit(subSeed(this.seed, 0)));
    this.key = this.addWeight('key_kernel', [d, out], 'float32', glorotInit(subSeed(this.seed, 1)));
    this.value = this.addWeight('value_kernel', [d, out], 'float32', glorotInit(subSeed(this.seed, 2)));
    if (this.residual) this.residualKernel = this.addWeight('residual_kernel', [d, out], 'float32', glorotInit(subSeed(this.seed, 3)));
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const { emb, mask } = embeddingsAndMask('MultiHeadSelfAttention', inputs);
      const [batch, m, d] = emb.shape as [number, number, number];
      const flat = tf.reshape(emb, [batch * m, d]) as tf.Tensor2D;
      // one product per kernel for all heads; the head ops read each head's columns in place
      const project = (kernel: tf.LayerVariable | null) => tf.reshape(denseMatMul(flat, this.weight(kernel).read() as tf.Tensor2D), [batch, m, -1]);
      const v = project(this.value);
      let scores: tf.Tensor = headScores(project(this.query), project(this.key), this.heads); // [H, B, m, m]
      if (mask !== undefined) scores = tf.add(scores, tf.reshape(tf.mul(tf.sub(1, mask), -1e9), [1, batch, 1, m]));
      let out: tf.Tensor = headValues(rowSoftmax(scores), v); // [B, m, H·d']
      if (this.residualKernel !== null) out = tf.add(out, project(this.residualKernel));
      out = relu(out);
      return mask === undefined ? out : tf.mul(out, tf.expandDims(mask, -1));
    });
  }

  private weight(v: tf.LayerVariable | null): tf.LayerVariable {
    if (v === null) throw new Error(`MultiHeadSelfAttention '${this.name}': call before build`);
    return v;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = idsInputShape(inputShape);
    return [shape[0] ?? null, shape[1] ?? null, this.heads * this.headDim];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      heads: this.heads,
      headDim: this.headDim,
      residual: this.residual,
      ...definedEntries({ seed: this.seed }),
    };
  }
}
tf.serialization.registerClass(MultiHeadSelfAttention);

/** Creates a {@link MultiHeadSelfAttention} layer. */
export function multiHeadSelfAttention(args: MultiHeadSelfAttentionArgs): MultiHeadSelfAttention {
  return new MultiHeadSelfAttention(args);
}
