import * as tf from '@tensorflow/tfjs';
import { addBias, denseMatMul } from './fast-ops.js';
import { definedEntries, glorotInit, idsInputShape, type CallKwargs, type LayerArgs } from './layer-args.js';

/** Options of {@link CrossLayer}. */
export interface CrossLayerArgs extends LayerArgs {
  /** Seed of the kernel initialiser (Glorot uniform). Default: random. */
  seed?: number;
}

/**
 * One cross layer of the Deep & Cross Network (Wang, Fu, Fu, Wang 2017, "Deep & Cross Network for Ad Click
 * Predictions", ADKDD, eq. 3): x_{l+1} = x₀ x_lᵀ w_l + b_l + x_l. The outer product x₀ x_lᵀ is never formed:
 * x₀ (x_l · w_l) costs O(D) per example.
 *
 * Input: `x₀` `[B, …]`, or `[x₀, x_l]` with both `[B, …]` of the same size D (flattened to `[B, D]`); a single
 * input is both x₀ and x_l (the first layer). Output: `[B, D]`. Stack L layers, feeding each `[x₀, previous]`,
 * to model feature crosses up to degree L + 1.
 * Weights (parameter group 'dense'): `'cross_kernel'` w `[D, 1]` (Glorot uniform), `'cross_bias'` b `[D]` (zeros).
 */
export class CrossLayer extends tf.layers.Layer {
  static readonly className = 'CrossLayer';
  readonly seed: number | undefined;
  private kernel: tf.LayerVariable | null = null;
  private bias: tf.LayerVariable | null = null;

  constructor(args: CrossLayerArgs = {}) {
    super(args);
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const dim = crossInputDim('CrossLayer', inputShape);
    this.kernel = this.addWeight('cross_kernel', [dim, 1], 'float32', glorotInit(this.seed));
    this.bias = this.addWeight('cross_bias', [dim], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const [x0, xl] = crossInputs('CrossLayer', inputs);
      if (this.kernel === null || this.bias === null) throw new Error(`CrossLayer '${this.name}': call before build`);
      const scale = denseMatMul(xl, this.kernel.read() as tf.Tensor2D); // [B, 1] = x_l · w
      return tf.add(addBias(tf.mul(x0, scale) as tf.Tensor2D, this.bias.read() as tf.Tensor1D), xl);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return crossOutputShape(inputShape);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...definedEntries({ seed: this.seed }) };
  }
}
tf.serialization.registerClass(CrossLayer);

/** Creates a {@link CrossLayer}. */
export function crossLayer(args: CrossLayerArgs = {}): CrossLayer {
  return new CrossLayer(args);
}

/**
 * The shapes of a cross layer's input(s), checked to be one or two `[B, …]` of the same known flat size D.
 * @returns D.
 * @internal
 */
export function crossInputDim(layer: string, inputShape: tf.Shape | tf.Shape[]): number {
  const shapes = (Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as tf.Shape[];
  if (shapes.length < 1 || shapes.length > 2) throw new Error(`${layer}: expected x0 or [x0, xl], got ${shapes.length} inputs`);
  const dims = shapes.map((s) => {
    const rest = s.slice(1);
    if (rest.length === 0 || rest.some((d) => typeof d !== 'number')) {
      throw new Error(`${layer}: inputs must be [B, ...] with known sizes after the batch, got [${s.join(', ')}]`);
    }
    return (rest as number[]).reduce((a, b) => a * b, 1);
  });
  if (dims.length === 2 && dims[0] !== dims[1]) throw new Error(`${layer}: x0 has ${dims[0]} entries per example, xl ${dims[1]}`);
  return dims[0] as number;
}

/**
 * `[x₀, x_l]` flattened to `[B, D]` from a cross layer's input (one tensor: x_l = x₀).
 * @internal
 */
export function crossInputs(layer: string, inputs: tf.Tensor | tf.Tensor[]): [tf.Tensor2D, tf.Tensor2D] {
  const list = Array.isArray(inputs) ? inputs : [inputs];
  const first = list[0];
  if (first === undefined || list.length > 2) throw new Error(`${layer}: expected x0 or [x0, xl], got ${list.length} inputs`);
  const flat = (t: tf.Tensor) => tf.reshape(t, [t.shape[0] as number, -1]) as tf.Tensor2D;
  const x0 = flat(first);
  return [x0, list[1] === undefined ? x0 : flat(list[1])];
}

/**
 * `[B, D]` for a cross layer's input shape(s).
 * @internal
 */
export function crossOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
  const first = idsInputShape(inputShape);
  const rest = first.slice(1);
  const dim = rest.every((d) => typeof d === 'number') ? (rest as number[]).reduce((a, b) => a * b, 1) : null;
  return [first[0] ?? null, dim];
}
