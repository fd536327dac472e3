import * as tf from '@tensorflow/tfjs';
import { denseMatMul } from './fast-ops.js';
import { definedEntries, embeddingsInputShape, idsInputShape, type CallKwargs, type LayerArgs } from './layer-args.js';

/** How {@link BilinearInteraction} shares its `[k, k]` matrices. */
export type BilinearType = 'field-all' | 'field-each' | 'field-interaction';

/** The bilinear types, in a stable order. */
export const BILINEAR_TYPES: readonly BilinearType[] = ['field-all', 'field-each', 'field-interaction'];

/** Options of {@link BilinearInteraction}. */
export interface BilinearInteractionArgs extends LayerArgs {
  /**
   * 'field-all': one W shared by every pair; 'field-each': W_i per slot i; 'field-interaction' (default, the
   * type FiBiNET's authors report best on Criteo): W_ij per slot pair.
   */
  bilinearType?: BilinearType;
  /** Seed of the initialiser. Default: random. */
  seed?: number;
}

/**
 * The bilinear-interaction layer of FiBiNET (Huang, Zhang, Zhang 2019, "FiBiNET: Combining Feature Importance and
 * Bilinear Feature Interaction for Click-Through Rate Prediction", RecSys, section 3.4): for every slot pair
 * i < j, p_ij = (v_i W) ⊙ v_j with W = W (field-all), W_i (field-each) or W_ij (field-interaction).
 *
 * Input: embeddings `[B, m, k]` (padding rows 0 give p = 0). Output: `[B, P, k]`, P = m(m−1)/2 in
 * {@link pairIndices} order ((0,1), (0,2), …).
 * Weight (group 'dense'): `'bilinear_kernel'` `[k, k]`, `[m, k, k]` or `[P, k, k]` (uniform ±√(3/k)).
 *
 * Batch-major with no gather: for each slot i, one `[B, k]` matMul gives v_i W (all W_ij of slot i at once for
 * field-interaction), multiplied by the embeddings of slots i+1 … m−1, which sit contiguously in `[B, m·k]`.
 */
export class BilinearInteraction extends tf.layers.Layer {
  static readonly className = 'BilinearInteraction';
  readonly bilinearType: BilinearType;
  readonly seed: number | undefined;
  private kernel: tf.LayerVariable | null = null;

  constructor(args: BilinearInteractionArgs = {}) {
    super(args);
    const type = args.bilinearType ?? 'field-interaction';
    if (!BILINEAR_TYPES.includes(type)) {
      throw new Error(`BilinearInteraction: bilinearType must be one of ${BILINEAR_TYPES.join(', ')}, got ${JSON.stringify(type)}`);
    }
    this.bilinearType = type;
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const [m, k] = embeddingsInputShape('BilinearInteraction', inputShape);
    if (m < 2) throw new Error(`BilinearInteraction: needs m ≥ 2 slots to pair, got ${m}`);
    const lead = this.bilinearType === 'field-all' ? [] : this.bilinearType === 'field-each' ? [m] : [(m * (m - 1)) / 2];
    const limit = Math.sqrt(3 / k);
    const init = tf.initializers.randomUniform({ minval: -limit, maxval: limit, ...definedEntries({ seed: this.seed }) });
    this.kernel = this.addWeight('bilinear_kernel', [...lead, k, k], 'float32', init);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const emb = Array.isArray(inputs) ? inputs[0] : inputs;
      if (emb === undefined || emb.rank !== 3) throw new Error('BilinearInteraction: expected embeddings [B, m, k]');
      if (this.kernel === null) throw new Error(`BilinearInteraction '${this.name}': call before build`);
      const [batch, m, k] = emb.shape as [number, number, number];
      const kernel = this.kernel.read();
      const slots = tf.split(tf.reshape(emb, [batch, m * k]), m, 1) as tf.Tensor2D[]; // m × [B, k]
      const perSlot =
        this.bilinearType === 'field-all'
          ? (tf.split(tf.reshape(denseMatMul(tf.reshape(emb, [batch * m, k]) as tf.Tensor2D, kernel as tf.Tensor2D), [batch, m * k]), m, 1) as tf.Tensor2D[])
          : undefined;
      const blocks: tf.Tensor[] = [];
      let firstPair = 0;
      for (let i = 0; i < m - 1; i++) {
        const partners = m - 1 - i;
        const rest = partners === 1 ? (slots[m - 1] as tf.Tensor2D) : tf.concat(slots.slice(i + 1), 1); // [B, partners·k]
        const vi = slots[i] as tf.Tensor2D;
        if (this.bilinearType === 'field-interaction') {
          // v_i W_{i,j} for j = i+1 … m−1 in one matMul: [B, k] × [k, partners·k]
          const w = tf.slice(kernel, [firstPair, 0, 0], [partners, k, k]);
          blocks.push(tf.mul(denseMatMul(vi, tf.reshape(tf.transpose(w, [1, 0, 2]), [k, partners * k]) as tf.Tensor2D), rest));
        } else {
          const ai = perSlot?.[i] ?? denseMatMul(vi, tf.reshape(tf.slice(kernel, [i, 0, 0], [1, k, k]), [k, k]) as tf.Tensor2D);
          blocks.push(tf.reshape(tf.mul(tf.reshape(rest, [batch, partners, k]), tf.expandDims(ai, 1)), [batch, partners * k]));
        }
        firstPair += partners;
      }
      const pairs = blocks.length === 1 ? (blocks[0] as tf.Tensor) : tf.concat(blocks, 1);
      return tf.reshape(pairs, [batch, firstPair, k]);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = idsInputShape(inputShape);
    const m = shape[1];
    return [shape[0] ?? null, typeof m === 'number' ? (m * (m - 1)) / 2 : null, shape[2] ?? null];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), bilinearType: this.bilinearType, ...definedEntries({ seed: this.seed }) };
  }
}
tf.serialization.registerClass(BilinearInteraction);

/** Creates a {@link BilinearInteraction} layer. */
export function bilinearInteraction(args: BilinearInteractionArgs = {}): BilinearInteraction {
  return new BilinearInteraction(args);
}
