/**
 * `out[K, N] = xᵀ @ dy` for `x` `[M, K]`, `dy` `[M, N]`: the weight gradient of a dense layer, a reduction over
 * the M rows of a batch. tfjs-backend-wasm computes it with a naive loop (XNNPACK only runs untransposed
 * products), about 1 ns per multiply-add; this module does it with WebAssembly SIMD (f32x4), 4 rows of x at a
 * time, ~0.1-0.3 ns per multiply-add measured. The bytecode is assembled below (no toolchain: a few opcodes).
 */

import {
  ADD, BLOCK, END, F32_LOAD, F32X4_ADD, F32X4_MUL, F32X4_SPLAT, GE_U, I32, IMPORT_MEMORY, LOOP, MAGIC, MUL, V128, V128_LOAD,
  V128_STORE, br, brIf, get, i32, name, section, set, tee, uleb, heapModule, vec, wasmApi, type WasmMemory,
} from './wasm-bytecode.js';

/**
 * `gemm(x, dy, out, M, K, N, S)` (byte offsets; M % 4 = 0, N % 4 = 0; x's rows S floats long, of which the first K
 * are used): out[k, n] += Σ_m x[m, k]·dy[m, n].
 */
function gemmModule(importMemory: boolean): Uint8Array {
  // params 0-6: x, dy, out, M, K, N, S; locals: 7 m, 8 k, 9 n, 10 row bytes of dy/out, 11 x row, 12 dy row,
  // 13 address scratch, 14-17 x[m..m+3, k] splatted, 18 row bytes of x
  const [x, dy, out, M, K, N, S, m, k, n, nb, xRow, dyRow, addr, a0, a1, a2, a3, kb] = [...Array(19).keys()] as number[];
  const dyAt = (row: number) => [...get(dyRow as number), ...get(n as number), ...ADD, ...(row === 0 ? [] : [...get(nb as number), ...i32(row), ...MUL, ...ADD]), ...V128_LOAD];
  const term = (a: number, row: number) => [...get(a), ...dyAt(row), ...F32X4_MUL, ...F32X4_ADD];
  const code = [
    ...get(N as number), ...i32(4), ...MUL, ...set(nb as number),
    ...get(S as number), ...i32(4), ...MUL, ...set(kb as number),
    ...i32(0), ...set(m as number),
    ...BLOCK, ...LOOP,
    ...get(m as number), ...get(M as number), ...GE_U, ...brIf(1),
    ...get(x as number), ...get(m as number), ...get(kb as number), ...MUL, ...ADD, ...set(xRow as number),
    ...get(dy as number), ...get(m as number), ...get(nb as number), ...MUL, ...ADD, ...set(dyRow as number),
    ...i32(0), ...set(k as number),
    ...BLOCK, ...LOOP,
    ...get(k as number), ...get(K as number), ...GE_U, ...brIf(1),
    ...get(xRow as number), ...get(k as number), ...i32(4), ...MUL, ...ADD, ...tee(addr as number), ...F32_LOAD, ...F32X4_SPLAT, ...set(a0 as number),
    ...get(addr as number), ...get(kb as number), ...ADD, ...tee(addr as number), ...F32_LOAD, ...F32X4_SPLAT, ...set(a1 as number),
    ...get(addr as number), ...get(kb as number), ...ADD, ...tee(addr as number), ...F32_LOAD, ...F32X4_SPLAT, ...set(a2 as number),
    ...get(addr as number), ...get(kb as number), ...ADD, ...F32_LOAD, ...F32X4_SPLAT, ...set(a3 as number),
    ...get(out as number), ...get(k as number), ...get(nb as number), ...MUL, ...ADD, ...set(addr as number),
    ...i32(0), ...set(n as number),
    ...BLOCK, ...LOOP,
    ...get(n as number), ...get(nb as number), ...GE_U, ...brIf(1),
    ...get(addr as number), ...get(n as number), ...ADD,
    ...get(addr as number), ...get(n as number), ...ADD, ...V128_LOAD,
    ...term(a0 as number, 0), ...term(a1 as number, 1), ...term(a2 as number, 2), ...term(a3 as number, 3),
    ...V128_STORE,
    ...get(n as number), ...i32(16), ...ADD, ...set(n as number),
    ...br(0),
    ...END, ...END,
    ...get(k as number), ...i32(1), ...ADD, ...set(k as number),
    ...br(0),
    ...END, ...END,
    ...get(m as number), ...i32(4), ...ADD, ...set(m as number),
    ...br(0),
    ...END, ...END,
    ...END,
  ];
  const body = [...vec([[...uleb(7), I32], [...uleb(4), V128], [...uleb(1), I32]]), ...code];
  return new Uint8Array([
    ...MAGIC,
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32], [I32]]), ...vec([])]])),
    ...(importMemory ? IMPORT_MEMORY : []),
    ...section(3, vec([[0]])),
    ...(importMemory ? [] : section(5, vec([[0x00, ...uleb(1)]]))),
    ...section(7, vec(importMemory ? [[...name('gemm'), 0x00, 0]] : [[...name('gemm'), 0x00, 0], [...name('memory'), 0x02, 0]])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]);
}

interface GemmInstance {
  gemm(x: number, dy: number, out: number, m: number, k: number, n: number, s: number): void;
  memory: WasmMemory;
}
type InPlaceGemm = Pick<GemmInstance, 'gemm'>;

let instance: GemmInstance | null | undefined;

/** The compiled module, or null where WebAssembly SIMD is unavailable. */
function gemmInstance(): GemmInstance | null {
  if (instance !== undefined) return instance;
  try {
    const bytes = gemmModule(false);
    instance = wasmApi !== undefined && wasmApi.validate(bytes) ? (new wasmApi.Instance(new wasmApi.Module(bytes)).exports as unknown as GemmInstance) : null;
  } catch {
    instance = null;
  }
  return instance;
}

/** The module instantiated over the wasm backend's heap `buffer` (operands used in place), or null. */
const inPlaceGemm = heapModule<InPlaceGemm>(() => gemmModule(true));

const up = (v: number, to: number) => Math.ceil(v / to) * to;

/** Bytes of `out` one pass over the batch accumulates into: a tile that stays in cache across the M rows. */
const OUT_TILE_BYTES = 32 << 10;

/**
 * The kernel over column tiles of x (and row tiles of out): each tile's rows of out stay in cache while every row
 * of the batch adds into them. Untiled, a wide x (FiBiNET's 23,712 inputs: out is 3 MB) streams all of out
 * through memory once per 4 rows of the batch.
 */
function tiledGemm(g: Pick<GemmInstance, 'gemm'>, x: number, dy: number, out: number, m: number, k: number, n: number): void {
  const tile = Math.max(4, Math.floor(OUT_TILE_BYTES / (n * 4)));
  for (let k0 = 0; k0 < k; k0 += tile) g.gemm(x + k0 * 4, dy, out + k0 * n * 4, m, Math.min(tile, k - k0), n, k);
}

/**
 * Writes `xᵀ @ dy` (`[K, N]`) into `out`, from row-major `x` `[M, K]` and `dy` `[M, N]`: with WebAssembly SIMD
 * where available — in place when all three are views of the wasm backend's heap and M and N are multiples of
 * 4, else copied into the module's own memory with rows and columns zero-padded to multiples of 4 — else a
 * TypeScript loop (also with `simd: false`).
 * @internal
 */
export function gemmTransposedA(x: Float32Array, dy: Float32Array, m: number, k: number, n: number, out: Float32Array, simd = true): void {
  const wasm = simd ? gemmInstance() : null;
  if (wasm !== null && m % 4 === 0 && n % 4 === 0 && x.buffer === dy.buffer && dy.buffer === out.buffer) {
    // all three on the wasm backend's heap, no padding needed: no copies
    const heapGemm = inPlaceGemm(out.buffer);
    if (heapGemm !== null) {
      out.subarray(0, k * n).fill(0);
      tiledGemm(heapGemm, x.byteOffset, dy.byteOffset, out.byteOffset, m, k, n);
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

/** `out = xᵀ @ dy` on the SIMD module: operands copied into its memory, zero-padded to multiples of 4. */
function runGemm(wasm: GemmInstance, x: Float32Array, dy: Float32Array, m: number, k: number, n: number, out: Float32Array): void {
  const m4 = up(m, 4);
  const n4 = up(n, 4);
  const xBytes = up(m4 * k * 4, 16);
  const dyBytes = m4 * n4 * 4;
  const need = xBytes + dyBytes + k * n4 * 4;
  const have = wasm.memory.buffer.byteLength;
  if (have < need) wasm.memory.grow(Math.ceil((need - have) / 65536));
  const heap = new Float32Array(wasm.memory.buffer);
  heap.set(x.subarray(0, m * k), 0);
  heap.fill(0, m * k, m4 * k);
  const dyAt = xBytes / 4;
  if (n4 === n) {
    heap.set(dy.subarray(0, m * n), dyAt);
    heap.fill(0, dyAt + m * n, dyAt + m4 * n);
  } else {
    heap.fill(0, dyAt, dyAt + m4 * n4);
    for (let r = 0; r < m; r++) heap.set(dy.subarray(r * n, r * n + n), dyAt + r * n4);
  }
  const outAt = dyAt + m4 * n4;
  heap.fill(0, outAt, outAt + k * n4);
  tiledGemm(wasm, 0, dyAt * 4, outAt * 4, m4, k, n4);
  if (n4 === n) out.set(heap.subarray(outAt, outAt + k * n));
  else for (let i = 0; i < k; i++) out.set(heap.subarray(outAt + i * n4, outAt + i * n4 + n), i * n);
}
