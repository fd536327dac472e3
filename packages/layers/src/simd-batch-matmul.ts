/**
 * Batched products of small matrices, `[B, m, ·]` by `[B, ·, d]` with d a multiple of 4, as WebAssembly SIMD
 * (f32x4) kernels vectorised along d and run in place on the memory of tfjs-backend-wasm (whose own batched
 * matMul is a naive loop: self-attention's `[B, m, m]` scores and their gradients). Assembled from bytecode
 * (wasm-bytecode.ts); callers keep a TypeScript loop for other backends and other d.
 */
import {
  ADD, DIV_U, F32_CONST_0, F32_LOAD, F32_STORE, F32X4_ADD, F32X4_MUL, F32X4_SPLAT, MUL, SUB, V128_LOAD, V128_STORE, advance,
  f32LoadAt, f32x4Shuffle, forLoop, get, heapModule, horizontalSum, i32, kernelModule, plus, set, v128LoadAt, v128StoreAt,
} from './wasm-bytecode.js';
import { MIN_SPLIT_WORK, heapParallelism, runHeapParts, splitRange, type HeapCall } from './heap-helpers.js';

// params: 0 a, 1 y, 2 out (byte addresses), 3 end of the array driving the batch loop, 4 its bytes per batch,
// 5 the other's bytes per batch, 6 bytes from one row of a `[·, d]` operand to the next (d·4 when contiguous),
// 7 d·4 (the lanes of a row); i32 locals 8-19, v128 locals 20-21 (20-31 in the d = 16 module)
const [, , , END_, STRIDE, OTHER_STRIDE, DB, LB] = [0, 1, 2, 3, 4, 5, 6, 7] as const;
const [B0, B1, I, J, C, P, I_END, J_END, A_COL, P2, MC, A_BASE] = [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19] as const;
const I32_LOCALS = 12;
const [V0, ACC] = [20, 21] as const;
/** The d = 16 module's other v128 locals: accumulators ACC … ACC + 7 (21-28), the second row's splat, a y row's vector; 31 (ABT16). */
const [S1, Y] = [29, 30] as const;

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

/** The three kernels for any d a multiple of 4, a loop over a row's d / 4 lanes (`eachLane`); d = 16 has its own below. */
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

/** The d = 16 kernels' accumulators: lanes 0-3 of a row of out (lane 0 in ACC), 4-7 those of the next row. */
const accumulator = (lane: number) => ACC + lane;
const LANES = [0, 1, 2, 3];
const zeroAccumulators = (count: number) => Array.from({ length: count }, (_, c) => [...F32_CONST_0, ...F32X4_SPLAT, ...set(accumulator(c))]).flat();
/** acc_c += V0·y_c (and acc_{4+c} += S1·y_c with `pair`) for the 4 lanes of the y row at J. */
const accumulateRow = (pair: boolean) =>
  LANES.flatMap((c) => [
    ...get(J), ...v128LoadAt(16 * c), ...set(Y),
    ...get(accumulator(c)), ...get(V0), ...get(Y), ...F32X4_MUL, ...F32X4_ADD, ...set(accumulator(c)),
    ...(pair ? [...get(accumulator(4 + c)), ...get(S1), ...get(Y), ...F32X4_MUL, ...F32X4_ADD, ...set(accumulator(4 + c))] : []),
  ]);
/** Stores the accumulators of `rows` rows of out at I (and I + row bytes). */
const storeRows = (rows: number) => [
  ...LANES.flatMap((c) => [...get(I), ...get(accumulator(c)), ...v128StoreAt(16 * c)]),
  ...(rows === 2 ? LANES.flatMap((c) => [...plus(I, DB), ...get(accumulator(4 + c)), ...v128StoreAt(16 * c)]) : []),
];
/** Loops I over pairs of out rows [B0, I_END) with `pairBody`, then the odd last row with `rowBody`. */
const rowsInPairs = (pairBody: number[], rowBody: number[]) => [
  ...forLoop(I, get(B0), [...get(I_END), ...get(DB), ...SUB], [...get(DB), ...get(DB), ...ADD], pairBody),
  ...forLoop(I, get(I), get(I_END), get(DB), rowBody),
];
/**
 * ab for d = 16 with rows of out held in registers across the sum over j (instead of loaded and stored for every
 * j), two rows at a time sharing each y row's loads (C = n·4 bytes from a row of a to the next): for every element
 * the same f32x4 operations in the same order (out starts at 0 and adds a[b, i, j]·y[b, j] for j in order), so
 * the same results.
 */
const AB16 = [
  ...get(OTHER_STRIDE), ...get(DB), ...DIV_U, ...i32(4), ...MUL, ...set(C),
  ...get(0), ...set(P), ...get(1), ...set(B1),
  ...forLoop(B0, get(2), get(END_), get(STRIDE), [
    ...plus(B0, STRIDE), ...set(I_END), ...plus(B1, OTHER_STRIDE), ...set(J_END),
    ...rowsInPairs(
      [
        ...zeroAccumulators(8), ...plus(P, C), ...set(P2),
        ...forLoop(J, get(B1), get(J_END), get(DB), [
          ...get(P), ...F32_LOAD, ...F32X4_SPLAT, ...set(V0), ...advance(P, i32(4)),
          ...get(P2), ...F32_LOAD, ...F32X4_SPLAT, ...set(S1), ...advance(P2, i32(4)),
          ...accumulateRow(true),
        ]),
        ...storeRows(2), ...get(P2), ...set(P),
      ],
      [
        ...zeroAccumulators(4),
        ...forLoop(J, get(B1), get(J_END), get(DB), [...get(P), ...F32_LOAD, ...F32X4_SPLAT, ...set(V0), ...advance(P, i32(4)), ...accumulateRow(false)]),
        ...storeRows(1),
      ],
    ),
    ...advance(B1, get(OTHER_STRIDE)),
  ]),
];

/** v128 registers of a row of x at d = 16 in ABT16 (accumulators 4-7). */
const xLane = (lane: number) => accumulator(4 + lane);
/** Σ_c x_c ⊙ y_c of the y row at J + `row`·DB into accumulator `row` (0 + x₀y₀ + x₁y₁ + …, lane by lane). */
const dotLanes = (row: number) => [
  ...F32_CONST_0, ...F32X4_SPLAT, ...set(accumulator(row)),
  ...LANES.flatMap((c) => [
    ...get(accumulator(row)), ...get(xLane(c)),
    ...get(J), ...(row === 0 ? [] : [...get(DB), ...i32(row), ...MUL, ...ADD]), ...v128LoadAt(16 * c),
    ...F32X4_MUL, ...F32X4_ADD, ...set(accumulator(row)),
  ]),
];
/** Registers for the 4 × 4 transpose of ABT16 (accumulator 0-3 hold the 4 dot-product vectors). */
const [U0, U1, U2, U3] = [V0, S1, Y, 31] as const;
/**
 * abT for d = 16 with row x[b, i] held in four registers across its n dot products, four y rows at a time: the four
 * lane-wise products are transposed (8 shuffles) so that one f32x4 sum of the four transposed vectors gives all four
 * dot products, stored as one vector. For every element the same f32 operations in the same order as before (0 +
 * x₀y₀ + … lane by lane, then ((l₀ + l₁) + l₂) + l₃), so the same results; the last n mod 4 take the single path.
 */
const ABT16 = [
  ...get(2), ...set(P), ...get(1), ...set(B1),
  ...forLoop(B0, get(0), get(END_), get(STRIDE), [
    ...plus(B0, STRIDE), ...set(I_END), ...plus(B1, OTHER_STRIDE), ...set(J_END),
    ...forLoop(I, get(B0), get(I_END), get(DB), [
      ...LANES.flatMap((c) => [...get(I), ...v128LoadAt(16 * c), ...set(xLane(c))]),
      ...forLoop(J, get(B1), [...get(J_END), ...get(DB), ...i32(3), ...MUL, ...SUB], [...get(DB), ...i32(4), ...MUL], [
        ...dotLanes(0), ...dotLanes(1), ...dotLanes(2), ...dotLanes(3),
        ...get(accumulator(0)), ...get(accumulator(1)), ...f32x4Shuffle([0, 4, 1, 5]), ...set(U0),
        ...get(accumulator(0)), ...get(accumulator(1)), ...f32x4Shuffle([2, 6, 3, 7]), ...set(U1),
        ...get(accumulator(2)), ...get(accumulator(3)), ...f32x4Shuffle([0, 4, 1, 5]), ...set(U2),
        ...get(accumulator(2)), ...get(accumulator(3)), ...f32x4Shuffle([2, 6, 3, 7]), ...set(U3),
        ...get(P),
        ...get(U0), ...get(U2), ...f32x4Shuffle([0, 1, 4, 5]),
        ...get(U0), ...get(U2), ...f32x4Shuffle([2, 3, 6, 7]), ...F32X4_ADD,
        ...get(U1), ...get(U3), ...f32x4Shuffle([0, 1, 4, 5]), ...F32X4_ADD,
        ...get(U1), ...get(U3), ...f32x4Shuffle([2, 3, 6, 7]), ...F32X4_ADD,
        ...V128_STORE, ...advance(P, i32(16)),
      ]),
      ...forLoop(J, get(J), get(J_END), get(DB), [
        ...dotLanes(0),
        ...get(P), ...horizontalSum(accumulator(0)), ...F32_STORE, ...advance(P, i32(4)),
      ]),
    ]),
    ...advance(B1, get(OTHER_STRIDE)),
  ]),
];
/**
 * aTb for d = 16 with rows of out held in registers across the sum over i (instead of loaded and stored for every
 * i), two rows at a time sharing each y row's loads: out[b, j] = Σ_i a[b, i, j]·y[b, i], reading columns j and
 * j + 1 of a (C = n·4 bytes from one a row to the next; A_COL the column, A_BASE the batch's a, MC its bytes).
 * For every element the same f32x4 operations in the same order as the looped kernel (out starts at 0 and adds the
 * terms for i in order), so the same results.
 */
const ATB16 = [
  ...get(STRIDE), ...get(DB), ...DIV_U, ...i32(4), ...MUL, ...set(C),
  ...get(OTHER_STRIDE), ...get(DB), ...DIV_U, ...get(C), ...MUL, ...set(MC),
  ...get(0), ...set(A_BASE), ...get(1), ...set(B1),
  ...forLoop(B0, get(2), get(END_), get(STRIDE), [
    ...plus(B0, STRIDE), ...set(I_END), ...plus(B1, OTHER_STRIDE), ...set(J_END),
    ...get(A_BASE), ...set(A_COL),
    ...rowsInPairs(
      [
        ...zeroAccumulators(8), ...get(A_COL), ...set(P),
        ...forLoop(J, get(B1), get(J_END), get(DB), [
          ...get(P), ...f32LoadAt(0), ...F32X4_SPLAT, ...set(V0),
          ...get(P), ...f32LoadAt(4), ...F32X4_SPLAT, ...set(S1),
          ...advance(P, get(C)),
          ...accumulateRow(true),
        ]),
        ...storeRows(2), ...advance(A_COL, i32(8)),
      ],
      [
        ...zeroAccumulators(4), ...get(A_COL), ...set(P),
        ...forLoop(J, get(B1), get(J_END), get(DB), [...get(P), ...F32_LOAD, ...F32X4_SPLAT, ...set(V0), ...advance(P, get(C)), ...accumulateRow(false)]),
        ...storeRows(1), ...advance(A_COL, i32(4)),
      ],
    ),
    ...advance(A_BASE, get(MC)),
    ...advance(B1, get(OTHER_STRIDE)),
  ]),
];

type Kernels = Record<BatchKernel, (a: number, y: number, out: number, end: number, stride: number, otherStride: number, rowBytes: number, laneBytes: number) => void>;
const kernelsFor = heapModule<Kernels>((shared) => kernelModule(kernelsOver(laneLoop), 8, I32_LOCALS, 2, shared));
/** d = 16 (AutoInt's default head size k): lanes unrolled. */
const kernelsFor16 = heapModule<Kernels>((shared) => kernelModule({ abT: ABT16, ab: AB16, aTb: ATB16 }, 8, I32_LOCALS, 12, shared));

/**
 * Whether {@link runSimdBatch}'s kernels for d store every element of out (the d = 16 ones: rows of out summed in
 * registers, then stored), so that out needs no zeroing where they run; the others add into out.
 * @internal
 */
export const simdStoresEveryElement = (d: number): boolean => d === 16;

/**
 * Runs `kernel` for `batch` products (shapes in its comment; `rows` = m, `cols` = n, `d` the vectorised size) on
 * views of the wasm backend's heap, `out` zeroed first where it accumulates (not at d = 16,
 * {@link simdStoresEveryElement}); false, doing nothing, where it
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
  const parts = batch * rows * cols * d >= MIN_SPLIT_WORK ? heapParallelism(kernels) : 1;
  // products [b0, b1) of the batch per thread (one part: the whole batch, here): the driver moves by stride, y by otherStride, the [m, n] operand by m·n
  const mn = rows * cols * 4;
  const [aStep, outStep] = kernel === 'abT' ? [stride, mn] : [mn, stride];
  runHeapParts(
    kernels,
    splitRange(batch, parts).map(([b0, b1]): HeapCall[] => [
      [kernel, a.byteOffset + b0 * aStep, y.byteOffset + b0 * otherStride, out.byteOffset + b0 * outStep, driver.byteOffset + b1 * stride, stride, otherStride, rb, d * 4],
    ]),
  );
  return true;
}
