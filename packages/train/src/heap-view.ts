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
