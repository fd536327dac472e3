import * as tf from '@tensorflow/tfjs';

/** A tfjs weight initialiser (the value of `tf.initializers.zeros()` etc.). */
export type Initializer = ReturnType<typeof tf.initializers.zeros>;

/**
 * The base options every tfjs layer accepts (`name`, `trainable`, `inputShape`, ...): tfjs-layers' `LayerArgs`,
 * taken from the `tf.layers.Layer` constructor so that only `@tensorflow/tfjs` is needed.
 */
export type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** The keyword arguments tfjs passes to `Layer.call` (`training` among them). */
export type CallKwargs = Record<string, unknown>;

/** Default standard deviation of the normal initialiser of latent factors. */
export const DEFAULT_INIT_STD = 0.01;

/**
 * A seeded N(0, std²) initialiser; `seed` undefined gives a random one.
 * @internal
 */
export function normalInit(std: number, seed: number | undefined): Initializer {
  return tf.initializers.randomNormal(seed === undefined ? { mean: 0, stddev: std } : { mean: 0, stddev: std, seed });
}

/**
 * A seeded Glorot-uniform initialiser for dense kernels; `seed` undefined gives a random one.
 * @internal
 */
export function glorotInit(seed: number | undefined): Initializer {
  return tf.initializers.glorotUniform(seed === undefined ? {} : { seed });
}

/**
 * Derives the seed of a layer's `index`-th weight from the layer seed (undefined stays undefined).
 * @internal
 */
export function subSeed(seed: number | undefined, index: number): number | undefined {
  return seed === undefined ? undefined : seed * 31 + index * 7919 + 17;
}

/**
 * The config entries of the optional fields that are set (tfjs configs must be JSON: no `undefined`).
 * @internal
 */
export function definedEntries(entries: Record<string, unknown>): tf.serialization.ConfigDict {
  const out: tf.serialization.ConfigDict = {};
  for (const [key, value] of Object.entries(entries)) {
    if (value !== undefined) out[key] = value as tf.serialization.ConfigDictValue;
  }
  return out;
}

/**
 * Splits a layer's input into a list of tensors, checking the count.
 * @internal
 */
export function inputList(layer: string, inputs: tf.Tensor | tf.Tensor[], count: number, what: string): tf.Tensor[] {
  const list = Array.isArray(inputs) ? inputs : [inputs];
  if (list.length !== count) {
    throw new Error(`${layer}: expected ${count} inputs (${what}), got ${list.length}`);
  }
  return list;
}

/**
 * Splits a layer's input shape into a list of shapes, checking the count.
 * @internal
 */
export function shapeList(layer: string, inputShape: tf.Shape | tf.Shape[], count: number, what: string): tf.Shape[] {
  const nested = Array.isArray(inputShape[0]) || (inputShape.length === 0 && count === 0);
  const list = nested ? (inputShape as tf.Shape[]) : [inputShape as tf.Shape];
  if (list.length !== count) {
    throw new Error(`${layer}: expected ${count} inputs (${what}), got ${list.length}`);
  }
  return list;
}

/**
 * The shape of a layer's `ids` input: the first of several inputs (`[ids, values]`) or the only one.
 * @internal
 */
export function idsInputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
  return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
}

/**
 * The known slot count m and embedding size k of a layer's embeddings input `[B, m, k]` (the first input when
 * there are several), or a clear error.
 * @internal
 */
export function embeddingsInputShape(layer: string, inputShape: tf.Shape | tf.Shape[]): [number, number] {
  const shape = idsInputShape(inputShape);
  const [, m, k] = shape;
  if (shape.length !== 3 || typeof m !== 'number' || typeof k !== 'number') {
    throw new Error(`${layer}: embeddings must be [B, m, k] with known m and k, got [${shape.join(', ')}]`);
  }
  return [m, k];
}

/** Whether a values tensor has a 0 (a padding slot), by its data (a variable's assign gives new data); read once. */
const paddingOf = new WeakMap<object, boolean>();

/**
 * False when `values` certainly has no 0 (no padding slot): read on the backends that keep tensors in host memory
 * (wasm, cpu), where reading is a copy, not a device sync. True otherwise, and on other backends.
 */
function mayHavePadding(values: tf.Tensor): boolean {
  const backend = tf.getBackend();
  if (backend !== 'wasm' && backend !== 'cpu') return true;
  let padded = paddingOf.get(values.dataId);
  if (padded === undefined) {
    padded = (values.dataSync() as Float32Array).includes(0);
    paddingOf.set(values.dataId, padded);
  }
  return padded;
}

/**
 * Splits the input of a layer that takes embeddings `[B, m, k]` or `[embeddings, values [B, m]]` into the
 * embeddings and, when values are given, the slot mask `[B, m]` (1 where the value is non-zero, 0 for padding).
 * The mask is `undefined` when the values certainly have no 0 (on wasm and cpu, where reading them costs a copy):
 * a mask of ones would change nothing (x·1 and x + 0 are exact), and skipping it spares the masking ops and their
 * gradients on every interacting layer (all-categorical CTR data has no padding).
 * @internal
 */
export function embeddingsAndMask(layer: string, inputs: tf.Tensor | tf.Tensor[]): { emb: tf.Tensor; mask: tf.Tensor | undefined } {
  const list = Array.isArray(inputs) ? inputs : [inputs];
  const emb = list[0];
  if (emb === undefined || list.length > 2 || emb.rank !== 3) {
    throw new Error(`${layer}: expected embeddings [B, m, k] or [embeddings, values [B, m]]`);
  }
  const values = list[1];
  return { emb, mask: values === undefined || !mayHavePadding(values) ? undefined : tf.cast(tf.notEqual(values, 0), 'float32') };
}
