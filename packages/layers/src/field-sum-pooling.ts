import * as tf from '@tensorflow/tfjs';
import { FieldLayer } from './field-layer.js';
import { inputList, shapeList, type CallKwargs, type LayerArgs } from './layer-args.js';

/** Options of {@link FieldSumPooling}. */
export interface FieldSumPoolingArgs extends LayerArgs {
  /** Cardinality of each field (F = fieldDims.length output rows); a slot's field is derived from its id. */
  fieldDims: number[];
}

/**
 * Per-field sum pooling of slot embeddings: `S_f = Σ_{slots i of field f} e_i`, turning a `[B, W, k]` slot
 * tensor into a `[B, F, k]` field tensor. For one id per field (W = F) it puts the slots in field order; for
 * multi-hot fields it is the usual sum pooling of the field's (value-weighted) embeddings; a field with no
 * slot in an example gets a zero row. The deep models (FNN, Wide & Deep, IPNN, OPNN) put their MLP and
 * products on this field tensor, so their input layout does not depend on the order of the slots.
 *
 * Input: `[ids int32 [B, W], embeddings float32 [B, W, k]]` (embeddings already scaled by the values, as
 * `FeaturesEmbedding.apply([ids, values])` returns them; padding slots are then zero rows).
 * Output: `[B, F, k]`. No weights. Cost O(W·k) per example (one scatter-add, see {@link scatterAddRows}).
 */
export class FieldSumPooling extends FieldLayer {
  static readonly className = 'FieldSumPooling';

  constructor(args: FieldSumPoolingArgs) {
    super('FieldSumPooling', args);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const [ids, emb] = inputList('FieldSumPooling', inputs, 2, '[ids, embeddings]') as [tf.Tensor, tf.Tensor];
      return this.sumByField(ids, emb);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [idsShape, embShape] = shapeList('FieldSumPooling', inputShape, 2, '[ids, embeddings]') as [tf.Shape, tf.Shape];
    return [idsShape[0] ?? null, this.numFields, embShape[2] ?? null];
  }
}
tf.serialization.registerClass(FieldSumPooling);

/** Creates a {@link FieldSumPooling} layer. */
export function fieldSumPooling(args: FieldSumPoolingArgs): FieldSumPooling {
  return new FieldSumPooling(args);
}
