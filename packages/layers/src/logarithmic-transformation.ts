import * as tf from '@tensorflow/tfjs';
import { denseMatMul } from './fast-ops.js';
import { definedEntries, embeddingsAndMask, embeddingsInputShape, glorotInit, idsInputShape, type CallKwargs, type LayerArgs } from './layer-args.js';

/** Options of {@link LogarithmicTransformation}. */
export interface LogarithmicTransformationArgs extends LayerArgs {
  /** Number L of logarithmic neurons. */
  units: number;
  /** ε added to |e| before the logarithm (keeps it finite at 0). Default 1e-7. */
  epsilon?: number;
  /** Seed of the kernel initialiser (Glorot uniform). Default: random. */
  seed?: number;
}

/**
 * The logarithmic transformation layer of the Adaptive Factorization Network (Cheng, Shen, Huang 2020,
 * "Adaptive Factorization Network: Learning Adaptive-Order Feature Interactions", AAAI, eq. 5-6): neuron j
 * outputs y_j = exp(Σ_i w_ij ln(|e_i| + ε)) = Π_i (|e_i| + ε)^{w_ij}, elementwise over the k embedding
 * dimensions, so each neuron learns a cross feature of arbitrary (even fractional) order.
 *
 * Input: embeddings `[B, m, k]`, or `[embeddings, values [B, m]]`: then slots whose value is 0 (padding) get
 * ln-term 0, i.e. factor 1, and do not change the product. Output: `[B, L, k]`.
 * Weight (group 'dense'): `'log_kernel'` `[m, L]` (Glorot uniform). One 2-D matMul `[B·k, m] × [m, L]`.
 */
export class LogarithmicTransformation extends tf.layers.Layer {
  static readonly className = 'LogarithmicTransformation';
  readonly units: number;
  readonly epsilon: number;
  readonly seed: number | undefined;
  private kernel: tf.LayerVariable | null = null;

  constructor(args: LogarithmicTransformationArgs) {
    super(args);
    if (!Number.isInteger(args.units) || args.units <= 0) {
      throw new Error(`LogarithmicTransformation: units must be a positive integer, got ${args.units}`);
    }
    const epsilon = args.epsilon ?? 1e-7;
    if (!(epsilon > 0 && Number.isFinite(epsilon))) throw new Error(`LogarithmicTransformation: epsilon must be > 0, got ${epsilon}`);
    this.units = args.units;
    this.epsilon = epsilon;
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const [m] = embeddingsInputShape('LogarithmicTransformation', inputShape);
    this.kernel = this.addWeight('log_kernel', [m, this.units], 'float32', glorotInit(this.seed));
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const { emb, mask } = embeddingsAndMask('LogarithmicTransformation', inputs);
      if (this.kernel === null) throw new Error(`LogarithmicTransformation '${this.name}': call before build`);
      const [batch, m, k] = emb.shape as [number, number, number];
      let logs = tf.log(tf.add(tf.abs(emb), this.epsilon));
      if (mask !== undefined) logs = tf.mul(logs, tf.expandDims(mask, -1));
      const byDim = tf.reshape(tf.transpose(logs, [0, 2, 1]), [batch * k, m]) as tf.Tensor2D;
      const neurons = tf.exp(denseMatMul(byDim, this.kernel.read() as tf.Tensor2D)); // [B·k, L]
      return tf.transpose(tf.reshape(neurons, [batch, k, this.units]), [0, 2, 1]);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = idsInputShape(inputShape);
    return [shape[0] ?? null, this.units, shape[2] ?? null];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, epsilon: this.epsilon, ...definedEntries({ seed: this.seed }) };
  }
}
tf.serialization.registerClass(LogarithmicTransformation);

/** Creates a {@link LogarithmicTransformation} layer. */
export function logarithmicTransformation(args: LogarithmicTransformationArgs): LogarithmicTransformation {
  return new LogarithmicTransformation(args);
}
