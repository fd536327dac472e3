import * as tf from '@tensorflow/tfjs';
import { biInteraction } from './bi-interaction.js';
import { reduceSum } from './fast-ops.js';
import { inputList, scaleByValues, type CallKwargs, type LayerArgs } from './layer-args.js';

/** Options of {@link FactorizationMachine}. */
export interface FactorizationMachineArgs extends LayerArgs {
  /**
   * true (default): output the pairwise term `[B, 1]`. false: output the bi-interaction vector `[B, k]` before
   * the sum over factors (the "Bi-Interaction pooling" of NFM, He & Chua 2017).
   */
  reduceSum?: boolean;
}

/**
 * The pairwise interaction of a factorization machine (Rendle 2010, "Factorization Machines", ICDM, eq. 5):
 * Σ_{i<j} ⟨v_i, v_j⟩ x_i x_j = ½ Σ_f [(Σ_i v_{i,f} x_i)² − Σ_i v_{i,f}² x_i²], in O(W k).
 *
 * Input: `[embeddings float32 [B, W, k], values float32 [B, W]]` (the embeddings unscaled, as
 * {@link FeaturesEmbedding} returns them for ids alone). Output: `[B, 1]` (or `[B, k]` with `reduceSum: false`).
 * No weights. Padding (value 0) contributes nothing.
 */
export class FactorizationMachine extends tf.layers.Layer {
  static readonly className = 'FactorizationMachine';
  readonly reduceSum: boolean;

  constructor(args: FactorizationMachineArgs = {}) {
    super(args);
    this.reduceSum = args.reduceSum ?? true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const [emb, values] = inputList('FactorizationMachine', inputs, 2, '[embeddings, values]') as [tf.Tensor, tf.Tensor];
      const perFactor = biInteraction(scaleByValues(emb, values));
      return this.reduceSum ? reduceSum(perFactor, -1, true) : perFactor;
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const embShape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [embShape[0] ?? null, this.reduceSum ? 1 : (embShape[2] ?? null)];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), reduceSum: this.reduceSum };
  }
}
tf.serialization.registerClass(FactorizationMachine);

/** Creates a {@link FactorizationMachine} layer. */
export function factorizationMachine(args: FactorizationMachineArgs = {}): FactorizationMachine {
  return new FactorizationMachine(args);
}
