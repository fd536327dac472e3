import * as tf from '@tensorflow/tfjs';
import { FieldLayer } from './field-layer.js';
import { gatherRows } from './gather-rows.js';
import { inputList, scaleByValues, shapeList, type CallKwargs, type LayerArgs } from './layer-args.js';
import { packedPairIndex } from './pair-indices.js';
import { plainMatMul } from './fast-ops.js';

/** Options of {@link FieldWeightedFactorizationMachine}. */
export interface FieldWeightedFactorizationMachineArgs extends LayerArgs {
  /** Cardinality of each field (F = fieldDims.length); a slot's field is derived from its id. */
  fieldDims: number[];
}

/**
 * The pairwise term of a field-weighted factorization machine (Pan, Xu, Ruiz, Flores, Liu 2018,
 * "Field-weighted Factorization Machines for Click-Through Rate Prediction in Display Advertising", WWW):
 * Σ_{i<j} r_{f_i,f_j} ⟨v_i, v_j⟩ x_i x_j over the slot pairs of an example, with one learned strength per
 * unordered field pair, f_i the field of slot i's id. Pairs of slots of the same field (multi-hot) use r_{f,f}.
 *
 * Weight `'field_pair_weights'` `[F(F+1)/2]` (parameter group 'dense'): r_{f,g} for f ≤ g, row-major; all 1 at
 * the start, so the layer starts as FM's pairwise term. {@link fieldPairWeights} returns them as a symmetric
 * `[F, F]` matrix.
 *
 * Input: `[ids int32 [B, W], embeddings float32 [B, W, k], values float32 [B, W]]` (unscaled embeddings).
 * Output: `[B, 1]`. Padding (value 0) contributes nothing.
 *
 * Cost O(W·k + F²·k) per example, without the `[B, W, W]` slot-pair tensor: with S_f = Σ_{i∈f} x_i v_i
 * (the field sums) the term is ½(Σ_{f,g} r_{f,g} ⟨S_f, S_g⟩ − Σ_i r_{f_i,f_i} ‖x_i v_i‖²), one 2-D matmul.
 */
export class FieldWeightedFactorizationMachine extends FieldLayer {
  static readonly className = 'FieldWeightedFactorizationMachine';
  private pairWeights: tf.LayerVariable | null = null;

  constructor(args: FieldWeightedFactorizationMachineArgs) {
    super('FieldWeightedFactorizationMachine', args);
  }

  override build(_inputShape: tf.Shape | tf.Shape[]): void {
    const F = this.numFields;
    this.pairWeights = this.addWeight('field_pair_weights', [(F * (F + 1)) / 2], 'float32', tf.initializers.ones());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const [ids, emb, values] = inputList('FieldWeightedFactorizationMachine', inputs, 3, '[ids, embeddings, values]') as [
        tf.Tensor,
        tf.Tensor,
        tf.Tensor,
      ];
      const batch = ids.shape[0] as number;
      const k = emb.shape[2] as number;
      const F = this.numFields;
      const xv = scaleByValues(emb, values);
      // Σ_{f,g} r_{f,g} ⟨S_f, S_g⟩ = Σ_c s_cᵀ r s_c with s_c = S[b, :, c]: one 2-D matmul [B·k, F] × [F, F]
      const byFactor = tf.reshape(tf.transpose(this.sumByField(ids, xv), [0, 2, 1]), [batch * k, F]);
      const all = tf.sum(tf.reshape(tf.mul(plainMatMul(byFactor, this.pairMatrix()), byFactor), [batch, k * F]), -1, true);
      // Σ_i r_{f_i,f_i} ‖x_i v_i‖² = Σ_f r_{f,f} N_f with N_f = Σ_{i∈f} ‖x_i v_i‖²: the i = j terms of the sum above
      const norms = this.sumByField(ids, tf.sum(tf.square(xv), -1, true));
      const self = plainMatMul(tf.reshape(norms, [batch, F]), this.diagonal());
      return tf.mul(tf.sub(all, self), 0.5);
    });
  }

  /** The field-pair strengths as a symmetric `[F, F]` matrix r (a new tensor the caller disposes). */
  fieldPairWeights(): tf.Tensor2D {
    return tf.tidy(() => this.pairMatrix());
  }

  /** r as `[F, F]`, each unordered pair's weight in both (f, g) and (g, f), read through gatherRows. */
  private pairMatrix(): tf.Tensor2D {
    const F = this.numFields;
    const lookup = tf.tensor1d(packedPairIndex(F, true), 'int32');
    return tf.reshape(gatherRows(this.table(), lookup), [F, F]);
  }

  /** r_{f,f} as `[F, 1]`. */
  private diagonal(): tf.Tensor2D {
    const F = this.numFields;
    const lookup = packedPairIndex(F, true);
    const diag = Int32Array.from({ length: F }, (_, f) => lookup[f * F + f] as number);
    return gatherRows(this.table(), tf.tensor1d(diag, 'int32')) as tf.Tensor2D;
  }

  private table(): tf.Tensor2D {
    if (this.pairWeights === null) throw new Error(`FieldWeightedFactorizationMachine '${this.name}': call before build`);
    return tf.reshape(this.pairWeights.read(), [-1, 1]);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [idsShape] = shapeList('FieldWeightedFactorizationMachine', inputShape, 3, '[ids, embeddings, values]') as [tf.Shape];
    return [idsShape[0] ?? null, 1];
  }
}
tf.serialization.registerClass(FieldWeightedFactorizationMachine);

/** Creates a {@link FieldWeightedFactorizationMachine} layer. */
export function fieldWeightedFactorizationMachine(args: FieldWeightedFactorizationMachineArgs): FieldWeightedFactorizationMachine {
  return new FieldWeightedFactorizationMachine(args);
}
