import * as tf from '@tensorflow/tfjs';
import { FieldLayer } from './field-layer.js';
import { gatherRows } from './gather-rows.js';
import { inputList, scaleByValues, shapeList, type CallKwargs, type LayerArgs } from './layer-args.js';
import { packedPairIndex } from './pair-indices.js';
import { plainMatMul } from './fast-ops.js';

/** Options of {@link FieldMatrixedFactorizationMachine}. */
export interface FieldMatrixedFactorizationMachineArgs extends LayerArgs {
  /** Cardinality of each field (F = fieldDims.length ≥ 2); a slot's field is derived from its id. */
  fieldDims: number[];
}

/**
 * The pairwise term of a field-matrixed factorization machine, FmFM (Sun, Pan, Flores, Lin, Liu 2021,
 * "FM²: Field-matrixed Factorization Machines for Recommender Systems", WWW):
 * Σ_{i<j, f_i<f_j} v_i M_{f_i,f_j} v_jᵀ x_i x_j, one learned k×k matrix per pair of distinct fields f < g
 * (the feature of the lower-numbered field on the left), f_i the field of slot i's id. FwFM is the case
 * M_{f,g} = r_{f,g} I. Slots of the same field (multi-hot) do not interact: the paper defines no matrix for a
 * field with itself.
 *
 * Weight `'field_matrices'` `[F(F−1)/2, k, k]` (parameter group 'dense'): M_{f,g} for f < g in
 * {@link pairIndices}(F) order, each the identity at the start, so the layer starts as FM's pairwise term over
 * pairs of distinct fields.
 *
 * Input: `[ids int32 [B, W], embeddings float32 [B, W, k], values float32 [B, W]]` (unscaled embeddings).
 * Output: `[B, 1]`. Padding (value 0) contributes nothing.
 *
 * Cost O(W·k + F²·k²) per example: the field sums S_f = Σ_{i∈f} x_i v_i flattened to s ∈ ℝ^{F·k}, then
 * sᵀ U s (one 2-D matmul `[B, F·k] × [F·k, F·k]`) with U the block matrix holding M_{f,g} in block (f, g) for
 * f < g and zeros elsewhere (the paper caches the products v_i M_{f_i,g} per field g the same way).
 */
export class FieldMatrixedFactorizationMachine extends FieldLayer {
  static readonly className = 'FieldMatrixedFactorizationMachine';
  private matrices: tf.LayerVariable | null = null;
  private embeddingDim = 0;

  constructor(args: FieldMatrixedFactorizationMachineArgs) {
    super('FieldMatrixedFactorizationMachine', args);
    if (this.numFields < 2) throw new Error('FieldMatrixedFactorizationMachine: needs at least 2 fields (it models pairs of fields)');
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const [, embShape] = shapeList('FieldMatrixedFactorizationMachine', inputShape, 3, '[ids, embeddings, values]') as [tf.Shape, tf.Shape];
    const k = embShape[2];
    if (typeof k !== 'number') {
      throw new Error(`FieldMatrixedFactorizationMachine: embeddings must be [B, W, k] with known k, got [${embShape.join(', ')}]`);
    }
    const F = this.numFields;
    const pairs = (F * (F - 1)) / 2;
    this.embeddingDim = k;
    this.matrices = this.addWeight('field_matrices', [pairs, k, k], 'float32', tf.initializers.zeros());
    const matrices = this.matrices;
    tf.tidy(() => void matrices.write(tf.tile(tf.reshape(tf.eye(k), [1, k, k]), [pairs, 1, 1])));
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const [ids, emb, values] = inputList('FieldMatrixedFactorizationMachine', inputs, 3, '[ids, embeddings, values]') as [
        tf.Tensor,
        tf.Tensor,
        tf.Tensor,
      ];
      const batch = ids.shape[0] as number;
      const xv = scaleByValues(emb, values);
      const s = tf.reshape(this.sumByField(ids, xv), [batch, this.numFields * this.embeddingDim]);
      return tf.sum(tf.mul(plainMatMul(s, this.blockMatrix()), s), -1, true);
    });
  }

  /** M_{f,g} for fields f < g as `[k, k]` (a new tensor the caller disposes); M_{g,f} = M_{f,g}ᵀ. */
  fieldMatrix(f: number, g: number): tf.Tensor2D {
    const F = this.numFields;
    if (!(Number.isInteger(f) && Number.isInteger(g) && f >= 0 && g >= 0 && f < F && g < F && f !== g)) {
      throw new Error(`FieldMatrixedFactorizationMachine.fieldMatrix: expected two distinct fields in [0, ${F}), got (${f}, ${g})`);
    }
    if (this.matrices === null) throw new Error(`FieldMatrixedFactorizationMachine '${this.name}': call before build`);
    const k = this.embeddingDim;
    const p = packedPairIndex(F, false)[f * F + g] as number;
    const m = this.matrices;
    return tf.tidy(() => {
      const block = tf.reshape(tf.slice(m.read(), [p, 0, 0], [1, k, k]), [k, k]) as tf.Tensor2D;
      return f < g ? block : tf.transpose(block);
    });
  }

  /** U `[F·k, F·k]`: block (f, g) = M_{f,g} for f < g, else 0; built with gatherRows from a zero-padded table. */
  private blockMatrix(): tf.Tensor2D {
    if (this.matrices === null) throw new Error(`FieldMatrixedFactorizationMachine '${this.name}': call before build`);
    const F = this.numFields;
    const k = this.embeddingDim;
    const lookup = packedPairIndex(F, false);
    // row 0 of the padded table is zeros: the blocks f ≥ g
    const upper = Int32Array.from(lookup, (p, q) => (Math.floor(q / F) < q % F ? p + 1 : 0));
    const table = tf.concat([tf.zeros([1, k * k]), tf.reshape(this.matrices.read(), [-1, k * k])], 0) as tf.Tensor2D;
    const blocks = tf.reshape(gatherRows(table, tf.tensor1d(upper, 'int32')), [F, F, k, k]);
    return tf.reshape(tf.transpose(blocks, [0, 2, 1, 3]), [F * k, F * k]);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [idsShape] = shapeList('FieldMatrixedFactorizationMachine', inputShape, 3, '[ids, embeddings, values]') as [tf.Shape];
    return [idsShape[0] ?? null, 1];
  }
}
tf.serialization.registerClass(FieldMatrixedFactorizationMachine);

/** Creates a {@link FieldMatrixedFactorizationMachine} layer. */
export function fieldMatrixedFactorizationMachine(args: FieldMatrixedFactorizationMachineArgs): FieldMatrixedFactorizationMachine {
  return new FieldMatrixedFactorizationMachine(args);
}
