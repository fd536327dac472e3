/**
 * `out[K, N] = xᵀ @ dy` for `x` `[M, K]`, `dy` `[M, N]`: the weight gradient of a dense layer, a reduction over
 * the M rows of a batch. tfjs-backend-wasm computes it with a naive loop (XNNPACK only runs untransposed
 * products), about 1 ns per multiply-add; this module does it with WebAssembly SIMD (f32x4): blocks of 4 × 8 of out
 * held in registers over chunks of 32 rows of the batch, ~0.1-0.15 ns per multiply-add measured. The bytecode is
 * assembled below (no toolchain: a few opcodes).
 */

import {
  ADD, F32X4_ADD, F32X4_MUL, I32, LT_U, MUL, V128, forLoop, get, heapModule, i32, ifThen, set, typedModule, v128Load32SplatAt, v128LoadAt,
  v128StoreAt, wasmApi, whileLoop, type WasmMemory,
} from './wasm-bytecode.js';
import { MIN_SPLIT_WORK, heapHelperCount, heapParallelism, runHeapParts, splitRange, type HeapCall } from './heap-helpers.js';

/**
 * Rows of the batch (a chunk) a kernel's `[kb, 8]` blocks of out, held in registers, run over before the next
 * chunk: the rows of x they read (a page apart for a wide x, FiBiNET's 23,712 inputs) stay in the TLB and L1 while
 * the k and n blocks go by. With the whole batch at once, every row read would be a TLB miss.
 */
const M_CHUNK = 32;

/**
 * One kernel: for each chunk of {@link M_CHUNK} of the `rows` rows, for k in [k0, k1) by `kb` and n in [n0, n1) by
 * 4·`nv` (floats), an `[kb, 4·nv]` block of out held in registers while the chunk's rows of x and dy add into it,
 * then added to out (chunk by chunk in order: the same floats as one call per chunk). Params (i32): 0 x, 1 dy,
 * 2 out (byte addresses of the first row and of out), 3 rows, 4 k0, 5 k1, 6 n0, 7 n1, 8 S (floats per row of x),
 * 9 N (floats per row of dy and out).
 */
function kernel(kb: 1 | 4, nv: 1 | 2): number[] {
  const [x, dy, out, rows, k0, k1, n0, n1, S, N] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [k, n, xp, dp, xEnd, xRow, dyRow, oa, xc, dc, xAll, chunkEnd] = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21];
  const splat = (i: number) => 22 + i;
  const d = (j: number) => 26 + j;
  const acc = (i: number, j: number) => 28 + 2 * i + j;
  const is = Array.from({ length: kb }, (_, i) => i);
  const js = Array.from({ length: nv }, (_, j) => j);
  const zero = [0xfd, 12, ...new Array<number>(16).fill(0)];
  return [
    ...get(S), ...i32(4), ...MUL, ...set(xRow),
    ...get(N), ...i32(4), ...MUL, ...set(dyRow),
    ...get(x), ...get(rows), ...get(xRow), ...MUL, ...ADD, ...set(xAll),
    ...get(dy), ...set(dc),
    ...forLoop(xc, get(x), get(xAll), [...i32(M_CHUNK), ...get(xRow), ...MUL], [
      // the chunk's end: M_CHUNK rows on, or the last row's
      ...get(xc), ...i32(M_CHUNK), ...get(xRow), ...MUL, ...ADD, ...set(chunkEnd),
      ...get(xAll), ...get(chunkEnd), ...LT_U, ...ifThen([...get(xAll), ...set(chunkEnd)]),
      ...forLoop(k, get(k0), get(k1), i32(kb), [
        ...forLoop(n, get(n0), get(n1), i32(4 * nv), [
          ...is.flatMap((i) => js.flatMap((j) => [...zero, ...set(acc(i, j))])),
          ...get(xc), ...get(k), ...i32(4), ...MUL, ...ADD, ...set(xp),
          ...get(dc), ...get(n), ...i32(4), ...MUL, ...ADD, ...set(dp),
          ...get(chunkEnd), ...get(k), ...i32(4), ...MUL, ...ADD, ...set(xEnd),
          ...whileLoop([...get(xp), ...get(xEnd), ...LT_U], [
            ...is.flatMap((i) => [...get(xp), ...v128Load32SplatAt(4 * i), ...set(splat(i))]),
            ...js.flatMap((j) => [...get(dp), ...v128LoadAt(16 * j), ...set(d(j))]),
            ...is.flatMap((i) => js.flatMap((j) => [...get(acc(i, j)), ...get(splat(i)), ...get(d(j)), ...F32X4_MUL, ...F32X4_ADD, ...set(acc(i, j))])),
            ...get(xp), ...get(xRow), ...ADD, ...set(xp),
            ...get(dp), ...get(dyRow), ...ADD, ...set(dp),
          ]),
          ...is.flatMap((i) => [
            ...get(out), ...get(k), ...i32(i), ...ADD, ...get(dyRow), ...MUL, ...ADD, ...get(n), ...i32(4), ...MUL, ...ADD, ...set(oa),
            ...js.flatMap((j) => [...get(oa), ...get(oa), ...v128LoadAt(16 * j), ...get(acc(i, j)), ...F32X4_ADD, ...v128StoreAt(16 * j)]),
          ]),
        ]),
      ]),
      ...get(dc), ...i32(M_CHUNK), ...get(dyRow), ...MUL, ...ADD, ...set(dc),
    ]),
  ];
}

/**
 * `out[k, n] += Σ_m x[m, k]·dy[m, n]` over rows, chunk by chunk: `k4n8` on k in blocks of 4 and n in blocks of 8, `k4n4`,
 * `k1n8` and `k1n4` on the remainders (N a multiple of 4). Imports its memory.
 */
function gemmModule(shared: boolean): Uint8Array {
  const params = Array.from({ length: 10 }, () => I32);
  const locals: [number, number][] = [[12, I32], [14, V128]];
  return typedModule(
    [
      ...([['k4n8', 4, 2], ['k4n4', 4, 1], ['k1n8', 1, 2], ['k1n4', 1, 1]] as const).map(([name, kb, nv]) => ({ name, params, results: [], locals, body: kernel(kb, nv) })),
      ...COLUMN_BLOCKS.map((nv) => ({ name: `sum${nv}`, params, results: [], locals, body: columnSumKernel(nv) })),
    ],
    shared,
  );
}

/** The column-sum kernels' widths in vectors of 4 floats, widest first. */
const COLUMN_BLOCKS = [8, 4, 2, 1] as const;

/**
 * `out[n] += Σ_r dy[r, n]` for n in [n0, n1) by 4·`nv` floats (out's columns held in `nv` registers over all the
 * rows, in order; one pass over dy for up to 32 columns): the gemm's parameter list (0 x, 4 k0, 5 k1 and 8 S unused;
 * 1 dy, 2 out, 3 rows, 6 n0, 7 n1, 9 N).
 */
function columnSumKernel(nv: number): number[] {
  const [dy, out, rows, n0, n1, N] = [1, 2, 3, 6, 7, 9];
  const [n, dp, dpEnd, dyRow] = [10, 11, 12, 13];
  const acc = (j: number) => 22 + j;
  const js = Array.from({ length: nv }, (_, j) => j);
  const zero = [0xfd, 12, ...new Array<number>(16).fill(0)];
  return [
    ...get(N), ...i32(4), ...MUL, ...set(dyRow),
    ...forLoop(n, get(n0), get(n1), i32(4 * nv), [
      ...js.flatMap((j) => [...zero, ...set(acc(j))]),
      ...get(dy), ...get(n), ...i32(4), ...MUL, ...ADD, ...set(dp),
      ...get(dp), ...get(rows), ...get(dyRow), ...MUL, ...ADD, ...set(dpEnd),
      ...whileLoop([...get(dp), ...get(dpEnd), ...LT_U], [
        ...js.flatMap((j) => [...get(acc(j)), ...get(dp), ...v128LoadAt(16 * j), ...F32X4_ADD, ...set(acc(j))]),
        ...get(dp), ...get(dyRow), ...ADD, ...set(dp),
      ]),
      ...js.flatMap((j) => [
        ...get(out), ...get(n), ...i32(4), ...MUL, ...ADD, ...set(dp),
        ...get(dp), ...get(dp), ...v128LoadAt(16 * j), ...get(acc(j)), ...F32X4_ADD, ...v128StoreAt(16 * j),
      ]),
    ]),
  ];
}

type Kernel = (x: number, dy: number, out: number, rows: number, k0: number, k1: number, n0: number, n1: number, s: number, n: number) => void;
interface GemmKernels {
  k4n8: Kernel;
  k4n4: Kernel;
  k1n8: Kernel;
  k1n4: Kernel;
  sum8: Kernel;
  sum4: Kernel;
  sum2: Kernel;
  sum1: Kernel;
}
/** The module on a memory of its own (operands copied in), and that memory. */
interface GemmInstance {
  kernels: GemmKernels;
  memory: WasmMemory;
}

let instance: GemmInstance | null | undefined;

/** The compiled module on its own memory, or null where WebAssembly SIMD is unavailable. */
function gemmInstance(): GemmInstance | null {
  if (instance !== undefined) return instance;
  try {
    const bytes = gemmModule(false);
    const api = wasmApi as (typeof wasmApi & { Memory: new (d: { initial: number }) => WasmMemory }) | undefined;
    if (api === undefined || !api.validate(bytes)) instance = null;
    else {
      const memory = new api.Memory({ initial: 1 });
      instance = { kernels: new api.Instance(new api.Module(bytes), { env: { memory } }).exports as unknown as GemmKernels, memory };
    }
  } catch {
    instance = null;
  }
  return instance;
}

/** The module instantiated over the wasm backend's heap `buffer` (operands used in place), or null. */
const inPlaceGemm = heapModule<GemmKernels>(gemmModule);

const up = (v: number, to: number) => Math.ceil(v / to) * to;

/**
 * Fewest rows of out (x's columns) per thread: the narrow products of attention's projections (K = 16 or 32 over
 * ~20k rows) ran slower split this way (1.5 → 2.7-4.1 ms at K = 16: each part reads all of x and dy for a few rows
 * of out), FiBiNET's first layer (K = 23,712) twice as fast. Narrower ones split the batch's rows instead (with
 * scratch for the partial sums): `[80000, 32]ᵀ · [80000, 32]` 10.3-12.1 → 5.5-6.2 ms on 2 threads.
 */
const MIN_SPLIT_ROWS = 64;

/**
 * The kernel calls of `out += xᵀ @ dy` for out's rows [k0, k1) (byte addresses; x's rows `s` floats long; n a
 * multiple of 4; k0 a multiple of 4): up to four, each looping over the batch's rows by chunks.
 */
function gemmCalls(x: number, dy: number, out: number, m: number, k0: number, k1: number, n: number, s: number): HeapCall[] {
  const k4 = Math.max(k0, k1 - ((k1 - k0) % 4));
  const n8 = n - (n % 8);
  const calls: HeapCall[] = [];
  if (k4 > k0 && n8 > 0) calls.push(['k4n8', x, dy, out, m, k0, k4, 0, n8, s, n]);
  if (k4 > k0 && n8 < n) calls.push(['k4n4', x, dy, out, m, k0, k4, n8, n, s, n]);
  if (k4 < k1 && n8 > 0) calls.push(['k1n8', x, dy, out, m, k4, k1, 0, n8, s, n]);
  if (k4 < k1 && n8 < n) calls.push(['k1n4', x, dy, out, m, k4, k1, n8, n, s, n]);
  return calls;
}

/**
 * Runs `callsFor(r0, r1, into)` (the calls that add rows [r0, r1) of the batch into the `size` floats at byte
 * address `into`) over `threads` threads, the batch's rows split in multiples of {@link M_CHUNK}: the first part
 * into `out`, each other into its block of `scratch` (zeroed here), added to out after. False, doing nothing,
 * where scratch is missing or short, or there is one part.
 */
function splitBatch(g: GemmKernels, m: number, size: number, out: number, threads: number, scratch: Float32Array | undefined, callsFor: (r0: number, r1: number, into: number) => HeapCall[]): boolean {
  const parts = scratch !== undefined && scratch.length >= (threads - 1) * size ? splitRange(m, threads, M_CHUNK) : [];
  if (parts.length < 2 || scratch === undefined) return false;
  const partials = scratch.subarray(0, (parts.length - 1) * size).fill(0);
  runHeapParts(
    g,
    parts.map(([r0, r1], p) => callsFor(r0, r1, p === 0 ? out : partials.byteOffset + (p - 1) * size * 4)),
  );
  const sum = new Float32Array(partials.buffer, out, size);
  for (let p = 0; p < partials.length; p += size) for (let i = 0; i < size; i++) sum[i] = (sum[i] as number) + (partials[p + i] as number);
  return true;
}

/**
 * `out += xᵀ @ dy` by chunks of rows (byte addresses; x's rows `s` floats long; n a multiple of 4), over
 * {@link heapParallelism} threads when the product is big enough: out's rows split (blocks of 4) where there are
 * enough of them; else, given `scratch` with room for a `[k, n]` partial sum per helper, the batch's rows split
 * ({@link splitBatch}: attention's projections, K = 16 or 32 over tens of thousands of rows).
 */
function chunkedGemm(g: GemmKernels, x: number, dy: number, out: number, m: number, k: number, n: number, s: number, scratch?: Float32Array): void {
  const threads = m * k * n >= MIN_SPLIT_WORK ? heapParallelism(g) : 1;
  // each part of out's rows streams all of x and dy: worth it only with enough rows (a dense layer's wide input)
  const byOutRows = Math.max(1, Math.min(threads, Math.floor(k / MIN_SPLIT_ROWS)));
  if (byOutRows === 1 && splitBatch(g, m, k * n, out, threads, scratch, (r0, r1, into) => gemmCalls(x + r0 * s * 4, dy + r0 * n * 4, into, r1 - r0, 0, k, n, s))) return;
  runHeapParts(
    g,
    splitRange(k, byOutRows, 4).map(([k0, k1]) => gemmCalls(x, dy, out, m, k0, k1, n, s)),
  );
}

/** A ones column for {@link columnSums} off the heap. */
let ones = new Float32Array(0);

/** The column-sum calls adding rows of dy (`[rows, n]`, n a multiple of 4) into out: widest blocks first. */
function columnSumCalls(dy: number, out: number, rows: number, n: number): HeapCall[] {
  const calls: HeapCall[] = [];
  for (let c = 0, b = 0; c < n && b < COLUMN_BLOCKS.length; b++) {
    const width = 4 * (COLUMN_BLOCKS[b] as number);
    const end = c + Math.floor((n - c) / width) * width;
    if (end > c) calls.push([`sum${COLUMN_BLOCKS[b]}`, 0, dy, out, rows, 0, 0, c, end, 0, n]);
    c = end;
  }
  return calls;
}

/**
 * Writes the column sums of row-major `x` `[m, n]` into `out` (`[n]`), `1ᵀ x`, a dense layer's bias gradient: in
 * place with WebAssembly SIMD when both are views of the wasm backend's heap and n is a multiple of 4 (no copy: 32
 * columns a pass; the rows split over the helper threads with `scratch`, {@link gemmScratchFloats}`(1, n)` floats,
 * for big ones), else as {@link gemmTransposedA} of a ones column.
 * @internal
 */
export function columnSums(x: Float32Array, m: number, n: number, out: Float32Array, scratch?: Float32Array): void {
  const g = n % 4 === 0 && x.buffer === out.buffer ? inPlaceGemm(out.buffer) : null;
  if (g === null) {
    if (ones.length < m) ones = new Float32Array(Math.max(m, 2 * ones.length)).fill(1);
    gemmTransposedA(ones, x, m, 1, n, out);
    return;
  }
  out.subarray(0, n).fill(0);
  const threads = m * n >= MIN_SPLIT_WORK ? heapParallelism(g) : 1;
  const at = (r: number) => x.byteOffset + r * n * 4;
  if (threads > 1 && splitBatch(g, m, n, out.byteOffset, threads, scratch?.buffer === out.buffer ? scratch : undefined, (r0, r1, into) => columnSumCalls(at(r0), into, r1 - r0, n))) return;
  runHeapParts(g, [columnSumCalls(at(0), out.byteOffset, m, n)]);
}

/** Floats of scratch {@link gemmTransposedA} can use to split a `[k, n]` product's batch over the helper threads. @internal */
export const gemmScratchFloats = (k: number, n: number): number => (k < 2 * MIN_SPLIT_ROWS ? heapHelperCount() * k * n : 0);

/**
 * Writes `xᵀ @ dy` (`[K, N]`) into `out`, from row-major `x` `[M, K]` and `dy` `[M, N]`: with WebAssembly SIMD
 * where available — in place when all three are views of the wasm backend's heap and N is a multiple of 4, else
 * copied into the module's own memory with dy's rows zero-padded to a multiple of 4 (or, for a narrow dy and K a
 * multiple of 4, as `(dyᵀ x)ᵀ`) — else a TypeScript loop (also with `simd: false`). `scratch`
 * ({@link gemmScratchFloats} floats on the same heap) lets a narrow product split its batch over the helper threads.
 * @internal
 */
export function gemmTransposedA(x: Float32Array, dy: Float32Array, m: number, k: number, n: number, out: Float32Array, simd = true, scratch?: Float32Array): void {
  const wasm = simd ? gemmInstance() : null;
  if (wasm !== null && n % 4 === 0 && x.buffer === dy.buffer && dy.buffer === out.buffer) {
    // all three on the wasm backend's heap, no padding needed: no copies
    const heapGemm = inPlaceGemm(out.buffer);
    if (heapGemm !== null) {
      out.subarray(0, k * n).fill(0);
      chunkedGemm(heapGemm, x.byteOffset, dy.byteOffset, out.byteOffset, m, k, n, k, scratch?.buffer === out.buffer ? scratch : undefined);
      return;
    }
  }
  if (wasm !== null && n === 1 && k % 4 === 0 && x.buffer === dy.buffer && dy.buffer === out.buffer) {
    // a one-column dy (an output layer's weight gradient; AFM's attention projection over every pair): out [k, 1]
    // is laid out as (dyᵀ x) [1, k], computed in place with dy's one-float rows in x's role
    const heapGemm = inPlaceGemm(out.buffer);
    if (heapGemm !== null) {
      out.subarray(0, k).fill(0);
      chunkedGemm(heapGemm, dy.byteOffset, x.byteOffset, out.byteOffset, m, 1, k, 1, scratch?.buffer === out.buffer ? scratch : undefined);
      return;
    }
  }
  if (wasm !== null && n % 4 !== 0 && k % 4 === 0) {
    // dy's rows would be padded one by one (slow for tall, narrow dy, e.g. [M, 1]): compute (dyᵀ x)ᵀ instead,
    // whose operands copy in bulk, and transpose the small [N, K] result
    const outT = new Float32Array(n * k);
    runGemm(wasm, dy, x, m, n, k, outT);
    for (let j = 0; j < n; j++) for (let i = 0; i < k; i++) out[i * n + j] = outT[j * k + i] as number;
    return;
  }
  if (wasm === null) {
    out.fill(0);
    for (let r = 0; r < m; r++) {
      for (let i = 0; i < k; i++) {
        const a = x[r * k + i] as number;
        if (a === 0) continue;
        for (let j = 0; j < n; j++) out[i * n + j] = (out[i * n + j] as number) + a * (dy[r * n + j] as number);
      }
    }
    return;
  }
  runGemm(wasm, x, dy, m, k, n, out);
}

/** `out = xᵀ @ dy` on the SIMD module: operands copied into its memory, dy's rows zero-padded to a multiple of 4. */
function runGemm(wasm: GemmInstance, x: Float32Array, dy: Float32Array, m: number, k: number, n: number, out: Float32Array): void {
  const n4 = up(n, 4);
  const xBytes = up(m * k * 4, 16);
  const dyBytes = m * n4 * 4;
  const need = xBytes + dyBytes + k * n4 * 4;
  const have = wasm.memory.buffer.byteLength;
  if (have < need) wasm.memory.grow(Math.ceil((need - have) / 65536));
  const heap = new Float32Array(wasm.memory.buffer);
  heap.set(x.subarray(0, m * k), 0);
  const dyAt = xBytes / 4;
  if (n4 === n) {
    heap.set(dy.subarray(0, m * n), dyAt);
  } else {
    heap.fill(0, dyAt, dyAt + m * n4);
    for (let r = 0; r < m; r++) heap.set(dy.subarray(r * n, r * n + n), dyAt + r * n4);
  }
  const outAt = dyAt + m * n4;
  heap.fill(0, outAt, outAt + k * n4);
  chunkedGemm(wasm.kernels, 0, dyAt * 4, outAt * 4, m, k, n4, k);
  if (n4 === n) out.set(heap.subarray(outAt, outAt + k * n));
  else for (let i = 0; i < k; i++) out.set(heap.subarray(outAt + i * n4, outAt + i * n4 + n), i * n);
}
