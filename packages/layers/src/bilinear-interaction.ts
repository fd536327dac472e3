import * as tf from '@tensorflow/tfjs';
import { denseMatMul } from './fast-ops.js';
import { gatherRows } from './gather-rows.js';
import { definedEntries, embeddingsInputShape, idsInputShape, type CallKwargs, type LayerArgs } from './layer-args.js';
import { pairIndices } from './pair-indices.js';
import { pairProductsOfParts } from './pair-products.js';

/** How {@link BilinearInteraction} shares its `[k, k]` matrices. */
export type BilinearType = 'field-all' | 'field-each' | 'field-interaction';

/** The bilinear types, in a stable order. */
export const BILINEAR_TYPES: readonly BilinearType[] = ['field-all', 'field-each', 'field-interaction'];

/** Options of {@link BilinearInteraction}. */
export interface BilinearInteractionArgs extends LayerArgs {
  /**
   * Per input: 'field-all' (default): one W shared by every pair; 'field-each': W_i per slot i; 'field-interaction': W_ij per
   * slot pair (DeepCTR's default, but a P-batch matMul, slow on tfjs-wasm; see the class notes).
   */
  bilinearType?: BilinearType;
  /** Seed of the initialiser. Default: random. */
  seed?: number;
}

/**
 * The bilinear-interaction layer of FiBiNET (Huang, Zhang, Zhang 2019, "FiBiNET: Combining Feature Importance and
 * Bilinear Feature Interaction for Click-Through Rate Prediction", RecSys, section 3.4): for every slot pair
 * i < j, p_ij = (v_i W) ⊙ v_j with W = W (field-all), W_i (field-each) or W_ij (field-interaction).
 *
 * Input: embeddings `[B, m, k]` (padding rows 0 give p = 0), or a list of n such tensors, each with its own
 * kernels (FiBiNET's two bilinear layers, over the embeddings and their SENET re-weighting, as one layer).
 * Output: `[B, n·P, k]`, P = m(m−1)/2 pairs per input in {@link pairIndices} order ((0,1), (0,2), …), input by
 * input. Weight (group 'dense'): `'bilinear_kernel'`: field-all `[k, k]` (n = 1) or `[n, k, k]`; field-each
 * `[n·m, k, k]`; field-interaction `[n·P, k, k]` (row t·m + i, resp. t·P + p, for input t); uniform ±√(3/k).
 *
 * field-all: v W is one 2-D matMul per input, and {@link pairProductsOfParts} writes every input's (v_i W) ⊙ v_j
 * straight into `[B, n·P, k]` (one WebAssembly SIMD kernel on wasm for n ≤ 2: no transposes, gathers, or concat,
 * whose gradient split tfjs-wasm runs through JavaScript).
 * The other types are slot-major, with no slicing of big tensors (tfjs-wasm copies a sliced tensor's whole input
 * through JavaScript): the inputs are transposed to `[m, B·k]` and stacked `[n·m, B·k]`; v_i W is one
 * `[n·m, B, k] × [n·m, k, k]` batched matMul (field-each); the pairs' rows are picked with
 * {@link gatherRows} (gatherND forward, scatterND backward, native on wasm); one transpose gives `[B, n·P, k]`.
 * field-interaction multiplies `[n·P, B, k] × [n·P, k, k]`, a batched matMul of n·P batches, which tfjs-wasm runs
 * on its slow naive kernel: by far the most expensive type there. The output is large (n·P·k per example).
 */
export class BilinearInteraction extends tf.layers.Layer {
  static readonly className = 'BilinearInteraction';
  readonly bilinearType: BilinearType;
  readonly seed: number | undefined;
  private kernel: tf.LayerVariable | null = null;

  constructor(args: BilinearInteractionArgs = {}) {
    super(args);
    const type = args.bilinearType ?? 'field-all';
    if (!BILINEAR_TYPES.includes(type)) {
      throw new Error(`BilinearInteraction: bilinearType must be one of ${BILINEAR_TYPES.join(', ')}, got ${JSON.stringify(type)}`);
    }
    this.bilinearType = type;
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shapes = (Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as tf.Shape[];
    const [m, k] = embeddingsInputShape('BilinearInteraction', shapes[0] as tf.Shape);
    if (m < 2) throw new Error(`BilinearInteraction: needs m ≥ 2 slots to pair, got ${m}`);
    shapes.forEach((shape, t) => {
      const [mt, kt] = embeddingsInputShape('BilinearInteraction', shape);
      if (mt !== m || kt !== k) throw new Error(`BilinearInteraction: input ${t} is [B, ${mt}, ${kt}], input 0 [B, ${m}, ${k}]`);
    });
    const n = shapes.length;
    const lead =
      this.bilinearType === 'field-all' ? (n === 1 ? [] : [n]) : this.bilinearType === 'field-each' ? [n * m] : [(n * m * (m - 1)) / 2];
    const limit = Math.sqrt(3 / k);
    const init = tf.initializers.randomUniform({ minval: -limit, maxval: limit, ...definedEntries({ seed: this.seed }) });
    this.kernel = this.addWeight('bilinear_kernel', [...lead, k, k], 'float32', init);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      const first = list[0];
      if (first === undefined || list.some((t) => t.rank !== 3)) throw new Error('BilinearInteraction: expected embeddings [B, m, k] or a list of them');
      if (this.kernel === null) throw new Error(`BilinearInteraction '${this.name}': call before build`);
      const [batch, m, k] = first.shape as [number, number, number];
      const n = list.length;
      const kernel = this.kernel.read();
      const kernelOf = (t: number) => (n === 1 ? kernel : tf.reshape(tf.slice(kernel, [t, 0, 0], [1, k, k]), [k, k])) as tf.Tensor2D;
      if (this.bilinearType === 'field-all') {
        // batch-major throughout: (v_i W) ⊙ v_j by pairProductsOfParts (one pass; no transposes, gathers or scatters)
        return pairProductsOfParts(
          list.map((e, t) => [tf.reshape(denseMatMul(tf.reshape(e, [batch * m, k]) as tf.Tensor2D, kernelOf(t)), [batch, m, k]), e] as const),
        );
      }
      const { rows, cols } = pairIndices(m);
      const numPairs = rows.length;
      const offsetIds = (ids: Int32Array) => {
        const out = new Int32Array(n * ids.length);
        for (let t = 0; t < n; t++) for (let p = 0; p < ids.length; p++) out[t * ids.length + p] = (ids[p] as number) + t * m;
        return tf.tensor1d(out, 'int32');
      };
      const rowIds = offsetIds(rows);
      // slot-major [m, B·k] per input, stacked [n·m, B·k]: pairs' rows are then picked with gatherRows
      const slotMajor = list.map((e) => tf.reshape(tf.transpose(e, [1, 0, 2]), [m, batch * k]) as tf.Tensor2D);
      const bySlot = n === 1 ? (slotMajor[0] as tf.Tensor2D) : (tf.concat(slotMajor, 0) as tf.Tensor2D);
      let left: tf.Tensor; // [n·P, B·k]: v_i W for every pair (i, j) of every input
      if (this.bilinearType === 'field-each') {
        const projected = tf.matMul(tf.reshape(bySlot, [n * m, batch, k]) as tf.Tensor3D, kernel as tf.Tensor3D); // [n·m, B, k]
        left = gatherRows(tf.reshape(projected, [n * m, batch * k]) as tf.Tensor2D, rowIds);
      } else {
        const firsts = tf.reshape(gatherRows(bySlot, rowIds), [n * numPairs, batch, k]) as tf.Tensor3D;
        left = tf.reshape(tf.matMul(firsts, kernel as tf.Tensor3D), [n * numPairs, batch * k]);
      }
      const pairs = tf.mul(left, gatherRows(bySlot, offsetIds(cols))); // [n·P, B·k]
      return tf.transpose(tf.reshape(pairs, [n * numPairs, batch, k]), [1, 0, 2]);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shapes = (Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as tf.Shape[];
    const shape = idsInputShape(inputShape);
    const m = shape[1];
    return [shape[0] ?? null, typeof m === 'number' ? (shapes.length * m * (m - 1)) / 2 : null, shape[2] ?? null];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), bilinearType: this.bilinearType, ...definedEntries({ seed: this.seed }) };
  }
}
tf.serialization.registerClass(BilinearInteraction);

/** Creates a {@link BilinearInteraction} layer. */
export function bilinearInteraction(args: BilinearInteractionArgs = {}): BilinearInteraction {
  return new BilinearInteraction(args);
}
