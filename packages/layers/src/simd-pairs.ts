/**
 * WebAssembly SIMD (f32x4) kernels over the slot pairs i < j of `[B, W, k]` embeddings, over the items of a
 * `[B, W, k]` array weighted by `[B, W]`, and over its items' sums (the Bi-Interaction pooling and its gradient),
 * run in place on the memory of tfjs-backend-wasm (the module imports it: no copies of the `[B, P, k]` pair
 * tensors), for k a multiple of 4. The host kernels of pair-products.ts, pair-attention-pool.ts, attention-pool.ts
 * and bi-interaction.ts call them on wasm and keep their TypeScript loops elsewhere (cpu, or k not a multiple of
 * 4). Assembled from bytecode (wasm-bytecode.ts).
 */
import {
  ADD, F32_CONST_0, F32_LOAD, F32_STORE, F32X4_ADD, F32X4_MUL, F32X4_SPLAT, F32X4_SUB, SUB, V128_LOAD, V128_STORE, advance,
  f32x4Const, forLoop, get, heapModule, horizontalSum, i32, kernelModule, plus, set, tee,
} from './wasm-bytecode.js';

// every function: params 0-3 byte addresses of its arrays, 4 the end of x (x + B·W·k·4), 5 W·k·4, 6 k·4
const [, , , , X_END, ROW, KB] = [0, 1, 2, 3, 4, 5, 6] as const;
// i32 locals 7-15, v128 locals 16-18
const [BASE, ROW_END, XI, XJ, C, R1, R2, DELTA, ADDR, V0, V1, V2] = [7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18] as const;

const load = (...addr: number[][]) => [...addr.flat(), ...V128_LOAD];
/** For every example (BASE, its end ROW_END) of a `[B, W, k]` array (param `x`): `body`, then `perExample`. */
const eachExample = (x: number, body: number[], perExample: number[] = []) =>
  forLoop(BASE, get(x), get(X_END), get(ROW), [...plus(BASE, ROW), ...set(ROW_END), ...body, ...perExample]);
/** For every slot i (XI) of the current example: body. */
const eachSlot = (body: number[]) => forLoop(XI, get(BASE), get(ROW_END), get(KB), body);
/** For every example (BASE), slot i (XI) and slot j > i (XJ) of x (param `x`): `pair`; after each example `perExample`. */
const eachPair = (x: number, pair: number[], perExample: number[] = []) =>
  eachExample(x, eachSlot(forLoop(XJ, plus(XI, KB), get(ROW_END), get(KB), pair)), perExample);
/** For every example (BASE) and item (XI) of a `[B, W, k]` array (param `x`): `item`; after each example `perExample`. */
const eachItem = (x: number, item: number[], perExample: number[] = []) => eachExample(x, eachSlot(item), perExample);
/** For c = 0, 16, … < k·4 bytes: body. */
const eachLane = (body: number[]) => forLoop(C, i32(0), get(KB), i32(16), body);
/** For every example (BASE) of a `[B, W, k]` array (param `x`) and every 4 lanes (C): `lanes`; after each example `perExample`. */
const eachExampleLane = (x: number, lanes: number[], perExample: number[]) => eachExample(x, eachLane(lanes), perExample);
/** V0 = Σ_i x_i over the example's items at lanes C (and, given `squares`, V1 = Σ_i x_i ⊙ x_i; V2 scratch). */
const itemSums = (squares: boolean) => [
  ...F32_CONST_0, ...F32X4_SPLAT, ...set(V0),
  ...(squares ? [...F32_CONST_0, ...F32X4_SPLAT, ...set(V1)] : []),
  ...eachSlot([
    ...load(plus(XI, C)), ...tee(V2), ...get(V0), ...F32X4_ADD, ...set(V0),
    ...(squares ? [...get(V2), ...get(V2), ...F32X4_MUL, ...get(V1), ...F32X4_ADD, ...set(V1)] : []),
  ]),
];
/** `mem[at + delta] += g ⊙ mem[other]` for v128 g in V1, at/other slot addresses plus C. */
const accumulate = (at: number, other: number) => [
  ...plus(at, C), ...get(DELTA), ...ADD, ...tee(ADDR), ...get(ADDR), ...V128_LOAD,
  ...get(V1), ...load(plus(other, C)), ...F32X4_MUL, ...F32X4_ADD, ...V128_STORE,
];
/** `mem[at] += g ⊙ mem[other + delta]` for v128 g in V1, at/other slot addresses plus C. */
const accumulateFrom = (at: number, other: number) => [
  ...plus(at, C), ...load(plus(at, C)), ...get(V1), ...load(plus(other, C), get(DELTA), ADD), ...F32X4_MUL, ...F32X4_ADD, ...V128_STORE,
];
const KERNELS = {
  // products(x, out): out[b, p, :] = x_i ⊙ x_j (R1 the running out address)
  products: [
    ...get(1), ...set(R1),
    ...eachPair(0, [
      ...eachLane([...plus(R1, C), ...load(plus(XI, C)), ...load(plus(XJ, C)), ...F32X4_MUL, ...V128_STORE]),
      ...advance(R1, get(KB)),
    ]),
  ],
  // productsGrad(dy, x, dx) with dx zeroed: dx_i += dy_p ⊙ x_j, dx_j += dy_p ⊙ x_i (R1 the running dy address)
  productsGrad: [
    ...get(0), ...set(R1), ...get(2), ...get(1), ...SUB, ...set(DELTA),
    ...eachPair(1, [
      ...eachLane([...load(plus(R1, C)), ...set(V1), ...accumulate(XI, XJ), ...accumulate(XJ, XI)]),
      ...advance(R1, get(KB)),
    ]),
  ],
  // products2(x, y, out, skip): out[b, p, :] = x_i ⊙ y_j, then `skip` bytes of out left alone after each example
  // (R1 the running out address)
  products2: [
    ...get(2), ...set(R1), ...get(1), ...get(0), ...SUB, ...set(DELTA),
    ...eachPair(
      0,
      [
        ...eachLane([...plus(R1, C), ...load(plus(XI, C)), ...load(plus(XJ, C), get(DELTA), ADD), ...F32X4_MUL, ...V128_STORE]),
        ...advance(R1, get(KB)),
      ],
      advance(R1, get(3)),
    ),
  ],
  // products2GradX(dy, y, dx, skip) with dx zeroed: dx_i += dy_p ⊙ y_j (dx drives the loops; R1 the running dy
  // address, `skip` bytes of dy passed over after each example)
  products2GradX: [
    ...get(0), ...set(R1), ...get(1), ...get(2), ...SUB, ...set(DELTA),
    ...eachPair(2, [...eachLane([...load(plus(R1, C)), ...set(V1), ...accumulateFrom(XI, XJ)]), ...advance(R1, get(KB))], advance(R1, get(3))),
  ],
  // products2GradY(dy, x, dyy, skip) with dyy zeroed: dyy_j += dy_p ⊙ x_i (as products2GradX)
  products2GradY: [
    ...get(0), ...set(R1), ...get(1), ...get(2), ...SUB, ...set(DELTA),
    ...eachPair(2, [...eachLane([...load(plus(R1, C)), ...set(V1), ...accumulateFrom(XJ, XI)]), ...advance(R1, get(KB))], advance(R1, get(3))),
  ],
  // pool(x, a, out) with out zeroed: out[b, :] += a_p x_i ⊙ x_j (R1 running a, R2 running out row)
  pool: [
    ...get(1), ...set(R1), ...get(2), ...set(R2),
    ...eachPair(
      0,
      [
        ...get(R1), ...F32_LOAD, ...F32X4_SPLAT, ...set(V0), ...advance(R1, i32(4)),
        ...eachLane([
          ...plus(R2, C), ...load(plus(R2, C)),
          ...get(V0), ...load(plus(XI, C)), ...load(plus(XJ, C)), ...F32X4_MUL, ...F32X4_MUL, ...F32X4_ADD, ...V128_STORE,
        ]),
      ],
      advance(R2, get(KB)),
    ),
  ],
  // poolGradX(dy, x, a, dx) with dx zeroed: dx_i += a_p dy ⊙ x_j, dx_j += a_p dy ⊙ x_i (R1 running a, R2 running dy row)
  poolGradX: [
    ...get(2), ...set(R1), ...get(0), ...set(R2), ...get(3), ...get(1), ...SUB, ...set(DELTA),
    ...eachPair(
      1,
      [
        ...get(R1), ...F32_LOAD, ...F32X4_SPLAT, ...set(V0), ...advance(R1, i32(4)),
        ...eachLane([...get(V0), ...load(plus(R2, C)), ...F32X4_MUL, ...set(V1), ...accumulate(XI, XJ), ...accumulate(XJ, XI)]),
      ],
      advance(R2, get(KB)),
    ),
  ],
  // poolGradA(dy, x, da): da_p = Σ dy ⊙ x_i ⊙ x_j (R1 running da, R2 running dy row)
  poolGradA: [
    ...get(2), ...set(R1), ...get(0), ...set(R2), ...i32(0), ...set(DELTA),
    ...eachPair(
      1,
      [
        ...F32_CONST_0, ...F32X4_SPLAT, ...set(V0),
        ...eachLane([...get(V0), ...load(plus(R2, C)), ...load(plus(XI, C)), ...F32X4_MUL, ...load(plus(XJ, C)), ...F32X4_MUL, ...F32X4_ADD, ...set(V0)]),
        ...get(R1), ...horizontalSum(V0), ...F32_STORE,
        ...advance(R1, i32(4)),
      ],
      advance(R2, get(KB)),
    ),
  ],
  // weightedSum(x, a, out) with out zeroed: out[b, :] = Σ_p a[b, p] x[b, p, :] (R1 running a, R2 running out row)
  weightedSum: [
    ...get(1), ...set(R1), ...get(2), ...set(R2),
    ...eachItem(
      0,
      [
        ...get(R1), ...F32_LOAD, ...F32X4_SPLAT, ...set(V0), ...advance(R1, i32(4)),
        ...eachLane([...plus(R2, C), ...load(plus(R2, C)), ...get(V0), ...load(plus(XI, C)), ...F32X4_MUL, ...F32X4_ADD, ...V128_STORE]),
      ],
      advance(R2, get(KB)),
    ),
  ],
  // weightedSumGradX(dy, a, dx): dx[b, p, :] = a[b, p] dy[b, :] (dx drives the loops; R1 running a, R2 running dy row)
  weightedSumGradX: [
    ...get(1), ...set(R1), ...get(0), ...set(R2),
    ...eachItem(
      2,
      [
        ...get(R1), ...F32_LOAD, ...F32X4_SPLAT, ...set(V0), ...advance(R1, i32(4)),
        ...eachLane([...plus(XI, C), ...get(V0), ...load(plus(R2, C)), ...F32X4_MUL, ...V128_STORE]),
      ],
      advance(R2, get(KB)),
    ),
  ],
  // weightedSumGradA(dy, x, da): da[b, p] = ⟨dy[b, :], x[b, p, :]⟩ (R1 running da, R2 running dy row)
  weightedSumGradA: [
    ...get(2), ...set(R1), ...get(0), ...set(R2),
    ...eachItem(
      1,
      [
        ...F32_CONST_0, ...F32X4_SPLAT, ...set(V0),
        ...eachLane([...get(V0), ...load(plus(R2, C)), ...load(plus(XI, C)), ...F32X4_MUL, ...F32X4_ADD, ...set(V0)]),
        ...get(R1), ...horizontalSum(V0), ...F32_STORE,
        ...advance(R1, i32(4)),
      ],
      advance(R2, get(KB)),
    ),
  ],
  // biInteraction(x, out): out[b, :] = ½[(Σ_i x_i)² − Σ_i x_i ⊙ x_i] (R2 running out row)
  biInteraction: [
    ...get(1), ...set(R2),
    ...eachExampleLane(
      0,
      [...itemSums(true), ...plus(R2, C), ...get(V0), ...get(V0), ...F32X4_MUL, ...get(V1), ...F32X4_SUB, ...f32x4Const(0.5), ...F32X4_MUL, ...V128_STORE],
      advance(R2, get(KB)),
    ),
  ],
  // biInteractionGrad(dy, x, dx): dx[b, i, :] = dy[b, :] ⊙ (Σ_j x_j − x_i) (R2 running dy row, V1 its lanes)
  biInteractionGrad: [
    ...get(0), ...set(R2), ...get(2), ...get(1), ...SUB, ...set(DELTA),
    ...eachExampleLane(
      1,
      [
        ...itemSums(false), ...load(plus(R2, C)), ...set(V1),
        ...eachSlot([
          ...plus(XI, C), ...get(DELTA), ...ADD, ...get(V1), ...get(V0), ...load(plus(XI, C)), ...F32X4_SUB, ...F32X4_MUL, ...V128_STORE,
        ]),
      ],
      advance(R2, get(KB)),
    ),
  ],
} as const;

/** The pair kernels and the index (in their array arguments) of x, whose shape drives the loops. */
export type PairKernel = keyof typeof KERNELS;
const X_ARG: Record<PairKernel, number> = {
  products: 0,
  productsGrad: 1,
  products2: 0,
  products2GradX: 2,
  products2GradY: 2,
  pool: 0,
  poolGradX: 1,
  poolGradA: 1,
  weightedSum: 0,
  weightedSumGradX: 2,
  weightedSumGradA: 1,
  biInteraction: 0,
  biInteractionGrad: 1,
};

const pairsModule = (shared: boolean) => kernelModule(KERNELS, 7, 9, 3, shared);

type Kernels = Record<PairKernel, (a0: number, a1: number, a2: number, a3: number, xEnd: number, row: number, kb: number) => void>;

/** The kernels instantiated over tfjs-backend-wasm's memory, or null (no wasm backend, no SIMD, a shared memory). */
const kernelsFor = heapModule<Kernels>(pairsModule);

/**
 * Runs `kernel` on `arrays` (views of the wasm backend's memory, in the kernel's argument order; outputs that
 * accumulate must be zeroed first) for x `[batch, width, k]` (the weighted sums and Bi-Interaction: width items of k); the
 * products2 kernels take `skipBytes`, a gap after each example's pairs in the pair tensor (several inputs' pairs
 * interleaved per example); returns false, doing nothing, where it cannot (not
 * the wasm backend's memory, k not a multiple of 4, no SIMD) so the caller runs its TypeScript loop instead.
 * @internal
 */
export function runSimdPairs(kernel: PairKernel, arrays: readonly Float32Array[], batch: number, width: number, k: number, skipBytes = 0): boolean {
  if (k % 4 !== 0 || arrays.length === 0) return false;
  const buffer = (arrays[0] as Float32Array).buffer;
  if (arrays.some((a) => a.buffer !== buffer)) return false;
  const kernels = kernelsFor(buffer);
  if (kernels === null) return false;
  const x = arrays[X_ARG[kernel]] as Float32Array;
  const at = arrays.map((a) => a.byteOffset);
  kernels[kernel](at[0] ?? 0, at[1] ?? 0, at[2] ?? 0, at[3] ?? skipBytes, x.byteOffset + batch * width * k * 4, width * k * 4, k * 4);
  return true;
}
