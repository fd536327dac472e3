import * as tf from '@tensorflow/tfjs';
import { relu } from './relu.js';
import { denseLayer } from './dense-layer.js';
import { definedEntries, glorotInit, subSeed, type CallKwargs, type LayerArgs } from './layer-args.js';

/** Options of {@link MultiLayerPerceptron}. */
export interface MultiLayerPerceptronArgs extends LayerArgs {
  /** Sizes of the hidden layers, each dense → (batch norm) → ReLU → (dropout). May be empty. */
  hiddenUnits: number[];
  /** Size of a final linear output layer (no activation). Default: none (output the last hidden layer). */
  outputUnits?: number;
  /** Dropout rate after each hidden ReLU during training. Default 0. */
  dropout?: number;
  /** Batch normalisation after each hidden dense layer (Ioffe & Szegedy 2015). Default false. */
  batchNorm?: boolean;
  /** Momentum of the batch-norm moving statistics. Default 0.99. */
  momentum?: number;
  /** Seed of the kernel initialisers. Default: random. */
  seed?: number;
}

interface DenseBlock {
  kernel: tf.LayerVariable;
  bias: tf.LayerVariable;
  norm?: { gamma: tf.LayerVariable; beta: tf.LayerVariable; mean: tf.LayerVariable; variance: tf.LayerVariable };
}

const BN_EPSILON = 1e-3;

/**
 * A multi-layer perceptron, the deep component of NFM (He & Chua 2017) and DeepFM (Guo et al. 2017).
 * Owns its weights (so they carry parameter-group names): `'dense_kernel_l'`, `'dense_bias_l'`, and with batch
 * norm `'bn_gamma_l'`, `'bn_beta_l'` and the non-trainable `'bn_moving_mean_l'`, `'bn_moving_variance_l'`; the
 * output layer's are `'dense_kernel_out'`, `'dense_bias_out'`.
 *
 * Input: `[B, ...]` (flattened to `[B, d]`). Output: `[B, outputUnits]`, or `[B, last hidden size]`.
 * Dropout and batch statistics apply only when called with `{training: true}`.
 */
export class MultiLayerPerceptron extends tf.layers.Layer {
  static readonly className = 'MultiLayerPerceptron';
  readonly hiddenUnits: number[];
  readonly outputUnits: number | undefined;
  readonly dropout: number;
  readonly batchNorm: boolean;
  readonly momentum: number;
  readonly seed: number | undefined;
  private blocks: DenseBlock[] = [];
  private outputBlock: DenseBlock | null = null;

  constructor(args: MultiLayerPerceptronArgs) {
    super(args);
    const units = args.hiddenUnits;
    if (!Array.isArray(units) || units.some((u) => !Number.isInteger(u) || u <= 0)) {
      throw new Error(`MultiLayerPerceptron: hiddenUnits must be an array of positive integers, got ${JSON.stringify(units)}`);
    }
    if (args.outputUnits !== undefined && !(Number.isInteger(args.outputUnits) && args.outputUnits > 0)) {
      throw new Error(`MultiLayerPerceptron: outputUnits must be a positive integer, got ${args.outputUnits}`);
    }
    if (units.length === 0 && args.outputUnits === undefined) {
      throw new Error('MultiLayerPerceptron: needs at least one hidden layer or outputUnits');
    }
    const dropout = args.dropout ?? 0;
    if (!(dropout >= 0 && dropout < 1)) throw new Error(`MultiLayerPerceptron: dropout must be in [0, 1), got ${dropout}`);
    this.hiddenUnits = [...units];
    this.outputUnits = args.outputUnits;
    this.dropout = dropout;
    this.batchNorm = args.batchNorm ?? false;
    this.momentum = args.momentum ?? 0.99;
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    let inDim = flatSize(shape);
    this.blocks = this.hiddenUnits.map((units, l) => {
      const block: DenseBlock = {
        kernel: this.addWeight(`dense_kernel_${l}`, [inDim, units], 'float32', glorotInit(subSeed(this.seed, l))),
        bias: this.addWeight(`dense_bias_${l}`, [units], 'float32', tf.initializers.zeros()),
      };
      if (this.batchNorm) {
        block.norm = {
          gamma: this.addWeight(`bn_gamma_${l}`, [units], 'float32', tf.initializers.ones()),
          beta: this.addWeight(`bn_beta_${l}`, [units], 'float32', tf.initializers.zeros()),
          mean: this.addWeight(`bn_moving_mean_${l}`, [units], 'float32', tf.initializers.zeros(), undefined, false),
          variance: this.addWeight(`bn_moving_variance_${l}`, [units], 'float32', tf.initializers.ones(), undefined, false),
        };
      }
      inDim = units;
      return block;
    });
    if (this.outputUnits !== undefined) {
      this.outputBlock = {
        kernel: this.addWeight('dense_kernel_out', [inDim, this.outputUnits], 'float32', glorotInit(subSeed(this.seed, 1000))),
        bias: this.addWeight('dense_bias_out', [this.outputUnits], 'float32', tf.initializers.zeros()),
      };
    }
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const input = Array.isArray(inputs) ? inputs[0] : inputs;
      if (input === undefined) throw new Error('MultiLayerPerceptron: no input');
      const training = kwargs['training'] === true;
      let x: tf.Tensor = tf.reshape(input, [input.shape[0] as number, -1]);
      for (const block of this.blocks) {
        const kernel = block.kernel.read() as tf.Tensor2D;
        const bias = block.bias.read() as tf.Tensor1D;
        if (block.norm === undefined) x = denseLayer(x as tf.Tensor2D, kernel, bias, 'relu');
        else x = relu(this.normalize(denseLayer(x as tf.Tensor2D, kernel, bias), block.norm, training));
        if (training && this.dropout > 0) x = tf.dropout(x, this.dropout);
      }
      if (this.outputBlock !== null) {
        x = denseLayer(x as tf.Tensor2D, this.outputBlock.kernel.read() as tf.Tensor2D, this.outputBlock.bias.read() as tf.Tensor1D);
      }
      return x;
    });
  }

  private normalize(x: tf.Tensor, norm: NonNullable<DenseBlock['norm']>, training: boolean): tf.Tensor {
    let mean: tf.Tensor;
    let variance: tf.Tensor;
    if (training) {
      ({ mean, variance } = tf.moments(x, 0));
      const m = this.momentum;
      const batchMean = mean;
      const batchVariance = variance;
      tf.tidy(() => {
        norm.mean.write(tf.add(tf.mul(norm.mean.read(), m), tf.mul(batchMean, 1 - m)));
        norm.variance.write(tf.add(tf.mul(norm.variance.read(), m), tf.mul(batchVariance, 1 - m)));
      });
    } else {
      mean = norm.mean.read();
      variance = norm.variance.read();
    }
    return tf.batchNorm(x, mean, variance, norm.beta.read(), norm.gamma.read(), BN_EPSILON);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const last = this.outputUnits ?? this.hiddenUnits[this.hiddenUnits.length - 1];
    return [shape[0] ?? null, last ?? null];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      hiddenUnits: this.hiddenUnits,
      dropout: this.dropout,
      batchNorm: this.batchNorm,
      momentum: this.momentum,
      ...definedEntries({ outputUnits: this.outputUnits, seed: this.seed }),
    };
  }
}
tf.serialization.registerClass(MultiLayerPerceptron);

function flatSize(shape: tf.Shape): number {
  const dims = shape.slice(1);
  if (dims.some((d) => typeof d !== 'number')) {
    throw new Error(`MultiLayerPerceptron: input dims after the batch must be known, got [${shape.join(', ')}]`);
  }
  return (dims as number[]).reduce((a, b) => a * b, 1);
}

/** Creates a {@link MultiLayerPerceptron} layer. */
export function multiLayerPerceptron(args: MultiLayerPerceptronArgs): MultiLayerPerceptron {
  return new MultiLayerPerceptron(args);
}
