import * as tf from '@tensorflow/tfjs';
import { checkFieldDims, featureCount } from './field-dims.js';
import { gatherRows } from './gather-rows.js';
import { DEFAULT_INIT_STD, definedEntries, idsInputShape, inputList, normalInit, scaleByValues, type CallKwargs, type LayerArgs } from './layer-args.js';

/** Options of {@link BiasedMatrixFactorization}. */
export interface BiasedMatrixFactorizationArgs extends LayerArgs {
  /** Cardinalities; field 0 holds the users, field 1 the items (further fields are allowed but unused). */
  fieldDims: number[];
  /** Latent dimension k. */
  embeddingDim: number;
  /** Standard deviation of the N(0, σ²) factor initialiser. Default 0.01. */
  initStd?: number;
  /** Seed of the initialiser. Default: random. */
  seed?: number;
  /**
   * When set, the score goes through a sigmoid scaled to [min, max]: min + (max − min)·σ(s).
   * Unset (default): the raw score s.
   */
  ratingRange?: [number, number];
  /** The model family this layer belongs to, kept in the config for {@link modelKind}. */
  modelKind?: string;
}

/**
 * Biased matrix factorization (Koren, Bell, Volinsky 2009, "Matrix Factorization Techniques for Recommender
 * Systems", IEEE Computer): s = μ + b_u x_u + b_i x_i + ⟨p_u, q_i⟩ x_u x_i, optionally squashed into a rating range.
 *
 * Weights: factors `'embedding'` `[n, k]` (user rows then item rows, by global id), per-id biases `'linear'`
 * `[n, 1]` (0-initialised) and the global bias μ `'bias'` `[1]` (0-initialised).
 * Input: `[ids int32 [B, 2], values float32 [B, 2]]` with the user's global id in column 0 (field 0) and the item's
 * in column 1 (field 1); values are usually 1. Output: `[B, 1]`.
 */
export class BiasedMatrixFactorization extends tf.layers.Layer {
  static readonly className = 'BiasedMatrixFactorization';
  readonly fieldDims: number[];
  readonly embeddingDim: number;
  readonly initStd: number;
  readonly seed: number | undefined;
  readonly ratingRange: [number, number] | undefined;
  readonly modelKind: string | undefined;
  private factors: tf.LayerVariable | null = null;
  private linear: tf.LayerVariable | null = null;
  private bias: tf.LayerVariable | null = null;

  constructor(args: BiasedMatrixFactorizationArgs) {
    super(args);
    this.fieldDims = checkFieldDims('BiasedMatrixFactorization', args.fieldDims);
    if (this.fieldDims.length < 2) {
      throw new Error(`BiasedMatrixFactorization: fieldDims needs a user field and an item field, got [${this.fieldDims.join(', ')}]`);
    }
    if (!Number.isInteger(args.embeddingDim) || args.embeddingDim <= 0) {
      throw new Error(`BiasedMatrixFactorization: embeddingDim must be a positive integer, got ${args.embeddingDim}`);
    }
    const range = args.ratingRange;
    if (range !== undefined && !(Array.isArray(range) && range.length === 2 && range[0] < range[1])) {
      throw new Error(`BiasedMatrixFactorization: ratingRange must be [min, max] with min < max, got ${JSON.stringify(range)}`);
    }
    this.embeddingDim = args.embeddingDim;
    this.initStd = args.initStd ?? DEFAULT_INIT_STD;
    this.seed = args.seed;
    this.ratingRange = range === undefined ? undefined : [range[0], range[1]];
    this.modelKind = args.modelKind;
  }

  override build(_inputShape: tf.Shape | tf.Shape[]): void {
    const n = featureCount(this.fieldDims);
    this.factors = this.addWeight('embedding', [n, this.embeddingDim], 'float32', normalInit(this.initStd, this.seed));
    this.linear = this.addWeight('linear', [n, 1], 'float32', tf.initializers.zeros());
    this.bias = this.addWeight('bias', [1], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const [ids, values] = inputList('BiasedMatrixFactorization', inputs, 2, '[ids, values]') as [tf.Tensor, tf.Tensor];
      if (ids.shape[1] !== 2) {
        throw new Error(`BiasedMatrixFactorization: ids must be [B, 2] (user, item), got [${ids.shape.join(', ')}]`);
      }
      if (this.factors === null || this.linear === null || this.bias === null) {
        throw new Error(`BiasedMatrixFactorization '${this.name}': call before build`);
      }
      const xv = scaleByValues(gatherRows(this.factors.read() as tf.Tensor2D, ids), values);
      const [user, item] = tf.unstack(xv, 1) as [tf.Tensor, tf.Tensor];
      const dot = tf.sum(tf.mul(user, item), -1, true);
      const w = tf.squeeze(gatherRows(this.linear.read() as tf.Tensor2D, ids), [-1]);
      const score = tf.add(tf.add(tf.sum(tf.mul(w, values), -1, true), dot), this.bias.read());
      if (this.ratingRange === undefined) return score;
      const [lo, hi] = this.ratingRange;
      return tf.add(tf.mul(tf.sigmoid(score), hi - lo), lo);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const idsShape = idsInputShape(inputShape);
    return [idsShape[0] ?? null, 1];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      fieldDims: this.fieldDims,
      embeddingDim: this.embeddingDim,
      initStd: this.initStd,
      ...definedEntries({ seed: this.seed, ratingRange: this.ratingRange, modelKind: this.modelKind }),
    };
  }
}
tf.serialization.registerClass(BiasedMatrixFactorization);

/** Creates a {@link BiasedMatrixFactorization} layer. */
export function biasedMatrixFactorization(args: BiasedMatrixFactorizationArgs): BiasedMatrixFactorization {
  return new BiasedMatrixFactorization(args);
}
