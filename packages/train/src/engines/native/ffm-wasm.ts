/**
 * FFM's per-example AdaGrad step (libffm's algorithm, `kernelAdagradExamplesFfm`) as WebAssembly SIMD (f32x4):
 * the pair term Σ_{j<l} ⟨v_{i_j,f_l}, v_{i_l,f_j}⟩ x_j x_l and the update of the two blocks every pair uses, over
 * an FFM factor table that lives in a WebAssembly memory (shared between Hogwild threads when the parameters
 * are). The bias and the linear weights stay in TypeScript (kernel.ts, `kernelAdagradExamplesFfmWasm`).
 *
 * Memory of one FFM: `[staging: SLOTS × SLOT_BYTES | factors: n·F·k floats | accumulators: n·F floats | linear
 * weights: n floats | their accumulators: n floats]`. The table is allocated there from the start (`allocFfmFactors`),
 * so nothing is copied; row-wise AdaGrad's accumulators (one per (feature, field) block) take the region after it
 * (`allocFfmAccumulators`), and the linear weights and their AdaGrad accumulators the two after that
 * (`allocFfmLinear`, `allocFfmLinearAccumulators`). Each thread writes the current row's entries into its own staging
 * slot: per entry the byte address of the feature's factor row and accumulator row, the field's offset in each, x, and
 * the address of its linear weight. For k ∈ {4, 8, 12, 16}; other sizes, memories above 4 GiB and hosts without
 * WebAssembly SIMD keep the TypeScript kernel.
 *
 * The step is bound by memory latency on a large model (each entry reads a factor row of F·k floats and an
 * accumulator row from anywhere in the table): `touch` loads every cache line the next row will use in one loop,
 * whose loads overlap, before the row is computed. The linear weight and its accumulator are two more lines per entry
 * (two more pages); with them in the memory `touch` loads them in the same loop, where the TypeScript staging loop
 * read them one by one before.
 *
 * Arithmetic is float32 (the TypeScript kernel rounds through float64), so the two agree to float32 rounding.
 */
import {
  ADD, F32, F32_ADD, F32_MUL, F32X4_ADD, F32X4_DIV, F32X4_MUL, F32X4_SPLAT, F32X4_SQRT, F32X4_SUB, I32, MUL, V128,
  LT_U, NE, f32, f32LoadAt, f32StoreAt, f32x4ExtractLane, f32x4ReplaceLane, f32x4Shuffle, forLoop, get, horizontalSum, i32, i32LoadAt,
  ifElse, ifThen, set, typedModule, v128LoadAt, v128StoreAt, whileLoop,
} from '@fm/layers/wasm-bytecode';
import { adamFunction, gradFunction } from './ffm-wasm-adam.js';
import type { NativeParams, NativeState, NativeTask } from './types.js';

/**
 * Bytes of one staged entry: factor row address, field offset, accumulator row address, field offset, x, and the
 * address of the feature's linear weight (read only by `touch`).
 */
export const FFM_ENTRY_BYTES = 24;
/** Staging bytes per thread slot: two halves of rows up to 6,552 entries (longer rows take the TypeScript kernel). */
const SLOT_BYTES = 256 * 1024;
/** Thread slots (Hogwild uses at most 4 by default). */
const SLOTS = 8;
/** Thread slots with a mini-batch gradient region (Hogwild's default at most; one without shared memory). */
const GRADIENT_SLOTS = 4;
const PAGE = 65536;
const MAX_PAGES = 65535;

/** The WebAssembly API used here (this package compiles without DOM typings). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (d: { initial: number; maximum: number; shared?: boolean }) => WasmMemory;
}
/** A WebAssembly.Memory. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** Where one FFM's arrays sit in its memory (bytes), for the kernel and for worker threads. */
export interface FfmLayout {
  k: number;
  F: number;
  n: number;
  /** Byte offset of the factor table, of the accumulators, of the linear weights `[n]` and of their accumulators `[n]`. */
  vOff: number;
  aOff: number;
  lOff: number;
  alOff: number;
  /**
   * Mini-batch Adam (ffm-wasm-adam.ts): byte offsets of the first and second moments `[n·F·k]` each (0: the memory
   * has none), of the first thread slot's gradient region, the bytes of each slot's region (`[n·F·k]` gradient floats,
   * then `[n·F]` block-use flags, padded to 16 bytes), and how many slots have one.
   */
  mOff: number;
  sOff: number;
  gOff: number;
  gStride: number;
  gradSlots: number;
  shared: boolean;
  /** Staging: thread slots, bytes per slot, bytes per staged entry. */
  slots: number;
  slotBytes: number;
  entryBytes: number;
}

/** What a thread needs to run the WebAssembly step: the module's functions, views of the memory, its slot. */
export interface FfmWasm {
  /** Σ_{j<l} ⟨v_{i_j,f_l}, v_{i_l,f_j}⟩ x_j x_l of the `m` entries staged at byte `ent`. */
  pairs: (ent: number, m: number) => number;
  /**
   * Loads one float of every cache line of the staged entries' factor rows (`vBytes` each) and accumulator rows
   * (`aBytes`; 0: none), and with `lin` ≠ 0 each entry's linear weight, and its accumulator `alDelta` bytes after it
   * when that is ≠ 0.
   */
  touch: (ent: number, m: number, vBytes: number, aBytes: number, lin: number, alDelta: number) => number;
  /** AdaGrad step of every block the staged pairs use, for ∂loss/∂(pair term) = `gr` (instance-normalised). */
  update: (ent: number, m: number, gr: number, lr: number, l2v: number, eps: number) => void;
  /**
   * Mini-batch step, first half (ffm-wasm-adam.ts): adds `gr`·x_j x_l ∂(pair)/∂block + `l2`·block of every pair of the
   * `m` entries staged at byte `ent` (batched staging: entry words 2, 3 and 5 the gradient row, the flag row and
   * field·4) to the thread's gradient region, and flags the blocks used.
   */
  grad: (ent: number, m: number, gr: number, l2: number) => void;
  /**
   * Mini-batch step, second half: Adam on every flagged block of the `count` features whose ids are at byte `list`,
   * with gradient `sData`·(the region's sum), then clears their gradients and flags (see ffm-wasm-adam.ts).
   */
  adam: (
    list: number, count: number, vOff: number, vRow: number, F: number, gDelta: number, fOff: number, mDelta: number, sDelta: number,
    sData: number, lrc: number, ic2: number, beta1: number, beta2: number, eps: number,
  ) => void;
  /**
   * True when this thread takes the mini-batch Adam step in WebAssembly: the table's memory holds the moments and
   * this slot has a gradient region at byte `gOff` (its block-use flags at `fOff`); `M32` / `MI32` view the memory.
   */
  batched: boolean;
  gOff: number;
  fOff: number;
  mOff: number;
  sOff: number;
  M32: Float32Array;
  MI32: Int32Array;
  I32: Int32Array;
  F32: Float32Array;
  /** Byte offset of this thread's staging slot, the bytes of each of its two halves, and the entries a half holds. */
  ent: number;
  half: number;
  cap: number;
  vOff: number;
  aOff: number;
  /**
   * Where the step's linear weights are: 0 elsewhere (the kernel reads them), 1 the memory's linear region, 2 that and
   * their accumulators in the memory's region (`touch` then loads them with the rows); `lOff` and `alOff` their byte offsets.
   */
  linear: 0 | 1 | 2;
  lOff: number;
  alOff: number;
  /** Bytes of a feature's factor row (F·k·4) and accumulator row (F·4), and of a block (k·4). */
  vRow: number;
  aRow: number;
  kb: number;
}

interface Heap {
  memory: WasmMemory;
  layout: FfmLayout;
}
/** The memory an FFM table was allocated in, by the table's buffer. */
const heaps = new WeakMap<ArrayBufferLike, Heap>();
const modules = new Map<string, object | null>();

/** The compiled module for factor size k (null where WebAssembly SIMD is missing or k is not 4, 8, 12 or 16). */
export function ffmModule(k: number, shared: boolean): object | null {
  if (wasm === undefined || ![4, 8, 12, 16].includes(k)) return null;
  const key = `${k}/${shared}`;
  let m = modules.get(key);
  if (m === undefined) {
    try {
      const bytes = assemble(k, shared);
      m = wasm.validate(bytes) ? new wasm.Module(bytes) : null;
    } catch {
      m = null;
    }
    modules.set(key, m);
  }
  return m;
}

/**
 * The FFM factor table `[n·F·k]` allocated in a WebAssembly memory sized for it, its row-wise AdaGrad
 * accumulators and the staging slots (shared when `shared`, for Hogwild threads); undefined where the
 * WebAssembly kernel does not apply (k, size, no SIMD): the caller then allocates an ordinary array.
 */
export function allocFfmFactors(n: number, F: number, k: number, shared: boolean): Float32Array | undefined {
  if (wasm === undefined || ffmModule(k, shared) === null) return undefined;
  const vOff = SLOTS * SLOT_BYTES;
  const aOff = vOff + n * F * k * 4;
  const lOff = aOff + n * F * 4;
  const alOff = lOff + n * 4;
  const end = alOff + n * 4;
  // Adam's moments and the threads' gradient regions where they fit: pages no step writes are never backed
  const mOff = Math.ceil(end / 16) * 16;
  const sOff = mOff + n * F * k * 4;
  const gOff = sOff + n * F * k * 4;
  const gStride = Math.ceil((n * F * k * 4 + n * F * 4) / 16) * 16;
  // the largest layout that fits the 4 GiB and can be reserved: gradient regions for up to GRADIENT_SLOTS threads,
  // fewer, none (then no moments either: Adam keeps the TypeScript kernel)
  const pages = (slots: number) => Math.ceil((slots > 0 ? gOff + slots * gStride : end) / PAGE);
  let gradSlots = Math.min(SLOTS, shared ? GRADIENT_SLOTS : 1);
  let memory = reserveMemory(pages(gradSlots), shared);
  while (memory === undefined && gradSlots > 0) memory = reserveMemory(pages(--gradSlots), shared);
  if (memory === undefined) return undefined; // the TypeScript kernel on an ordinary array
  const withAdam = gradSlots > 0;
  const layout: FfmLayout = {
    k, F, n, vOff, aOff, lOff, alOff,
    mOff: withAdam ? mOff : 0, sOff: withAdam ? sOff : 0, gOff: withAdam ? gOff : 0, gStride: withAdam ? gStride : 0, gradSlots,
    shared, slots: SLOTS, slotBytes: SLOT_BYTES, entryBytes: FFM_ENTRY_BYTES,
  };
  heaps.set(memory.buffer, { memory, layout });
  return new Float32Array(memory.buffer, vOff, n * F * k);
}

/** A memory of `pages` pages (shared or not); undefined beyond 4 GiB or where the reservation fails. */
function reserveMemory(pages: number, shared: boolean): WasmMemory | undefined {
  if (wasm === undefined || pages > MAX_PAGES) return undefined;
  try {
    return new wasm.Memory({ initial: pages, maximum: pages, shared });
  } catch {
    return undefined;
  }
}

/** The memory and layout of an FFM table from {@link allocFfmFactors}, else undefined. */
export function ffmHeapOf(factors: Float32Array): { memory: WasmMemory; layout: FfmLayout } | undefined {
  const h = heaps.get(factors.buffer);
  return h !== undefined && factors.byteOffset === h.layout.vOff ? h : undefined;
}

/** The region of a table's memory at byte `offset(layout)`, `length(layout)` floats long; undefined off the memory. */
function heapRegion(factors: Float32Array, offset: (l: FfmLayout) => number, length: (l: FfmLayout) => number): Float32Array | undefined {
  const h = ffmHeapOf(factors);
  return h === undefined ? undefined : new Float32Array(h.memory.buffer, offset(h.layout), length(h.layout));
}

/**
 * Row-wise AdaGrad accumulators `[n·F]` for a table from {@link allocFfmFactors}, in its memory (so the
 * WebAssembly step can update them), else undefined. A second call for the same table returns the same region:
 * one table has one optimizer state at a time (a new state starts its accumulators afresh).
 */
export function allocFfmAccumulators(factors: Float32Array): Float32Array | undefined {
  return heapRegion(factors, (l) => l.aOff, (l) => l.n * l.F);
}

/**
 * The linear weights `[n]` of a table from {@link allocFfmFactors}, in its memory (so the WebAssembly step
 * touches them with the row's factor rows), else undefined. One region per table, as {@link allocFfmAccumulators}.
 */
export function allocFfmLinear(factors: Float32Array): Float32Array | undefined {
  return heapRegion(factors, (l) => l.lOff, (l) => l.n);
}

/** AdaGrad accumulators `[n]` of the linear weights of a table from {@link allocFfmFactors}, in its memory, else undefined. */
export function allocFfmLinearAccumulators(factors: Float32Array): Float32Array | undefined {
  return heapRegion(factors, (l) => l.alOff, (l) => l.n);
}

/**
 * Adam's first and second moments `[n·F·k]` for a table from {@link allocFfmFactors}, in its memory (so the
 * WebAssembly mini-batch step can update them), zeroed; else undefined. One pair per table, as
 * {@link allocFfmAccumulators}.
 */
export function allocFfmMoments(factors: Float32Array): [Float32Array, Float32Array] | undefined {
  const first = heapRegion(factors, (l) => l.mOff, (l) => (l.mOff > 0 ? l.n * l.F * l.k : 0));
  const second = heapRegion(factors, (l) => l.sOff, (l) => (l.sOff > 0 ? l.n * l.F * l.k : 0));
  if (first === undefined || second === undefined || first.length === 0) return undefined;
  return [first.fill(0), second.fill(0)];
}

/**
 * Instantiates the module on a memory for thread slot `slot` (dependency-free: worker threads run its source).
 * Returns null when the slot is beyond the staging slots.
 */
export function ffmWasmInstance(
  module: object, memory: WasmMemory, layout: FfmLayout, slot: number, linear: 0 | 1 | 2 = 0, batched = false,
): FfmWasm | null {
  const { slots, slotBytes, entryBytes } = layout;
  if (slot >= slots) return null;
  const api = (globalThis as unknown as { WebAssembly: { Instance: new (m: object, i: object) => { exports: unknown } } }).WebAssembly;
  const ex = new api.Instance(module, { env: { memory } }).exports as Pick<FfmWasm, 'pairs' | 'update' | 'touch' | 'grad' | 'adam'>;
  const withGrad = batched && layout.mOff > 0 && slot < layout.gradSlots;
  const gOff = withGrad ? layout.gOff + slot * layout.gStride : 0;
  // a run stopped inside a batch leaves sums in the region: every run starts from a clear one
  if (withGrad) new Uint8Array(memory.buffer, gOff, layout.gStride).fill(0);
  return {
    pairs: ex.pairs,
    update: ex.update,
    touch: ex.touch,
    grad: ex.grad,
    adam: ex.adam,
    batched: withGrad,
    gOff,
    fOff: withGrad ? gOff + layout.n * layout.F * layout.k * 4 : 0,
    mOff: layout.mOff,
    sOff: layout.sOff,
    M32: new Float32Array(memory.buffer),
    MI32: new Int32Array(memory.buffer),
    I32: new Int32Array(memory.buffer, 0, (slots * slotBytes) / 4),
    F32: new Float32Array(memory.buffer, 0, (slots * slotBytes) / 4),
    ent: slot * slotBytes,
    half: slotBytes / 2,
    // one float after the entries takes the touched sum
    cap: Math.floor(slotBytes / 2 / entryBytes) - 1,
    vOff: layout.vOff,
    aOff: layout.aOff,
    linear,
    lOff: layout.lOff,
    alOff: layout.alOff,
    vRow: layout.F * layout.k * 4,
    aRow: layout.F * 4,
    kb: layout.k * 4,
  };
}

// ---- the module ----
const E = FFM_ENTRY_BYTES;

/** `pairs(ent, m) → f32` and `update(ent, m, gr, lr, l2v, eps)` for factor size k (k/4 vectors per block). */
function assemble(k: number, shared: boolean): Uint8Array {
  const C = k / 4;
  const lanes = Array.from({ length: C }, (_, c) => c);
  // pairs: params 0 ent, 1 m; i32 locals 2 pj, 3 pl, 4 end, 5 vRow_j, 6 vField_j, 7 o1, 8 o2; f32 9 total; v128 10 row
  const pairs = [
    ...get(1), ...i32(E), ...MUL, ...get(0), ...ADD, ...set(4),
    ...forLoop(2, get(0), get(4), i32(E), [
      ...get(2), ...i32LoadAt(0), ...set(5),
      ...get(2), ...i32LoadAt(4), ...set(6),
      ...f32(0), ...F32X4_SPLAT, ...set(10),
      ...forLoop(3, [...get(2), ...i32(E), ...ADD], get(4), i32(E), [
        ...get(5), ...get(3), ...i32LoadAt(4), ...ADD, ...set(7),
        ...get(3), ...i32LoadAt(0), ...get(6), ...ADD, ...set(8),
        ...lanes.flatMap((c) => [...get(7), ...v128LoadAt(16 * c), ...get(8), ...v128LoadAt(16 * c), ...F32X4_MUL, ...(c > 0 ? F32X4_ADD : [])]),
        ...get(3), ...f32LoadAt(16), ...F32X4_SPLAT, ...F32X4_MUL, ...get(10), ...F32X4_ADD, ...set(10),
      ]),
      ...horizontalSum(10), ...get(2), ...f32LoadAt(16), ...F32_MUL, ...get(9), ...F32_ADD, ...set(9),
    ]),
    ...get(9),
  ];
  // update: params 0 ent, 1 m, 2 gr, 3 lr, 4 l2v, 5 eps (f32); i32 locals 6 pj, 7 pl, 8 end, 9 vRow_j, 10 vField_j,
  // 11 aRow_j, 12 aField_j, 13 pl of the second pair, 14-17 / 18-21 the first / second pair's block addresses o1, o2
  // and accumulator addresses q1, q2; f32 22 gr·x_j (23 unused); v128 24 cc, 25 l2v, 26 1/k, 27 lr, 28 eps,
  // 29 scratch, 30 scratch, then per pair Σg1², Σg2² and per lane group c v1, v2, g1, g2.
  //
  // The pairs (j, l) of one j go two at a time when l and l + 1 are in different fields: their four blocks are then
  // distinct (a feature has one field, so any two of (i_j, f_l), (i_l, f_j), (i_j, f_l+1), (i_l+1, f_j) coincide
  // only if f_l = f_l+1), so updating both from the values read before either is written is exactly the TypeScript
  // kernel's pair-after-pair order, and their four accumulators share one vector: one sqrt and one divide for two
  // pairs, which is what bounds the step at k = 4. A pair whose neighbour is in its own field (multi-hot) goes alone.
  const PAIR_LOCALS = 2 + 4 * C;
  const slot = (p: 0 | 1) => {
    const v = 31 + p * PAIR_LOCALS;
    return {
      pl: p === 0 ? 7 : 13, o1: 14 + 4 * p, o2: 15 + 4 * p, q1: 16 + 4 * p, q2: 17 + 4 * p, s1: v, s2: v + 1,
      V1: (c: number) => v + 2 + 4 * c, V2: (c: number) => v + 3 + 4 * c, G1: (c: number) => v + 4 + 4 * c, G2: (c: number) => v + 5 + 4 * c,
    };
  };
  type Slot = ReturnType<typeof slot>;
  const grad = (g: number, v: number, w: number) => [...get(24), ...get(w), ...F32X4_MUL, ...get(25), ...get(v), ...F32X4_MUL, ...F32X4_ADD, ...set(g)];
  const square = (acc: number, g: number, c: number) => [...get(g), ...get(g), ...F32X4_MUL, ...(c > 0 ? [...get(acc), ...F32X4_ADD] : []), ...set(acc)];
  /** The pair's block and accumulator addresses, cc = gr·x_j·x_l, v1, v2, g1, g2 and Σg1², Σg2² per lane. */
  const gradients = (q: Slot) => [
    ...get(9), ...get(q.pl), ...i32LoadAt(4), ...ADD, ...set(q.o1),
    ...get(q.pl), ...i32LoadAt(0), ...get(10), ...ADD, ...set(q.o2),
    ...get(11), ...get(q.pl), ...i32LoadAt(12), ...ADD, ...set(q.q1),
    ...get(q.pl), ...i32LoadAt(8), ...get(12), ...ADD, ...set(q.q2),
    ...get(22), ...get(q.pl), ...f32LoadAt(16), ...F32_MUL, ...F32X4_SPLAT, ...set(24),
    ...lanes.flatMap((c) => [
      ...get(q.o1), ...v128LoadAt(16 * c), ...set(q.V1(c)),
      ...get(q.o2), ...v128LoadAt(16 * c), ...set(q.V2(c)),
      ...grad(q.G1(c), q.V1(c), q.V2(c)),
      ...grad(q.G2(c), q.V2(c), q.V1(c)),
      ...square(q.s1, q.G1(c), c),
      ...square(q.s2, q.G2(c), c),
    ]),
  ];
  /** v1 -= step·g1 and v2 -= step·g2, the steps broadcast from lanes `l1` and `l2` of local 29. */
  const steps = (q: Slot, l1: number, l2: number) => [
    ...get(29), ...get(29), ...f32x4Shuffle([l1, l1, l1, l1]), ...set(30),
    ...lanes.flatMap((c) => [...get(q.o1), ...get(q.V1(c)), ...get(30), ...get(q.G1(c)), ...F32X4_MUL, ...F32X4_SUB, ...v128StoreAt(16 * c)]),
    ...get(29), ...get(29), ...f32x4Shuffle([l2, l2, l2, l2]), ...set(30),
    ...lanes.flatMap((c) => [...get(q.o2), ...get(q.V2(c)), ...get(30), ...get(q.G2(c)), ...F32X4_MUL, ...F32X4_SUB, ...v128StoreAt(16 * c)]),
  ];
  /** Local 29 = lr / (√(G + Σg²/k) + eps) of the accumulators in its lanes (G read before any is written). */
  const adagrad = (addresses: number[]) => [
    ...get(26), ...F32X4_MUL,
    ...get(addresses[0] as number), ...f32LoadAt(0), ...F32X4_SPLAT,
    ...addresses.slice(1).flatMap((q, i) => [...get(q), ...f32LoadAt(0), ...f32x4ReplaceLane(i + 1)]),
    ...F32X4_ADD, ...set(29),
    ...addresses.flatMap((q, i) => [...get(q), ...get(29), ...f32x4ExtractLane(i), ...f32StoreAt(0)]),
    ...get(27), ...get(29), ...F32X4_SQRT, ...get(28), ...F32X4_ADD, ...F32X4_DIV, ...set(29),
  ];
  const A = slot(0);
  const Bq = slot(1);
  /** Lanes [Σs1, Σs2, …] folded pairwise: [a0+a2, a1+a3, b0+b2, b1+b3] of two per-lane sums a, b. */
  const fold = (a: number, b: number) => [...get(a), ...get(b), ...f32x4Shuffle([0, 1, 4, 5]), ...get(a), ...get(b), ...f32x4Shuffle([2, 3, 6, 7]), ...F32X4_ADD];
  // one pair: accumulators [A1, A2, A1, A1] (lanes 2 and 3 unused but well defined)
  const single = [
    ...gradients(A),
    ...fold(A.s1, A.s2), ...set(29), ...get(29), ...get(29), ...f32x4Shuffle([0, 2, 4, 6]), ...get(29), ...get(29), ...f32x4Shuffle([1, 3, 5, 7]), ...F32X4_ADD,
    ...adagrad([A.q1, A.q2]),
    ...steps(A, 0, 1),
  ];
  // two pairs: accumulators [A1, A2, B1, B2]
  const double = [
    ...get(7), ...i32(E), ...ADD, ...set(13),
    ...gradients(A),
    ...gradients(Bq),
    ...fold(A.s1, A.s2), ...set(29), ...fold(Bq.s1, Bq.s2), ...set(30),
    ...get(29), ...get(30), ...f32x4Shuffle([0, 2, 4, 6]), ...get(29), ...get(30), ...f32x4Shuffle([1, 3, 5, 7]), ...F32X4_ADD,
    ...adagrad([A.q1, A.q2, Bq.q1, Bq.q2]),
    ...steps(A, 0, 1),
    ...steps(Bq, 2, 3),
  ];
  const update = [
    ...get(1), ...i32(E), ...MUL, ...get(0), ...ADD, ...set(8),
    ...get(4), ...F32X4_SPLAT, ...set(25),
    ...f32(1 / k), ...F32X4_SPLAT, ...set(26),
    ...get(3), ...F32X4_SPLAT, ...set(27),
    ...get(5), ...F32X4_SPLAT, ...set(28),
    ...forLoop(6, get(0), get(8), i32(E), [
      ...get(6), ...i32LoadAt(0), ...set(9),
      ...get(6), ...i32LoadAt(4), ...set(10),
      ...get(6), ...i32LoadAt(8), ...set(11),
      ...get(6), ...i32LoadAt(12), ...set(12),
      ...get(2), ...get(6), ...f32LoadAt(16), ...F32_MUL, ...set(22),
      ...get(6), ...i32(E), ...ADD, ...set(7),
      // while l + 1 < end: two pairs when their fields differ, else one
      ...whileLoop([...get(7), ...i32(E), ...ADD, ...get(8), ...LT_U], [
        ...get(7), ...i32LoadAt(4), ...get(7), ...i32LoadAt(4 + E), ...NE,
        ...ifElse([...double, ...get(7), ...i32(2 * E), ...ADD, ...set(7)], [...single, ...get(7), ...i32(E), ...ADD, ...set(7)]),
      ]),
      ...get(7), ...get(8), ...LT_U, ...ifThen(single),
    ]),
  ];
  // touch: params 0 ent, 1 m, 2 vBytes, 3 aBytes, 4 lin, 5 alDelta; i32 locals 6 pj, 7 end, 8 row, 9 o; f32 10 sum
  const load = (addr: number[]) => [...addr, ...f32LoadAt(0), ...get(10), ...F32_ADD, ...set(10)];
  const touchRow = (entryOffset: number, bytes: number) => [
    ...get(6), ...i32LoadAt(entryOffset), ...set(8),
    ...forLoop(9, get(8), [...get(8), ...get(bytes), ...ADD], i32(64), load(get(9))),
  ];
  const touchLinear = ifThen([
    ...load([...get(6), ...i32LoadAt(20)]),
    ...get(5), ...i32(0), ...NE, ...ifThen(load([...get(6), ...i32LoadAt(20), ...get(5), ...ADD])),
  ]);
  const touch = [
    ...get(1), ...i32(E), ...MUL, ...get(0), ...ADD, ...set(7),
    ...forLoop(6, get(0), get(7), i32(E), [...touchRow(0, 2), ...touchRow(8, 3), ...get(4), ...i32(0), ...NE, ...touchLinear]),
    ...get(10),
  ];
  return typedModule(
    [
      { name: 'touch', params: [I32, I32, I32, I32, I32, I32], results: [F32], locals: [[4, I32], [1, F32]], body: touch },
      { name: 'pairs', params: [I32, I32], results: [F32], locals: [[7, I32], [1, F32], [1, V128]], body: pairs },
      { name: 'update', params: [I32, I32, F32, F32, F32, F32], results: [], locals: [[16, I32], [2, F32], [7 + 2 * PAIR_LOCALS, V128]], body: update },
      gradFunction(k, E),
      adamFunction(k),
    ],
    shared,
  );
}

/** What a thread instantiates the WebAssembly step from. */
export interface FfmWasmSource {
  module: object;
  memory: WasmMemory;
  layout: FfmLayout;
  /** {@link FfmWasm.linear}: whether the linear weights (1) and their accumulators (2) are the memory's regions. */
  linear: 0 | 1 | 2;
  /** {@link FfmWasm.batched}: the mini-batch Adam step (each thread with a gradient region takes it). */
  batched: boolean;
}

/**
 * The module, memory and layout for FFM's WebAssembly step on `params`, or null where the TypeScript kernel runs.
 * The one place that decides it: the table must come from {@link allocFfmFactors}; to train (`training` given), the
 * run must also be pointwise (no sampled negatives, not ranking) and take either the per-example AdaGrad path
 * (batch 1) with accumulators from {@link allocFfmAccumulators}, or Adam (any batch; `batched`) with moments from
 * {@link allocFfmMoments}. Without `training`: scoring, which needs the table alone.
 */
export function ffmWasmSource(
  params: Pick<NativeParams, 'kind' | 'factors' | 'linear'>,
  training?: { state: NativeState; settings: { batchSize: number; negatives: number; task: NativeTask } },
): FfmWasmSource | null {
  if (params.kind !== 'ffm') return null;
  const h = ffmHeapOf(params.factors);
  if (h === undefined) return null;
  const at = (a: Float32Array, offset: number) => a.buffer === h.memory.buffer && a.byteOffset === offset && a.length === h.layout.n;
  let linear: 0 | 1 | 2 = at(params.linear, h.layout.lOff) ? 1 : 0;
  let batched = false;
  if (training) {
    const { state, settings } = training;
    if (settings.negatives !== 0 || settings.task === 'ranking') return null;
    const inMemory = (a: Float32Array, offset: number) => offset > 0 && a.buffer === h.memory.buffer && a.byteOffset === offset;
    if (state.optimizer === 'adam') {
      if (!inMemory(state.aFactors, h.layout.mOff) || !inMemory(state.bFactors, h.layout.sOff)) return null;
      batched = true;
    } else {
      if (settings.batchSize !== 1 || state.optimizer !== 'adagrad') return null;
      if (!inMemory(state.aFactors, h.layout.aOff)) return null;
      if (linear === 1 && at(state.aLinear, h.layout.alOff)) linear = 2;
    }
  }
  const module = ffmModule(h.layout.k, h.layout.shared);
  return module === null ? null : { module, memory: h.memory, layout: h.layout, linear, batched };
}

const scorers = new WeakMap<WasmMemory, FfmWasm | null>();

/**
 * The WebAssembly step on slot 0 of an FFM table's memory for scoring ({@link ffmWasmSource} without training),
 * instantiated once per memory (scoring one small batch at a time would otherwise pay an instantiation per call);
 * null where the TypeScript kernel scores. Slot 0 is the calling thread's, shared with its training context: both
 * restage it for every row.
 */
export function ffmWasmScorer(params: Pick<NativeParams, 'kind' | 'factors' | 'linear'>): FfmWasm | null {
  const src = ffmWasmSource(params);
  if (src === null) return null;
  let w = scorers.get(src.memory);
  if (w === undefined || (w !== null && w.linear !== src.linear)) {
    w = ffmWasmInstance(src.module, src.memory, src.layout, 0, src.linear, false);
    scorers.set(src.memory, w);
  }
  return w;
}
