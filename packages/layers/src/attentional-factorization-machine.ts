import * as tf from '@tensorflow/tfjs';
import { definedEntries, glorotInit, inputList, scaleByValues, subSeed, type CallKwargs, type LayerArgs } from './layer-args.js';
import { denseLayer } from './dense-layer.js';
import { pairAttentionPool } from './pair-attention-pool.js';
import { pairProducts } from './pair-products.js';
import { pairSoftmax } from './pair-softmax.js';

/** Options of {@link AttentionalFactorizationMachine}. */
export interface AttentionalFactorizationMachineArgs extends LayerArgs {
  /** Hidden size t of the attention network. */
  attentionSize: number;
  /** Dropout rate on the attention-pooled vector during training. Default 0. */
  dropout?: number;
  /** Seed of the weight initialisers (and of dropout). Default: random. */
  seed?: number;
}

/**
 * The attention-based pooling of an attentional factorization machine (Xiao, Ye, He, Zhang, Wu, Chua 2017,
 * "Attentional Factorization Machines", IJCAI):
 * p·Σ_{i<j} a_ij (v_i x_i ⊙ v_j x_j), with a_ij = softmax over pairs of hᵀ ReLU(W (v_i x_i ⊙ v_j x_j) + b).
 * Pairs whose value product x_i x_j is 0 (padding) are masked out of the softmax and get weight 0.
 *
 * Input: `[embeddings float32 [B, W, k], values float32 [B, W]]`. Output: `[B, 1]`.
 * Weights (all in the 'dense' parameter group): `'attention_kernel'` W `[k, t]`, `'attention_bias'` b `[t]`,
 * `'attention_projection'` h `[t, 1]`, `'projection'` p `[k, 1]`.
 */
export class AttentionalFactorizationMachine extends tf.layers.Layer {
  static readonly className = 'AttentionalFactorizationMachine';
  readonly attentionSize: number;
  readonly dropout: number;
  readonly seed: number | undefined;
  private kernel: tf.LayerVariable | null = null;
  private attentionBias: tf.LayerVariable | null = null;
  private attentionProjection: tf.LayerVariable | null = null;
  private projection: tf.LayerVariable | null = null;

  constructor(args: AttentionalFactorizationMachineArgs) {
    super(args);
    if (!Number.isInteger(args.attentionSize) || args.attentionSize <= 0) {
      throw new Error(`AttentionalFactorizationMachine: attentionSize must be a positive integer, got ${args.attentionSize}`);
    }
    const dropout = args.dropout ?? 0;
    if (!(dropout >= 0 && dropout < 1)) {
      throw new Error(`AttentionalFactorizationMachine: dropout must be in [0, 1), got ${dropout}`);
    }
    this.attentionSize = args.attentionSize;
    this.dropout = dropout;
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const embShape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const k = embShape[2];
    if (typeof k !== 'number') {
      throw new Error(`AttentionalFactorizationMachine: embeddings must be [B, W, k] with known k, got [${embShape.join(', ')}]`);
    }
    const t = this.attentionSize;
    this.kernel = this.addWeight('attention_kernel', [k, t], 'float32', glorotInit(subSeed(this.seed, 0)));
    this.attentionBias = this.addWeight('attention_bias', [t], 'float32', tf.initializers.zeros());
    this.attentionProjection = this.addWeight('attention_projection', [t, 1], 'float32', glorotInit(subSeed(this.seed, 1)));
    this.projection = this.addWeight('projection', [k, 1], 'float32', glorotInit(subSeed(this.seed, 2)));
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const [emb, values] = inputList('AttentionalFactorizationMachine', inputs, 2, '[embeddings, values]') as [tf.Tensor, tf.Tensor];
      const { scaled, weights } = this.attend(emb, values);
      // pooled[b, :] = Σ_{i<j} a_ij x_i ⊙ x_j, from the scaled embeddings (the [B, P, k] pairs feed only the scores)
      let pooled: tf.Tensor = pairAttentionPool(scaled, weights);
      if (kwargs['training'] === true && this.dropout > 0) pooled = tf.dropout(pooled, this.dropout);
      return denseLayer(pooled as tf.Tensor2D, this.weight(this.projection).read() as tf.Tensor2D);
    });
  }

  /**
   * The attention weights a_ij, one per slot pair i < j in {@link pairIndices} order.
   * @param embeddings `[B, W, k]` unscaled embeddings. @param values `[B, W]`.
   * @returns `[B, P]`, P = W(W−1)/2; each row sums to 1 over its non-padding pairs (0 if it has none).
   */
  attentionWeights(embeddings: tf.Tensor, values: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => this.attend(embeddings, values).weights);
  }

  private attend(emb: tf.Tensor, values: tf.Tensor): { scaled: tf.Tensor; weights: tf.Tensor2D } {
    const [batch, width, k] = emb.shape as [number, number, number];
    if (values.shape[1] !== width) {
      throw new Error(`AttentionalFactorizationMachine: values [${values.shape.join(', ')}] do not match embeddings [${emb.shape.join(', ')}]`);
    }
    const numPairs = (width * (width - 1)) / 2;
    const scaled = scaleByValues(emb, values);
    const pairs = pairProducts(scaled);
    const hidden = denseLayer(
      tf.reshape(pairs, [batch * numPairs, k]),
      this.weight(this.kernel).read() as tf.Tensor2D,
      this.weight(this.attentionBias).read() as tf.Tensor1D,
      'relu',
    );
    const logits = tf.reshape(denseLayer(hidden, this.weight(this.attentionProjection).read() as tf.Tensor2D), [batch, numPairs]);
    return { scaled, weights: pairSoftmax(logits, values) };
  }

  private weight(v: tf.LayerVariable | null): tf.LayerVariable {
    if (v === null) throw new Error(`AttentionalFactorizationMachine '${this.name}': call before build`);
    return v;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const embShape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [embShape[0] ?? null, 1];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      attentionSize: this.attentionSize,
      dropout: this.dropout,
      ...definedEntries({ seed: this.seed }),
    };
  }
}
tf.serialization.registerClass(AttentionalFactorizationMachine);

/** Creates an {@link AttentionalFactorizationMachine} layer. */
export function attentionalFactorizationMachine(args: AttentionalFactorizationMachineArgs): AttentionalFactorizationMachine {
  return new AttentionalFactorizationMachine(args);
}
