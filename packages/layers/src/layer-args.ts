import * as tf from '@tensorflow/tfjs';
import { randomNormalTensor } from './random-normal-values.js';

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

let zeroInitDepth = 0;

/** Zeros written by the backend's `Fill` kernel: tfjs's zeros initialiser builds them in JavaScript and copies them over. */
function fillZeros(): Initializer {
  const init = tf.initializers.zeros();
  init.apply = (shape, dtype) => tf.fill(shape as number[], 0, dtype);
  return init;
}

/**
 * Runs `f` with the random initialisers of this package's layers (the seeded normal of embedding tables, the
 * seeded Glorot of dense kernels) giving zeros instead: for rebuilding a model whose saved weights are written
 * right after, as tfjs's own `loadLayersModel` does with its `fastWeightInit`. Drawing a 1M-feature FFM's 625M
 * normals takes ~45 s and is thrown away. Synchronous: layers built after `f` returns initialise as usual.
 * Layers of other packages keep their initialisers.
 */
export function withZeroInit<T>(f: () => T): T {
  zeroInitDepth++;
  try {
    return f();
  } finally {
    zeroInitDepth--;
  }
}

/**
 * A seeded N(0, std²) initialiser; `seed` undefined gives a random one (zeros inside {@link withZeroInit}).
 * @internal
 */
export function normalInit(std: number, seed: number | undefined): Initializer {
  if (zeroInitDepth > 0) return fillZeros();
  const init = tf.initializers.randomNormal(seed === undefined ? { mean: 0, stddev: std } : { mean: 0, stddev: std, seed });
  const stock = init.apply.bind(init);
  // the same values as tfjs's own, drawn faster (randomNormalValues)
  init.apply = (shape, dtype) => {
    const dims = shape as number[];
    if (dtype !== undefined && dtype !== 'float32') return stock(shape, dtype);
    return randomNormalTensor(dims, 0, std, seed);
  };
  return init;
}

/**
 * A seeded Glorot-uniform initialiser for dense kernels; `seed` undefined gives a random one (zeros inside
 * {@link withZeroInit}).
 * @internal
 */
export function glorotInit(seed: number | undefined): Initializer {
  if (zeroInitDepth > 0) return fillZeros();
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

/** What a values tensor's data holds (a variable's assign gives new data): a 0 (a padding slot), only 1s; read once. */
const valueFacts = new WeakMap<object, { hasZero: boolean; allOnes: boolean }>();

/**
 * The facts of `values` on the backends that keep tensors in host memory (wasm, cpu), where reading is a copy, not a
 * device sync; undefined on other backends.
 */
function factsOf(values: tf.Tensor): { hasZero: boolean; allOnes: boolean } | undefined {
  const backend = tf.getBackend();
  if (backend !== 'wasm' && backend !== 'cpu') return undefined;
  let facts = valueFacts.get(values.dataId);
  if (facts === undefined) {
    const data = values.dataSync() as Float32Array;
    let hasZero = false;
    let allOnes = true;
    for (let i = 0; i < data.length; i++) {
      const v = data[i] as number;
      if (v === 0) hasZero = true;
      if (v !== 1) allOnes = false;
    }
    facts = { hasZero, allOnes };
    valueFacts.set(values.dataId, facts);
  }
  return facts;
}

/**
 * False when `values` certainly has no 0 (no padding slot), read on wasm and cpu; true otherwise and elsewhere.
 * @internal
 */
export function mayHavePadding(values: tf.Tensor): boolean {
  return factsOf(values)?.hasZero ?? true;
}

/**
 * `x ⊙ values` with values `[B, W]` broadcast over x's trailing axes (`[B, W]` or `[B, W, k]`), the scaling of a
 * feature's embedding or weight by its value. Skipped when every value is exactly 1 (all-categorical rows without
 * padding), which is known on wasm and cpu (x·1 is exact, and its gradient dy·1 too): the product and its
 * gradient kernel cost ~1 ms of a 2048-row NFM step.
 * @internal
 */
export function scaleByValues(x: tf.Tensor, values: tf.Tensor): tf.Tensor {
  if (factsOf(values)?.allOnes === true) return x;
  return tf.mul(x, x.rank === values.rank ? values : tf.expandDims(values, -1));
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
