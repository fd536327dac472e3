/**
 * The sparse-table work of a {@link TrainStep} on the wasm backend as WebAssembly kernels over tfjs-backend-wasm's
 * own memory (no copies between memories): the batch's rows gathered out of a table, the per-slot gradient summed
 * per distinct row, and Adam's lazy row update written back into the table in place. The same work in
 * TypeScript (train-step.ts, optimizers.ts) costs ~4 ns per coordinate, which made it about 40 % of a 256-row NFM
 * step (see bench/README.md, deep-default).
 *
 * Gathers copy bits and the sums are float32 adds, as in TypeScript (a float64 sum of two float32 values rounded to
 * float32 is the float32 sum). Adam's update of rows of k = 4, 8, … coordinates runs four at a time in float32
 * (`adamRows16`), which agrees with the TypeScript's float64 arithmetic to float32 rounding; other rows
 * (`adamRows`: the linear weights, k = 1) run in float64 with the TypeScript's operations in its order, bit-identical.
 * @internal
 */
import * as tf from '@tensorflow/tfjs';
import {
  ADD, F32, F32_ADD, F32_DEMOTE, F32_LOAD, F32_STORE, F32X4_ADD, F32X4_DIV, F32X4_MUL, F32X4_SPLAT, F32X4_SQRT, F32X4_SUB,
  F64, F64_ADD, F64_DIV, F64_FROM_I32, F64_GT, F64_MUL, F64_PROMOTE, F64_SQRT, F64_SUB, I32, LT_U, MUL, SUB, V128, V128_LOAD, V128_STORE,
  f64, forLoop, get, heapModule, i32, i32LoadAt, i32StoreAt, ifThen, set, typedModule, type TypedFunction,
} from '@fm/layers/wasm-bytecode';
import { TOUCH_CHUNK } from './row-gather.js';

/** The kernels; every address is a byte offset in the wasm backend's memory. */
export interface SparseRowKernels {
  /** `out[s, :] = table[ids[s], :]` for `n` int32 ids, rows of `rowBytes` (a multiple of 16). */
  gatherRows16(table: number, ids: number, n: number, rowBytes: number, out: number): void;
  /** The same for any multiple of 4. */
  gatherRows4(table: number, ids: number, n: number, rowBytes: number, out: number): void;
  /** `g[local[s], :] += d[s, :]` for `n` slots, in slot order; rows of `rowBytes` (a multiple of 16). */
  scatterAdd16(g: number, local: number, n: number, rowBytes: number, d: number): void;
  /** The same for any multiple of 4. */
  scatterAdd4(g: number, local: number, n: number, rowBytes: number, d: number): void;
  /**
   * Adam on the `nU` rows `unique[u]` of `table` (moments `m`, `v` laid out as the table), from their summed
   * gradients `g` (`[nU, row]`): first `g += (λ·counts[u]/rows)·w` when λ > 0, then the rule of `adamSpan`
   * (optimizers.ts) with `omb1 = 1 − β₁`, `omb2 = 1 − β₂` and the bias corrections c1, c2.
   */
  adamRows(
    table: number, m: number, v: number, g: number, unique: number, counts: number, nU: number, rowBytes: number,
    lambda: number, rows: number, lr: number, b1: number, omb1: number, b2: number, omb2: number, eps: number, c1: number, c2: number,
  ): void;
  /**
   * The same update for rows of a multiple of 16 bytes, four coordinates at a time in float32:
   * `w ← w − (lrC1·m) / (√v·invC2 + ε)` with `lrC1 = lr/c1`, `invC2 = 1/c2` (one divide and one square root per
   * four coordinates; {@link adamRows} needs three divides per coordinate). Agrees with it to float32 rounding.
   * With more than one row, each chunk of `TOUCH_CHUNK` rows (row-gather.ts) first has every cache line of its `w`,
   * `m` and `v` loaded in one short loop (the rows come from anywhere in a table larger than the caches, and the
   * update's body is too long for the CPU to overlap one row's misses with the next's): returns the sum of the
   * floats it loaded (so the loads are not dropped), else 0.
   */
  adamRows16(
    table: number, m: number, v: number, g: number, unique: number, counts: number, nU: number, rowBytes: number,
    lambda: number, rows: number, lrC1: number, b1: number, omb1: number, b2: number, omb2: number, eps: number, invC2: number,
  ): number;
}

/**
 * `for s < n: row op` over indexed rows: `indexed + index[s]·rowBytes` (i32 ids) against the s-th row of a packed
 * `running` array, 16 or 4 bytes at a time. Params 0 indexed, 1 index, 2 n, 3 rowBytes, 4 running; locals
 * 5 s (address in index), 6 end, 7 indexed row, 8 running row, 9 b (byte in the row); `op(at)` works at byte `at`
 * of rows 7 and 8.
 */
function slotRows(name: string, wide: boolean, op: (at: number[]) => number[]): TypedFunction {
  return {
    name,
    params: [I32, I32, I32, I32, I32],
    results: [],
    locals: [[5, I32]],
    body: [
      ...get(4), ...set(8),
      ...get(1), ...get(2), ...i32(4), ...MUL, ...ADD, ...set(6),
      ...forLoop(5, get(1), get(6), i32(4), [
        ...get(0), ...get(5), ...i32LoadAt(0), ...get(3), ...MUL, ...ADD, ...set(7),
        ...forLoop(9, i32(0), get(3), i32(wide ? 16 : 4), op(get(9))),
        ...get(8), ...get(3), ...ADD, ...set(8),
      ]),
    ],
  };
}

/** `running[s, :] = indexed[index[s], :]`: bits copied, as v128 or i32. */
const gatherRows = (wide: boolean) =>
  slotRows(wide ? 'gatherRows16' : 'gatherRows4', wide, (at) =>
    wide
      ? [...get(8), ...at, ...ADD, ...get(7), ...at, ...ADD, ...V128_LOAD, ...V128_STORE]
      : [...get(8), ...at, ...ADD, ...get(7), ...at, ...ADD, ...i32LoadAt(0), ...i32StoreAt(0)],
  );

/** `indexed[index[s], :] += running[s, :]`, float32 adds. */
const scatterAdd = (wide: boolean) =>
  slotRows(wide ? 'scatterAdd16' : 'scatterAdd4', wide, (at) =>
    wide
      ? [...get(7), ...at, ...ADD, ...get(7), ...at, ...ADD, ...V128_LOAD, ...get(8), ...at, ...ADD, ...V128_LOAD, ...F32X4_ADD, ...V128_STORE]
      : [...get(7), ...at, ...ADD, ...get(7), ...at, ...ADD, ...F32_LOAD, ...get(8), ...at, ...ADD, ...F32_LOAD, ...F32_ADD, ...F32_STORE],
  );

function adamRows(): TypedFunction {
  // params: 0 table, 1 m, 2 v, 3 g, 4 unique, 5 counts, 6 nU, 7 rowBytes (i32); 8 lambda, 9 rows, 10 lr, 11 b1,
  // 12 omb1, 13 b2, 14 omb2, 15 eps, 16 c1, 17 c2 (f64). i32 locals 18 u (address in unique), 19 end, 20 gp (g row),
  // 21 cp (address in counts), 22 off (row offset in table/m/v), 23 j, 24 at (off + j); f64 locals 25 c, 26 gi, 27 mi, 28 vi
  const [U, END_, GP, CP, OFF, J, AT, C, GI, MI, VI] = [18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28];
  const load = (base: number, at: number) => [...get(base), ...get(at), ...ADD, ...F32_LOAD, ...F64_PROMOTE];
  const store = (base: number, at: number, value: number[]) => [...get(base), ...get(at), ...ADD, ...value, ...F32_DEMOTE, ...F32_STORE];
  return {
    name: 'adamRows',
    params: [I32, I32, I32, I32, I32, I32, I32, I32, F64, F64, F64, F64, F64, F64, F64, F64, F64, F64],
    results: [],
    locals: [[7, I32], [4, F64]],
    body: [
      ...get(3), ...set(GP), ...get(5), ...set(CP),
      ...get(4), ...get(6), ...i32(4), ...MUL, ...ADD, ...set(END_),
      ...forLoop(U, get(4), get(END_), i32(4), [
        ...get(U), ...i32LoadAt(0), ...get(7), ...MUL, ...set(OFF),
        // c = (λ · count) / rows
        ...get(8), ...get(CP), ...i32LoadAt(0), ...F64_FROM_I32, ...F64_MUL, ...get(9), ...F64_DIV, ...set(C),
        ...forLoop(J, i32(0), get(7), i32(4), [
          ...get(OFF), ...get(J), ...ADD, ...set(AT),
          ...load(GP, J), ...set(GI),
          // L2: g ← f32(g + c·w)
          ...get(8), ...f64(0), ...F64_GT,
          ...ifThen([...get(GI), ...get(C), ...load(0, AT), ...F64_MUL, ...F64_ADD, ...F32_DEMOTE, ...F64_PROMOTE, ...set(GI)]),
          // mi = β₁·m + (1 − β₁)·g; vi = β₂·v + ((1 − β₂)·g)·g
          ...get(11), ...load(1, AT), ...F64_MUL, ...get(12), ...get(GI), ...F64_MUL, ...F64_ADD, ...set(MI),
          ...get(13), ...load(2, AT), ...F64_MUL, ...get(14), ...get(GI), ...F64_MUL, ...get(GI), ...F64_MUL, ...F64_ADD, ...set(VI),
          ...store(1, AT, get(MI)),
          ...store(2, AT, get(VI)),
          // w ← w − (lr·(mi/c1)) / (√vi/c2 + ε)
          ...store(0, AT, [
            ...load(0, AT),
            ...get(10), ...get(MI), ...get(16), ...F64_DIV, ...F64_MUL,
            ...get(VI), ...F64_SQRT, ...get(17), ...F64_DIV, ...get(15), ...F64_ADD,
            ...F64_DIV, ...F64_SUB,
          ]),
        ]),
        ...get(GP), ...get(7), ...ADD, ...set(GP),
        ...get(CP), ...i32(4), ...ADD, ...set(CP),
      ]),
    ],
  };
}

function adamRows16(): TypedFunction {
  // params: 0 table, 1 m, 2 v, 3 g, 4 unique, 5 counts, 6 nU, 7 rowBytes (i32); 8 lambda, 9 rows (f64); 10 lrC1,
  // 11 b1, 12 omb1, 13 b2, 14 omb2, 15 eps, 16 invC2 (f32). i32 locals 17 u, 18 end, 19 gp, 20 cp, 21 off, 22 j, 23 at;
  // v128 locals 24 c, 25 g, 26 m, 27 v, then the splatted 28 lrC1, 29 b1, 30 omb1, 31 b2, 32 omb2, 33 eps, 34 invC2;
  // f32 local 35 the touched sum (the result); i32 locals 36 chunk start, 37 chunk end
  const [U, END_, GP, CP, OFF, J, AT, CV, GV, MV, VV, SUM, CH, CE] = [17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 35, 36, 37];
  const splat = (param: number) => 28 + (param - 10);
  const load = (base: number, at: number) => [...get(base), ...get(at), ...ADD, ...V128_LOAD];
  const store = (base: number, at: number, value: number[]) => [...get(base), ...get(at), ...ADD, ...value, ...V128_STORE];
  // sum += one float of w, m and v at byte `at` of the row
  const touch = (at: number[]) => [0, 1, 2].flatMap((base) => [...get(SUM), ...get(base), ...get(OFF), ...ADD, ...at, ...ADD, ...F32_LOAD, ...F32_ADD, ...set(SUM)]);
  return {
    name: 'adamRows16',
    params: [I32, I32, I32, I32, I32, I32, I32, I32, F64, F64, F32, F32, F32, F32, F32, F32, F32],
    results: [F32],
    locals: [[7, I32], [11, V128], [1, F32], [2, I32]],
    body: [
      ...[10, 11, 12, 13, 14, 15, 16].flatMap((p) => [...get(p), ...F32X4_SPLAT, ...set(splat(p))]),
      ...get(3), ...set(GP), ...get(5), ...set(CP),
      ...get(4), ...get(6), ...i32(4), ...MUL, ...ADD, ...set(END_),
      // rows from anywhere in a big table: a chunk of rows at a time, first one short loop loading every cache line of
      // their w, m and v (each 64th byte and the row's last float), whose misses overlap, then the chunk's update (its
      // long body would meet the misses one row at a time); chunks small enough to stay in the cache until updated
      ...forLoop(CH, get(4), get(END_), i32(4 * TOUCH_CHUNK), [
        ...get(CH), ...i32(4 * TOUCH_CHUNK), ...ADD, ...set(CE),
        ...get(END_), ...get(CE), ...LT_U, ...ifThen([...get(END_), ...set(CE)]),
        ...i32(1), ...get(6), ...LT_U,
        ...ifThen([
          ...forLoop(U, get(CH), get(CE), i32(4), [
            ...get(U), ...i32LoadAt(0), ...get(7), ...MUL, ...set(OFF),
            ...forLoop(J, i32(0), get(7), i32(64), touch(get(J))),
            ...touch([...get(7), ...i32(4), ...SUB]),
          ]),
        ]),
        ...forLoop(U, get(CH), get(CE), i32(4), [
          ...get(U), ...i32LoadAt(0), ...get(7), ...MUL, ...set(OFF),
          ...get(8), ...get(CP), ...i32LoadAt(0), ...F64_FROM_I32, ...F64_MUL, ...get(9), ...F64_DIV, ...F32_DEMOTE, ...F32X4_SPLAT, ...set(CV),
          ...forLoop(J, i32(0), get(7), i32(16), [
            ...get(OFF), ...get(J), ...ADD, ...set(AT),
            ...load(GP, J), ...set(GV),
            ...get(8), ...f64(0), ...F64_GT,
            ...ifThen([...get(GV), ...get(CV), ...load(0, AT), ...F32X4_MUL, ...F32X4_ADD, ...set(GV)]),
            ...get(splat(11)), ...load(1, AT), ...F32X4_MUL, ...get(splat(12)), ...get(GV), ...F32X4_MUL, ...F32X4_ADD, ...set(MV),
            ...get(splat(13)), ...load(2, AT), ...F32X4_MUL, ...get(splat(14)), ...get(GV), ...F32X4_MUL, ...get(GV), ...F32X4_MUL, ...F32X4_ADD, ...set(VV),
            ...store(1, AT, get(MV)),
            ...store(2, AT, get(VV)),
            ...store(0, AT, [
              ...load(0, AT),
              ...get(splat(10)), ...get(MV), ...F32X4_MUL,
              ...get(VV), ...F32X4_SQRT, ...get(splat(16)), ...F32X4_MUL, ...get(splat(15)), ...F32X4_ADD,
              ...F32X4_DIV, ...F32X4_SUB,
            ]),
          ]),
          ...get(GP), ...get(7), ...ADD, ...set(GP),
          ...get(CP), ...i32(4), ...ADD, ...set(CP),
        ]),
      ]),
      ...get(SUM),
    ],
  };
}

/** The kernels over the wasm backend's memory whose buffer is `buffer`, or null (another backend, no WebAssembly SIMD). */
export const sparseRowKernels = heapModule<SparseRowKernels>((shared) =>
  typedModule([gatherRows(true), gatherRows(false), scatterAdd(true), scatterAdd(false), adamRows(), adamRows16()], shared),
);

const GATHER_KERNEL = 'FmGatherTableRows';

/** The parts of tfjs-backend-wasm's `BackendWasm` the gather kernel uses (public methods of that class). */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array;
}

const gatherKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as WasmBackendLike;
  const table = inputs['table'] as tf.TensorInfo;
  const ids = inputs['ids'] as tf.TensorInfo;
  const n = ids.shape.reduce((p, c) => p * c, 1);
  const rowShape = table.shape.slice(1);
  const r = rowShape.reduce((p, c) => p * c, 1);
  // allocate first: a later allocation may grow the heap and detach earlier views
  const out = b.makeOutput([...ids.shape, ...rowShape], 'float32');
  const t = b.typedArrayFromHeap(table);
  const kernels = sparseRowKernels(t.buffer);
  if (kernels === null) throw new Error(`${GATHER_KERNEL}: the wasm kernels are not available`);
  const at = (x: tf.TensorInfo) => b.typedArrayFromHeap(x).byteOffset;
  (r % 4 === 0 ? kernels.gatherRows16 : kernels.gatherRows4)(t.byteOffset, at(ids), n, r * 4, at(out));
  return out;
};

/**
 * `[…ids.shape, …rowShape]`: the rows of the float32 `table` (`[n, …rowShape]`) at the int32 `ids`, on the wasm backend
 * (where {@link sparseRowKernels} is available), outside any gradient tape. The ids must lie in `[0, n)` (the caller
 * has checked them: the kernel does not).
 */
export function gatherTableRows(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  if (tf.getKernel(GATHER_KERNEL, 'wasm') === undefined) tf.registerKernel({ kernelName: GATHER_KERNEL, backendName: 'wasm', kernelFunc: gatherKernel });
  return tf.engine().runKernel(GATHER_KERNEL, { table, ids }, {}) as tf.Tensor;
}
