import * as tf from '@tensorflow/tfjs';
import { reduceSum } from './fast-ops.js';
import { checkFieldDims, featureCount } from './field-dims.js';
import { gatherRows } from './gather-rows.js';
import { definedEntries, inputList, scaleByValues, type CallKwargs, type LayerArgs, idsInputShape } from './layer-args.js';

/** Options of {@link FeaturesLinear}. */
export interface FeaturesLinearArgs extends LayerArgs {
  /** Cardinality of each field; one weight per global feature id, n = Σ fieldDims. */
  fieldDims: number[];
  /** The model family this layer belongs to ('lr', 'fm', ...), kept in the config for {@link modelKind}. */
  modelKind?: string;
}

/**
 * The first-order part of a factorization machine (and logistic/linear regression): w₀ + Σ_i w_i x_i.
 * Weights: `'linear'` `[n, 1]` (per feature, read through {@link gatherRows}) and the global bias `'bias'` `[1]`,
 * both initialised to 0 (the trainer may set the bias to the mean label).
 *
 * Input: `[ids int32 [B, W], values float32 [B, W]]`. Output: `[B, 1]`. Padding (value 0) contributes nothing.
 */
export class FeaturesLinear extends tf.layers.Layer {
  static readonly className = 'FeaturesLinear';
  readonly fieldDims: number[];
  readonly modelKind: string | undefined;
  private linear: tf.LayerVariable | null = null;
  private bias: tf.LayerVariable | null = null;

  constructor(args: FeaturesLinearArgs) {
    super(args);
    this.fieldDims = checkFieldDims('FeaturesLinear', args.fieldDims);
    this.modelKind = args.modelKind;
  }

  override build(_inputShape: tf.Shape | tf.Shape[]): void {
    this.linear = this.addWeight('linear', [featureCount(this.fieldDims), 1], 'float32', tf.initializers.zeros());
    this.bias = this.addWeight('bias', [1], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const [ids, values] = inputList('FeaturesLinear', inputs, 2, '[ids, values]') as [tf.Tensor, tf.Tensor];
      if (this.linear === null || this.bias === null) throw new Error(`FeaturesLinear '${this.name}': call before build`);
      const w = tf.squeeze(gatherRows(this.linear.read() as tf.Tensor2D, ids), [-1]);
      return tf.add(reduceSum(scaleByValues(w, values), -1, true), this.bias.read());
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const idsShape = idsInputShape(inputShape);
    return [idsShape[0] ?? null, 1];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), fieldDims: this.fieldDims, ...definedEntries({ modelKind: this.modelKind }) };
  }
}
tf.serialization.registerClass(FeaturesLinear);

/** Creates a {@link FeaturesLinear} layer. */
export function featuresLinear(args: FeaturesLinearArgs): FeaturesLinear {
  return new FeaturesLinear(args);
}
