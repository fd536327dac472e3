import * as tf from '@tensorflow/tfjs';

/** The parts of tfjs-backend-wasm's `BackendWasm` used here (public methods of that class). */
export interface WasmHeap {
  typedArrayFromHeap(t: { dataId: object; shape: number[]; dtype: tf.DataType }): Float32Array;
  refCount(dataId: object): number;
}

/**
 * The wasm backend when it is the active one, else undefined. Its tensors live in the wasm heap, so a
 * trainer can read them without a copy and write rows of a table in place.
 */
export function wasmHeap(): WasmHeap | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const backend = tf.backend() as unknown as Partial<WasmHeap>;
  return typeof backend.typedArrayFromHeap === 'function' && typeof backend.refCount === 'function' ? (backend as WasmHeap) : undefined;
}

/**
 * A view of a float32 tensor's storage in the wasm heap, for reading. Valid only until the next wasm
 * allocation (a growing heap detaches it): take it, use it synchronously, drop it.
 */
export function readView(heap: WasmHeap, t: tf.Tensor): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`readView: expected a float32 tensor, got ${t.dtype}`);
  return heap.typedArrayFromHeap(t);
}

/**
 * A view for writing in place: undefined when another tensor shares the storage (a clone, a reshape), which
 * must not see the write. Only for sparse tables, which the layers read through gathers alone: the wasm
 * backend caches XNNPACK operators by the tensor of a matMul's right operand, so a weight used that way
 * must get a new tensor instead. Same lifetime rule as {@link readView}.
 */
export function writeView(heap: WasmHeap, t: tf.Tensor): Float32Array | undefined {
  return heap.refCount(t.dataId) === 1 ? readView(heap, t) : undefined;
}

/**
 * A tensor's values to read right away: on wasm a view of its heap storage (no copy; same lifetime rule as
 * {@link readView}), elsewhere `dataSync()`.
 */
export function valuesOf(t: tf.Tensor): Float32Array | Int32Array {
  const heap = t.dtype === 'float32' ? wasmHeap() : undefined;
  return heap ? readView(heap, t) : (t.dataSync() as Float32Array | Int32Array);
}

/**
 * A tensor holding a copy of `values`. The cpu backend keeps the very array it is given (no copy),
 * so a variable written from native arrays would change whenever native training changes them.
 */
export function tensorOf(values: Float32Array | Int32Array, shape: number[]): tf.Tensor {
  return tf.tensor(tf.getBackend() === 'cpu' ? values.slice() : values, shape, values instanceof Int32Array ? 'int32' : 'float32');
}

/**
 * Sets a variable to `values`. With `inPlace`, on wasm into the variable's own storage when no other tensor
 * shares it ({@link writeView}): a new tensor would need the heap (4 GiB at most) to hold the weight twice, and a
 * 1M-feature FFM table at k = 16 is 2.5 GB. Otherwise, and on other backends, as a new tensor ({@link tensorOf}).
 * In place is for weights read through gathers, or not read yet: the wasm backend caches XNNPACK operators by the
 * weight tensor of a product.
 */
export function assignVariable(v: tf.LayerVariable, values: Float32Array | Int32Array, inPlace: boolean): void {
  const heap = inPlace && v.dtype === 'float32' && values instanceof Float32Array ? wasmHeap() : undefined;
  const view = heap ? writeView(heap, v.read()) : undefined;
  if (view !== undefined && view.length === values.length) {
    view.set(values);
    return;
  }
  const t = tensorOf(values, v.shape as number[]);
  v.write(t);
  t.dispose();
}

/**
 * Runs `f` with the wasm backend's `Identity` kernel sharing its input's storage (a reference count more, as
 * tfjs's own cpu backend and the wasm `Reshape` do) instead of copying it. tfjs clones every tensor a gradient
 * needs when it records the tape (`saveTensorsForBackwardMode`), through `Identity`: on wasm each clone is a copy
 * of the whole activation (about 30 ms of a deep CTR model's 2048-row step). Tensors are immutable, so sharing is
 * safe; the only writes in place ({@link writeView}) check that no other tensor shares the storage. The tape's saves
 * skip the kernel altogether ({@link cloneShared}). The stock kernel and method are restored when `f` returns or
 * throws; other backends run `f` unchanged.
 */
export function withSharedIdentity<T>(f: () => T): T {
  const stock = wasmHeap() ? tf.getKernel('Identity', 'wasm') : undefined;
  if (!stock) return f();
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({ ...stock, kernelFunc: shareIdentity });
  const engine = tf.engine() as unknown as TapeEngine;
  const saving = typeof engine.clone === 'function' && typeof engine.makeTensorFromTensorInfo === 'function';
  if (saving) engine.clone = cloneShared;
  try {
    return f();
  } finally {
    // the prototype's method again
    if (saving) delete (engine as Partial<TapeEngine>).clone;
    tf.unregisterKernel('Identity', 'wasm');
    tf.registerKernel(stock);
  }
}

/** The parts of tfjs-core's `Engine` that {@link cloneShared} uses (tfjs 4.x). */
interface TapeEngine {
  clone(x: tf.Tensor): tf.Tensor;
  makeTensorFromTensorInfo(info: tf.TensorInfo): tf.Tensor;
  readonly backend: { incRef(dataId: object): void };
}

/**
 * The engine's internal `clone` as {@link shareIdentity} would do it, without running a kernel: a new tensor on the
 * same storage (a reference count more). tfjs-core calls it only to save the tensors a gradient needs (ops'
 * `saveTensorsForBackwardMode`, custom gradients' `save`); the stock method runs `Identity` and adds a tape node
 * for each: ~20 of a 256-row NFM step's ~70 kernels.
 */
function cloneShared(this: TapeEngine, x: tf.Tensor): tf.Tensor {
  this.backend.incRef(x.dataId);
  return this.makeTensorFromTensorInfo({ dataId: x.dataId, shape: x.shape, dtype: x.dtype });
}

/** `Identity` without a copy (string tensors keep the stock path outside {@link withSharedIdentity}'s use: none reach a tape). */
const shareIdentity: tf.KernelFunc = ({ inputs, backend }) => {
  const x = inputs['x'] as tf.TensorInfo;
  (backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};
