/**
 * Batched products of small matrices, `[B, m, ·]` by `[B, ·, d]` with d a multiple of 4, as WebAssembly SIMD
 * (f32x4) kernels vectorised along d and run in place on the memory of tfjs-backend-wasm (whose own batched
 * matMul is a naive loop: self-attention's `[B, m, m]` scores and their gradients). Assembled from bytecode
 * (wasm-bytecode.ts); callers keep a TypeScript loop for other backends and other d.
 */
import {
  ADD, DIV_U, F32_CONST_0, F32_LOAD, F32_STORE, F32X4_ADD, F32X4_MUL, F32X4_SPLAT, MUL, SUB, V128_LOAD, V128_STORE, advance,
  forLoop, get, heapModule, horizontalSum, i32, kernelModule, plus, set, v128LoadAt, v128StoreAt,
} from './wasm-bytecode.js';

// params: 0 a, 1 y, 2 out (byte addresses), 3 end of the array driving the batch loop, 4 its bytes per batch,
// 5 the other's bytes per batch, 6 bytes from one row of a `[·, d]` operand to the next (d·4 when contiguous),
// 7 d·4 (the lanes of a row); i32 locals 8-16, v128 locals 17-18 (17-21 in the d = 16 module)
const [, , , END_, STRIDE, OTHER_STRIDE, DB, LB] = [0, 1, 2, 3, 4, 5, 6, 7] as const;
const [B0, B1, I, J, C, P, I_END, J_END, A_COL, V0, ACC] = [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18] as const;

const load = (a: number, b: number) => [...plus(a, b), ...V128_LOAD];
/** Runs `body` for each 16-byte lane offset C of a row of d floats: a loop over d / 4 lanes. */
type Lanes = (body: number[]) => number[];
const laneLoop: Lanes = (body) => forLoop(C, i32(0), get(LB), i32(16), body);
/** For each batch: B0 over `driver` (param) by STRIDE, B1 over `other` by OTHER_STRIDE; rows I of B0's block, J of B1's. */
const eachRowPair = (driver: number, other: number, iOver: 'driver' | 'other', body: number[]) => {
  const [iBase, iStride, jBase, jStride] = iOver === 'driver' ? [B0, STRIDE, B1, OTHER_STRIDE] : [B1, OTHER_STRIDE, B0, STRIDE];
  return [
    ...get(other), ...set(B1),
    ...forLoop(B0, get(driver), get(END_), get(STRIDE), [
      ...plus(iBase, iStride), ...set(I_END), ...plus(jBase, jStride), ...set(J_END),
      ...forLoop(I, get(iBase), get(I_END), get(DB), forLoop(J, get(jBase), get(J_END), get(DB), body)),
      ...advance(B1, get(OTHER_STRIDE)),
    ]),
  ];
};
/** `mem[at + c] += a[P] · mem[from + c]`, P advancing over the scalars of a. */
const scaledAdd = (eachLane: Lanes, at: number, from: number) => [
  ...get(P), ...F32_LOAD, ...F32X4_SPLAT, ...set(V0), ...advance(P, i32(4)),
  ...eachLane([...plus(at, C), ...load(at, C), ...get(V0), ...load(from, C), ...F32X4_MUL, ...F32X4_ADD, ...V128_STORE]),
];

/** The three kernels over lanes `eachLane` (the same operations in the same order for either). */
const kernelsOver = (eachLane: Lanes) => ({
  // abT(x [B, m, d], y [B, n, d], out [B, m, n]): out[b, i, j] = ⟨x[b, i], y[b, j]⟩ (x drives; P the running out)
  abT: [
    ...get(2), ...set(P),
    ...eachRowPair(0, 1, 'driver', [
      ...F32_CONST_0, ...F32X4_SPLAT, ...set(ACC),
      ...eachLane([...get(ACC), ...load(I, C), ...load(J, C), ...F32X4_MUL, ...F32X4_ADD, ...set(ACC)]),
      ...get(P), ...horizontalSum(ACC), ...F32_STORE, ...advance(P, i32(4)),
    ]),
  ],
  // ab(a [B, m, n], y [B, n, d], out [B, m, d]) with out zeroed: out[b, i] += a[b, i, j]·y[b, j] (out drives)
  ab: [...get(0), ...set(P), ...eachRowPair(2, 1, 'driver', scaledAdd(eachLane, I, J))],
  // aTb(a [B, m, n], y [B, m, d], out [B, n, d]) with out zeroed: out[b, j] += a[b, i, j]·y[b, i] (out drives)
  aTb: [...get(0), ...set(P), ...eachRowPair(2, 1, 'other', scaledAdd(eachLane, J, I))],
});

/** The kernels. */
export type BatchKernel = keyof ReturnType<typeof kernelsOver>;

/** v128 locals 19-21: the d = 16 kernels' accumulators of lanes 1-3 (lane 0 in ACC). */
const accumulator = (lane: number) => ACC + lane;
/**
 * ab for d = 16 with a row of out held in four registers across the sum over j (instead of loaded and stored
 * for every j): the same f32x4 operations in the same order (out starts at 0 and adds a[b, i, j]·y[b, j] for j
 * in order), so the same results.
 */
const AB16 = [
  ...get(0), ...set(P), ...get(1), ...set(B1),
  ...forLoop(B0, get(2), get(END_), get(STRIDE), [
    ...plus(B0, STRIDE), ...set(I_END), ...plus(B1, OTHER_STRIDE), ...set(J_END),
    ...forLoop(I, get(B0), get(I_END), get(DB), [
      ...[0, 1, 2, 3].flatMap((c) => [...F32_CONST_0, ...F32X4_SPLAT, ...set(accumulator(c))]),
      ...forLoop(J, get(B1), get(J_END), get(DB), [
        ...get(P), ...F32_LOAD, ...F32X4_SPLAT, ...set(V0), ...advance(P, i32(4)),
        ...[0, 1, 2, 3].flatMap((c) => [...get(accumulator(c)), ...get(V0), ...get(J), ...v128LoadAt(16 * c), ...F32X4_MUL, ...F32X4_ADD, ...set(accumulator(c))]),
      ]),
      ...[0, 1, 2, 3].flatMap((c) => [...get(I), ...get(accumulator(c)), ...v128StoreAt(16 * c)]),
    ]),
    ...advance(B1, get(OTHER_STRIDE)),
  ]),
];

/** v128 registers of a row of x at d = 16: lane 0 in V0, lanes 1-3 in the accumulators of lanes 1-3. */
const xLane = (lane: number) => (lane === 0 ? V0 : accumulator(lane));
/**
 * abT for d = 16 with row x[b, i] held in four registers across its n dot products (instead of loaded for each):
 * the same f32x4 operations in the same order (ACC = 0, then + x·y lane by lane, then the horizontal sum).
 */
const ABT16 = [
  ...get(2), ...set(P), ...get(1), ...set(B1),
  ...forLoop(B0, get(0), get(END_), get(STRIDE), [
    ...plus(B0, STRIDE), ...set(I_END), ...plus(B1, OTHER_STRIDE), ...set(J_END),
    ...forLoop(I, get(B0), get(I_END), get(DB), [
      ...[0, 1, 2, 3].flatMap((c) => [...get(I), ...v128LoadAt(16 * c), ...set(xLane(c))]),
      ...forLoop(J, get(B1), get(J_END), get(DB), [
        ...F32_CONST_0, ...F32X4_SPLAT, ...set(ACC),
        ...[0, 1, 2, 3].flatMap((c) => [...get(ACC), ...get(xLane(c)), ...get(J), ...v128LoadAt(16 * c), ...F32X4_MUL, ...F32X4_ADD, ...set(ACC)]),
        ...get(P), ...horizontalSum(ACC), ...F32_STORE, ...advance(P, i32(4)),
      ]),
    ]),
    ...advance(B1, get(OTHER_STRIDE)),
  ]),
];
/**
 * aTb for d = 16 with a row of out held in four registers across the sum over i (instead of loaded and stored for
 * every i): out[b, j] = Σ_i a[b, i, j]·y[b, i], reading column j of a (C = n·4 bytes apart). The same f32x4
 * operations in the same order as the looped kernel (out starts at 0 and adds the terms for i in order), so the
 * same results. A_COL walks a's columns; after a batch's last column, P − C + 4 is the next batch's a.
 */
const ATB16 = [
  ...get(STRIDE), ...get(DB), ...DIV_U, ...i32(4), ...MUL, ...set(C),
  ...get(0), ...set(A_COL), ...get(1), ...set(B1),
  ...forLoop(B0, get(2), get(END_), get(STRIDE), [
    ...plus(B0, STRIDE), ...set(I_END), ...plus(B1, OTHER_STRIDE), ...set(J_END),
    ...forLoop(I, get(B0), get(I_END), get(DB), [
      ...[0, 1, 2, 3].flatMap((c) => [...F32_CONST_0, ...F32X4_SPLAT, ...set(accumulator(c))]),
      ...get(A_COL), ...set(P),
      ...forLoop(J, get(B1), get(J_END), get(DB), [
        ...get(P), ...F32_LOAD, ...F32X4_SPLAT, ...set(V0), ...advance(P, get(C)),
        ...[0, 1, 2, 3].flatMap((c) => [...get(accumulator(c)), ...get(V0), ...get(J), ...v128LoadAt(16 * c), ...F32X4_MUL, ...F32X4_ADD, ...set(accumulator(c))]),
      ]),
      ...[0, 1, 2, 3].flatMap((c) => [...get(I), ...get(accumulator(c)), ...v128StoreAt(16 * c)]),
      ...advance(A_COL, i32(4)),
    ]),
    ...get(P), ...get(C), ...SUB, ...i32(4), ...ADD, ...set(A_COL),
    ...advance(B1, get(OTHER_STRIDE)),
  ]),
];

type Kernels = Record<BatchKernel, (a: number, y: number, out: number, end: number, stride: number, otherStride: number, rowBytes: number, laneBytes: number) => void>;
const kernelsFor = heapModule<Kernels>(() => kernelModule(kernelsOver(laneLoop), 8, 9, 2));
/** d = 16 (AutoInt's default head size k): lanes unrolled. */
const kernelsFor16 = heapModule<Kernels>(() => kernelModule({ abT: ABT16, ab: AB16, aTb: ATB16 }, 8, 9, 5));

/**
 * Runs `kernel` for `batch` products (shapes in its comment; `rows` = m, `cols` = n, `d` the vectorised size) on
 * views of the wasm backend's heap, `out` zeroed first where it accumulates; false, doing nothing, where it
 * cannot (another memory, d not a multiple of 4, no SIMD). The `[·, d]` operands (x and y of abT, y and out of ab
 * and aTb) may be column blocks of wider rows: `rowFloats` floats from one row to the next (d when contiguous),
 * each view starting at its block's first element; the `[m, n]` operand is contiguous.
 * @internal
 */
export function runSimdBatch(kernel: BatchKernel, a: Float32Array, y: Float32Array, out: Float32Array, batch: number, rows: number, cols: number, d: number, rowFloats = d): boolean {
  if (d % 4 !== 0 || a.buffer !== y.buffer || y.buffer !== out.buffer) return false;
  const kernels = d === 16 ? kernelsFor16(out.buffer) : kernelsFor(out.buffer);
  if (kernels === null) return false;
  const rb = rowFloats * 4;
  // the driving array and the strides: abT: x [m, d] drives, y [n, d]; ab: out [m, d] drives, y [n, d];
  // aTb: out [n, d] drives, y [m, d]
  const [driver, stride, otherStride] =
    kernel === 'abT' ? [a, rows * rb, cols * rb] : kernel === 'ab' ? [out, rows * rb, cols * rb] : [out, cols * rb, rows * rb];
  kernels[kernel](a.byteOffset, y.byteOffset, out.byteOffset, driver.byteOffset + batch * stride, stride, otherStride, rb, d * 4);
  return true;
}
