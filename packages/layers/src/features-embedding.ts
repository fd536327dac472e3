import * as tf from '@tensorflow/tfjs';
import { checkFieldDims, featureCount } from './field-dims.js';
import { gatherRows } from './gather-rows.js';
import { DEFAULT_INIT_STD, definedEntries, normalInit, scaleByValues, type CallKwargs, type LayerArgs, idsInputShape } from './layer-args.js';

/** Options of {@link FeaturesEmbedding}. */
export interface FeaturesEmbeddingArgs extends LayerArgs {
  /** Cardinality of each field; the table has n = Σ fieldDims rows, one per global feature id. */
  fieldDims: number[];
  /** Latent dimension k (columns of the table). */
  embeddingDim: number;
  /** Standard deviation of the N(0, σ²) initialiser. Default 0.01. */
  initStd?: number;
  /** Seed of the initialiser (deterministic weights). Default: random. */
  seed?: number;
  /** The model family this layer belongs to ('fm', 'nfm', ...), kept in the config for {@link modelKind}. */
  modelKind?: string;
}

/**
 * The latent factor table of a factorization machine (Rendle 2010, "Factorization Machines", ICDM): one row
 * v_i ∈ ℝᵏ per global feature id, in a weight named `'embedding'` of shape `[n, k]`.
 *
 * Input: ids int32 `[B, W]`, or `[ids, values]` with values float32 `[B, W]`.
 * Output: `[B, W, k]`: the rows v_{ids}, each multiplied by its value x when values are given.
 * The lookup goes through {@link gatherRows}, so its gradient touches only the rows of the batch.
 */
export class FeaturesEmbedding extends tf.layers.Layer {
  static readonly className = 'FeaturesEmbedding';
  readonly fieldDims: number[];
  readonly embeddingDim: number;
  readonly initStd: number;
  readonly seed: number | undefined;
  readonly modelKind: string | undefined;
  private table: tf.LayerVariable | null = null;

  constructor(args: FeaturesEmbeddingArgs) {
    super(args);
    this.fieldDims = checkFieldDims('FeaturesEmbedding', args.fieldDims);
    if (!Number.isInteger(args.embeddingDim) || args.embeddingDim <= 0) {
      throw new Error(`FeaturesEmbedding: embeddingDim must be a positive integer, got ${args.embeddingDim}`);
    }
    this.embeddingDim = args.embeddingDim;
    this.initStd = args.initStd ?? DEFAULT_INIT_STD;
    this.seed = args.seed;
    this.modelKind = args.modelKind;
  }

  override build(_inputShape: tf.Shape | tf.Shape[]): void {
    this.table = this.addWeight(
      'embedding',
      [featureCount(this.fieldDims), this.embeddingDim],
      'float32',
      normalInit(this.initStd, this.seed),
    );
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      const ids = list[0];
      if (ids === undefined || list.length > 2) {
        throw new Error(`FeaturesEmbedding: expected ids or [ids, values], got ${list.length} inputs`);
      }
      const rows = gatherRows(this.weightTable().read() as tf.Tensor2D, ids);
      const values = list[1];
      return values === undefined ? rows : scaleByValues(rows, values);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const idsShape = idsInputShape(inputShape);
    return [...idsShape, this.embeddingDim];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      fieldDims: this.fieldDims,
      embeddingDim: this.embeddingDim,
      initStd: this.initStd,
      ...definedEntries({ seed: this.seed, modelKind: this.modelKind }),
    };
  }

  private weightTable(): tf.LayerVariable {
    if (this.table === null) throw new Error(`FeaturesEmbedding '${this.name}': call before build`);
    return this.table;
  }
}
tf.serialization.registerClass(FeaturesEmbedding);

/** Creates a {@link FeaturesEmbedding} layer. */
export function featuresEmbedding(args: FeaturesEmbeddingArgs): FeaturesEmbedding {
  return new FeaturesEmbedding(args);
}
