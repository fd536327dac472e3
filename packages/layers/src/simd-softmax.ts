/**
 * The softmax over rows of n floats and its gradient as WebAssembly SIMD (f32x4) kernels, run in place on the memory
 * of tfjs-backend-wasm: vectors of 4 along each row, the exponential by range reduction and a polynomial (Cephes'
 * expf: e^x = 2ⁿ·e^r, n = round(x·log₂e), |r| ≤ ln2/2, a degree-5 polynomial in r; about 1 ulp), where the wasm
 * backend's own Softmax calls a scalar exp per element. Assembled from bytecode (wasm-bytecode.ts); rows shorter
 * than 4 and other backends keep a TypeScript loop (row-softmax.ts).
 *
 * A row's last 4 floats are read (and, where a pass writes a pure function of its inputs, written) as one vector
 * that overlaps the previous one when n is not a multiple of 4, so no lane outside the row is touched; sums read
 * the tail one float at a time so nothing is counted twice.
 */
import {
  ADD, AND, F32, F32_ADD, F32_DIV, F32_LOAD, F32_MAX, F32_MUL, F32_STORE, F32X4_ADD, F32X4_LT, F32X4_MUL, F32X4_PMAX,
  F32X4_PMIN, F32X4_SPLAT, F32X4_SUB, I32, I32X4_SHL, MUL, SUB, V128, V128_ANDNOT, V128_LOAD, V128_STORE, advance, f32,
  f32x4Const, forLoop, get, heapModule, horizontalSum, i32, plus, reduceLanes, set, typedModule,
} from './wasm-bytecode.js';
import { MIN_SPLIT_WORK, heapParallelism, runHeapParts, splitRange, type HeapCall } from './heap-helpers.js';

// e^x below this is 0 in float32 (the lane is zeroed); above HI it would overflow (rows here are ≤ 0 after the max)
const LO = -87.33654;
const HI = 88.37626;
const LOG2E = 1.4426950408889634;
const LN2_HI = 0.693359375;
const LN2_LO = -2.12194440e-4;
const POLY = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];

// softmax(x, out, rows, n) and softmaxGrad(dy, y, out, rows, n): byte addresses, row count, row length (n ≥ 4)
// i32 locals: row addresses of the inputs and out, the loop variable, the end, full-vector bytes, the last
// vector's offset, row bytes; f32: the row's max / sum / dot; v128: the vector exp's registers, accumulators and
// its constants (set once per call: a v128.const inside the loop costs several instructions per use)
const [XR, YR, OR, C, END_R, FULL, LAST, NB, T] = [5, 6, 7, 8, 9, 10, 11, 12, 13] as const;
const [S] = [14] as const; // f32
const [MASK, X, N, R, Y, ACC, SPLAT] = [15, 16, 17, 18, 19, 20, 21] as const; // v128
// round-to-nearest by adding 1.5·2²³ (+127, the exponent bias, in its low bits): t = x·log₂e + MAGIC has the
// integer n = round(x·log₂e) in its low mantissa bits, so t − MAGIC = n and (bits of t) << 23 = 2ⁿ as a float
const MAGIC = 12582912 + 127;
const CONSTANTS = [LO, HI, LOG2E, MAGIC, LN2_HI, LN2_LO, ...POLY, 1];
const constant = (i: number) => 22 + i; // v128 locals 22 …
const [K_LO, K_HI, K_LOG2E, K_MAGIC, K_LN2_HI, K_LN2_LO] = [0, 1, 2, 3, 4, 5].map(constant) as number[];
const K_POLY = POLY.map((_, i) => constant(6 + i));
const K_ONE = constant(6 + POLY.length);
const SET_CONSTANTS = CONSTANTS.flatMap((v, i) => [...f32x4Const(v), ...set(constant(i))]);

/** e^v for the v128 on the stack (leaves e^v): Cephes' expf, lanes below LO set to 0, NaN kept. */
const vectorExp = [
  ...set(X),
  ...get(X), ...get(K_LO as number), ...F32X4_LT, ...set(MASK),
  ...get(X), ...get(K_LO as number), ...F32X4_PMAX, ...get(K_HI as number), ...F32X4_PMIN, ...set(X),
  ...get(X), ...get(K_LOG2E as number), ...F32X4_MUL, ...get(K_MAGIC as number), ...F32X4_ADD, ...set(Y), // t
  ...get(Y), ...get(K_MAGIC as number), ...F32X4_SUB, ...set(N),
  ...get(X), ...get(N), ...get(K_LN2_HI as number), ...F32X4_MUL, ...F32X4_SUB, ...get(N), ...get(K_LN2_LO as number), ...F32X4_MUL, ...F32X4_SUB, ...set(R),
  ...get(Y), ...i32(23), ...I32X4_SHL, ...set(N), // 2ⁿ
  ...get(K_POLY[0] as number),
  ...K_POLY.slice(1).flatMap((p) => [...get(R), ...F32X4_MUL, ...get(p), ...F32X4_ADD]),
  // (y·r² + r + 1)·2ⁿ
  ...get(R), ...get(R), ...F32X4_MUL, ...F32X4_MUL, ...get(R), ...F32X4_ADD, ...get(K_ONE), ...F32X4_ADD, ...get(N), ...F32X4_MUL,
  ...get(MASK), ...V128_ANDNOT,
];

const vload = (base: number, at: number) => [...plus(base, at), ...V128_LOAD];
/** Sets the row constants from n (param `nParam`): NB = n·4, FULL = ⌊n/4⌋·16, LAST = NB − 16. */
const rowConstants = (nParam: number) => [
  ...get(nParam), ...i32(4), ...MUL, ...set(NB),
  ...get(NB), ...i32(-16), ...AND, ...set(FULL), // whole vectors only
  ...get(NB), ...i32(16), ...SUB, ...set(LAST),
];

const SOFTMAX = [
  ...SET_CONSTANTS,
  ...rowConstants(3),
  ...get(0), ...get(2), ...get(NB), ...MUL, ...ADD, ...set(END_R),
  ...get(1), ...set(OR),
  ...forLoop(XR, get(0), get(END_R), get(NB), [
    // max: the overlapping last vector, then the whole ones
    ...vload(XR, LAST), ...set(ACC),
    ...forLoop(C, i32(0), get(FULL), i32(16), [...get(ACC), ...vload(XR, C), ...F32X4_PMAX, ...set(ACC)]),
    ...reduceLanes(ACC, F32_MAX), ...F32X4_SPLAT, ...set(SPLAT),
    // e^(x − max): whole vectors and the overlapping last one (the same values where they overlap)
    ...forLoop(C, i32(0), get(FULL), i32(16), [...plus(OR, C), ...vload(XR, C), ...get(SPLAT), ...F32X4_SUB, ...vectorExp, ...V128_STORE]),
    ...plus(OR, LAST), ...vload(XR, LAST), ...get(SPLAT), ...F32X4_SUB, ...vectorExp, ...V128_STORE,
    // the sum: whole vectors, then the tail float by float
    ...f32(0), ...F32X4_SPLAT, ...set(ACC),
    ...forLoop(C, i32(0), get(FULL), i32(16), [...get(ACC), ...vload(OR, C), ...F32X4_ADD, ...set(ACC)]),
    ...horizontalSum(ACC), ...set(S),
    ...forLoop(T, get(FULL), get(NB), i32(4), [...get(S), ...plus(OR, T), ...F32_LOAD, ...F32_ADD, ...set(S)]),
    // scale by 1/sum
    ...f32(1), ...get(S), ...F32_DIV, ...set(S), ...get(S), ...F32X4_SPLAT, ...set(SPLAT),
    ...forLoop(C, i32(0), get(FULL), i32(16), [...plus(OR, C), ...vload(OR, C), ...get(SPLAT), ...F32X4_MUL, ...V128_STORE]),
    ...forLoop(T, get(FULL), get(NB), i32(4), [...plus(OR, T), ...plus(OR, T), ...F32_LOAD, ...get(S), ...F32_MUL, ...F32_STORE]),
    ...advance(OR, get(NB)),
  ]),
];

// softmaxGrad(dy 0, y 1, out 2, rows 3, n 4): out = y ⊙ (dy − Σ y ⊙ dy) row by row
const SOFTMAX_GRAD = [
  ...rowConstants(4),
  ...get(0), ...get(3), ...get(NB), ...MUL, ...ADD, ...set(END_R),
  ...get(1), ...set(YR), ...get(2), ...set(OR),
  ...forLoop(XR, get(0), get(END_R), get(NB), [
    ...f32(0), ...F32X4_SPLAT, ...set(ACC),
    ...forLoop(C, i32(0), get(FULL), i32(16), [...get(ACC), ...vload(YR, C), ...vload(XR, C), ...F32X4_MUL, ...F32X4_ADD, ...set(ACC)]),
    ...horizontalSum(ACC), ...set(S),
    ...forLoop(T, get(FULL), get(NB), i32(4), [...get(S), ...plus(YR, T), ...F32_LOAD, ...plus(XR, T), ...F32_LOAD, ...F32_MUL, ...F32_ADD, ...set(S)]),
    ...get(S), ...F32X4_SPLAT, ...set(SPLAT),
    ...forLoop(C, i32(0), get(FULL), i32(16), [...plus(OR, C), ...vload(YR, C), ...vload(XR, C), ...get(SPLAT), ...F32X4_SUB, ...F32X4_MUL, ...V128_STORE]),
    ...plus(OR, LAST), ...vload(YR, LAST), ...vload(XR, LAST), ...get(SPLAT), ...F32X4_SUB, ...F32X4_MUL, ...V128_STORE,
    ...advance(YR, get(NB)), ...advance(OR, get(NB)),
  ]),
];

const LOCALS: [number, number][] = [[9, I32], [1, F32], [7 + CONSTANTS.length, V128]]; // locals 5-13, 14 and 15-… after the 5 params
/** The exp kernel alone, `exp(x, out, count)` over count floats (count a multiple of 4): for tests. */
const EXP = [
  ...SET_CONSTANTS,
  ...get(0), ...get(2), ...i32(4), ...MUL, ...ADD, ...set(END_R),
  ...get(1), ...set(OR),
  ...forLoop(XR, get(0), get(END_R), i32(16), [...get(OR), ...get(XR), ...V128_LOAD, ...vectorExp, ...V128_STORE, ...advance(OR, i32(16))]),
];

interface SoftmaxKernels {
  // every function takes 5 i32 parameters (one local layout for all); unused ones are 0
  softmax(x: number, out: number, rows: number, n: number, unused: 0): void;
  softmaxGrad(dy: number, y: number, out: number, rows: number, n: number): void;
  exp(x: number, out: number, count: number, unused: 0, unused2: 0): void;
}

const kernelsFor = heapModule<SoftmaxKernels>((shared) =>
  typedModule(
    [
      { name: 'softmax', params: [I32, I32, I32, I32, I32], results: [], locals: LOCALS, body: SOFTMAX },
      { name: 'softmaxGrad', params: [I32, I32, I32, I32, I32], results: [], locals: LOCALS, body: SOFTMAX_GRAD },
      { name: 'exp', params: [I32, I32, I32, I32, I32], results: [], locals: LOCALS, body: EXP },
    ],
    shared,
  ),
);

/**
 * `name(views' addresses…, rows, n[, 0])` over rows of n floats, split by rows over {@link heapParallelism}
 * threads when big enough (~20 operations an element).
 */
function byRows(k: SoftmaxKernels, name: 'softmax' | 'softmaxGrad', views: readonly Float32Array[], rows: number, n: number, ...rest: number[]): void {
  const parts = 20 * rows * n >= MIN_SPLIT_WORK ? heapParallelism(k) : 1;
  runHeapParts(
    k,
    splitRange(rows, parts).map(([r0, r1]): HeapCall[] => [[name, ...views.map((v) => v.byteOffset + r0 * n * 4), r1 - r0, n, ...rest]]),
  );
}

const sameHeap = (...views: Float32Array[]) => views.every((v) => v.buffer === (views[0] as Float32Array).buffer);

/**
 * out = softmax of each row of n floats of x (rows = x.length / n), on the wasm heap; false, doing nothing, where
 * it cannot (other memory, n < 4, no SIMD).
 * @internal
 */
export function runSimdSoftmax(x: Float32Array, out: Float32Array, n: number): boolean {
  if (n < 4 || !sameHeap(x, out)) return false;
  const k = kernelsFor(out.buffer);
  if (k === null) return false;
  byRows(k, 'softmax', [x, out], x.length / n, n, 0);
  return true;
}

/**
 * out = y ⊙ (dy − Σ_row y ⊙ dy), the softmax's gradient row by row, on the wasm heap; false where it cannot.
 * @internal
 */
export function runSimdSoftmaxGrad(dy: Float32Array, y: Float32Array, out: Float32Array, n: number): boolean {
  if (n < 4 || !sameHeap(dy, y, out)) return false;
  const k = kernelsFor(out.buffer);
  if (k === null) return false;
  byRows(k, 'softmaxGrad', [dy, y, out], y.length / n, n);
  return true;
}

/**
 * out = e^x elementwise by the kernels' vector exp (x.length a multiple of 4), on the wasm heap; false where it
 * cannot. For tests of the approximation.
 * @internal
 */
export function runSimdExp(x: Float32Array, out: Float32Array): boolean {
  if (x.length % 4 !== 0 || !sameHeap(x, out)) return false;
  const k = kernelsFor(out.buffer);
  if (k === null) return false;
  k.exp(x.byteOffset, out.byteOffset, x.length, 0, 0);
  return true;
}
