import * as tf from '@tensorflow/tfjs';
import { noteHeapInstance } from './heap-helpers.js';

// A few WebAssembly opcodes and encoders, enough to assemble the small SIMD kernels of this package (no
// toolchain): simd-gemm.ts and simd-pairs.ts. Spec: https://webassembly.github.io/spec/core/binary/
/** @internal */
export const uleb = (value: number): number[] => {
  const out: number[] = [];
  let n = value >>> 0;
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
};
/** @internal */
export const sleb = (value: number): number[] => {
  const out: number[] = [];
  let n = value | 0;
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) return [...out, byte];
    out.push(byte | 0x80);
  }
};
/** @internal */
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
/** @internal */
export const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
/** @internal */
export const name = (s: string): number[] => vec([...s].map((c) => [c.charCodeAt(0)]));

/** @internal */
export const I32 = 0x7f;
/** @internal */
export const V128 = 0x7b;
/** @internal */
export const get = (i: number) => [0x20, ...uleb(i)];
/** @internal */
export const set = (i: number) => [0x21, ...uleb(i)];
/** @internal */
export const tee = (i: number) => [0x22, ...uleb(i)];
/** @internal */
export const i32 = (v: number) => [0x41, ...sleb(v)];
/** @internal */
export const ADD = [0x6a];
/** @internal */
export const SUB = [0x6b];
/** @internal */
export const MUL = [0x6c];
/** @internal */
export const GE_U = [0x4f];
/** i32.div_u. @internal */
export const DIV_U = [0x6e];
/** i32.and. @internal */
export const AND = [0x71];
/** @internal */
export const BLOCK = [0x02, 0x40];
/** @internal */
export const LOOP = [0x03, 0x40];
/** @internal */
export const END = [0x0b];
/** @internal */
export const br = (depth: number) => [0x0c, ...uleb(depth)];
/** @internal */
export const brIf = (depth: number) => [0x0d, ...uleb(depth)];
/** @internal */
export const F32_LOAD = [0x2a, 0x02, 0x00];
/** @internal */
export const F32_STORE = [0x38, 0x02, 0x00];
/** @internal */
export const F32_ADD = [0x92];
/** `v128.load` with a 16-byte alignment hint and a constant byte `offset` added to the address. @internal */
export const v128LoadAt = (offset: number): number[] => [0xfd, ...uleb(0), 0x04, ...uleb(offset)];
/** `v128.store` with a 16-byte alignment hint and a constant byte `offset` added to the address. @internal */
export const v128StoreAt = (offset: number): number[] => [0xfd, ...uleb(11), 0x04, ...uleb(offset)];
/** `v128.load32_splat`: the f32 at the address plus a constant byte `offset`, in all four lanes. @internal */
export const v128Load32SplatAt = (offset: number): number[] => [0xfd, ...uleb(9), 0x02, ...uleb(offset)];
/** @internal */
export const V128_LOAD = v128LoadAt(0);
/** @internal */
export const V128_STORE = v128StoreAt(0);
/** @internal */
export const F32X4_SPLAT = [0xfd, ...uleb(19)];
/** @internal */
export const f32x4ExtractLane = (lane: number) => [0xfd, ...uleb(31), lane];
/** @internal */
export const F32X4_ADD = [0xfd, ...uleb(228)];
/** @internal */
export const F32X4_MUL = [0xfd, ...uleb(230)];
/** @internal */
export const F32_CONST_0 = [0x43, 0, 0, 0, 0];

/** `for (v = from; v < to; v += step) body`: `v` an i32 local; `from`, `to`, `step` i32 expressions. @internal */
export function forLoop(v: number, from: number[], to: number[], step: number[], body: number[]): number[] {
  return [...from, ...set(v), ...BLOCK, ...LOOP, ...get(v), ...to, ...GE_U, ...brIf(1), ...body, ...get(v), ...step, ...ADD, ...set(v), ...br(0), ...END, ...END];
}

/** The 8-byte header of a WebAssembly module. @internal */
export const MAGIC = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/**
 * The import section of a module whose memory is `env.memory`: not shared (limits from 0 pages), or shared (limits
 * 0..65536 pages: a shared memory must declare a maximum). @internal
 */
export const importMemory = (shared: boolean): number[] =>
  section(2, vec([[...name('env'), ...name('memory'), 0x02, ...(shared ? [0x03, ...uleb(0), ...uleb(65536)] : [0x00, ...uleb(0)])]]));
/** The import section of a module whose memory is `env.memory` (the wasm backend's heap). @internal */
export const IMPORT_MEMORY = importMemory(false);

/** The slice of the WebAssembly JS API used here (this package compiles without DOM or Node typings). @internal */
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => { exports: unknown };
}
/** The global WebAssembly object, where there is one. @internal */
export const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** The slice of a WebAssembly.Memory used here. @internal */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/**
 * The memory of the active tfjs-backend-wasm when `buffer` is its heap (so views of it can be handed to a module
 * importing it, in place), else null.
 * @internal
 */
export function wasmBackendMemory(buffer: ArrayBufferLike): WasmMemory | null {
  if (tf.getBackend() !== 'wasm') return null;
  // the single-threaded builds export their memory; the threaded one creates it (shared) and imports it
  const wasm = (tf.backend() as unknown as { wasm?: { asm?: { memory?: WasmMemory }; wasmMemory?: WasmMemory } }).wasm;
  const memory = wasm?.asm?.memory ?? wasm?.wasmMemory;
  return memory !== undefined && memory.buffer === buffer ? memory : null;
}

/** Whether `memory` is a shared WebAssembly memory (the threaded wasm backend's): a module must import it as shared. @internal */
export const isSharedMemory = (memory: WasmMemory): boolean =>
  typeof SharedArrayBuffer !== 'undefined' && (memory.buffer as ArrayBufferLike) instanceof SharedArrayBuffer;

/**
 * A lazily compiled module importing `env.memory`, instantiated once per wasm backend heap: `instanceFor(buffer)`
 * gives its exports when `buffer` is that heap (so its functions take byte offsets of views of it), else null
 * (another backend, no WebAssembly SIMD, or a memory the module cannot import). `assemble(shared)` builds the
 * module for a plain or a shared memory (the threaded backend's, {@link isSharedMemory}); each is compiled once.
 * @internal
 */
export function heapModule<T>(assemble: (shared: boolean) => Uint8Array): (buffer: ArrayBufferLike) => T | null {
  const compiled = new Map<boolean, object | null>();
  const instances = new WeakMap<WasmMemory, T>();
  return (buffer) => {
    const memory = wasmBackendMemory(buffer);
    if (memory === null || wasmApi === undefined) return null;
    const known = instances.get(memory);
    if (known !== undefined) return known;
    const shared = isSharedMemory(memory);
    try {
      if (!compiled.has(shared)) {
        const bytes = assemble(shared);
        compiled.set(shared, wasmApi.validate(bytes) ? new wasmApi.Module(bytes) : null);
      }
      const module = compiled.get(shared);
      if (module === null || module === undefined) return null;
      const made = new wasmApi.Instance(module, { env: { memory } }).exports as T;
      noteHeapInstance(made as object, module, memory, shared);
      instances.set(memory, made);
      return made;
    } catch {
      compiled.set(shared, null);
      return null;
    }
  };
}

/**
 * A module importing `env.memory` (shared or not, {@link importMemory}) whose functions are `kernels` (exported by
 * name), each taking `params` i32 parameters, with `i32Locals` i32 then `v128Locals` v128 locals after them.
 * @internal
 */
export function kernelModule(
  kernels: Readonly<Record<string, readonly number[]>>,
  params: number,
  i32Locals: number,
  v128Locals: number,
  shared: boolean,
): Uint8Array {
  return typedModule(
    Object.entries(kernels).map(([kernel, body]) => ({
      name: kernel,
      params: Array.from({ length: params }, () => I32),
      results: [],
      locals: [[i32Locals, I32], [v128Locals, V128]],
      body: [...body],
    })),
    shared,
  );
}

/** `a + b` of two i32 locals. @internal */
export const plus = (a: number, b: number) => [...get(a), ...get(b), ...ADD];
/** `v += bytes` for an i32 local v and an i32 expression. @internal */
export const advance = (v: number, bytes: number[]) => [...get(v), ...bytes, ...ADD, ...set(v)];
/** The four lanes of v128 local v folded left to right with the f32 operation `op` ((l₀ op l₁) op l₂) op l₃. @internal */
export const reduceLanes = (v: number, op: readonly number[]) => [
  ...get(v), ...f32x4ExtractLane(0), ...get(v), ...f32x4ExtractLane(1), ...op,
  ...get(v), ...f32x4ExtractLane(2), ...op, ...get(v), ...f32x4ExtractLane(3), ...op,
];
/** The sum of the four lanes of v128 local v, an f32. @internal */
export const horizontalSum = (v: number) => reduceLanes(v, F32_ADD);

// ---- typed functions and a shared memory: the native FFM kernel of @fm/train (engines/native/ffm-wasm.ts) ----
/** @internal */
export const F32 = 0x7d;
/** `i32.load` at a constant byte offset from the address on the stack. @internal */
export const i32LoadAt = (offset: number) => [0x28, 0x02, ...uleb(offset)];
/** `f32.load` at a constant byte offset. @internal */
export const f32LoadAt = (offset: number) => [0x2a, 0x02, ...uleb(offset)];
/** `f32.store` at a constant byte offset. @internal */
export const f32StoreAt = (offset: number) => [0x38, 0x02, ...uleb(offset)];
/** @internal */
export const F32_SUB = [0x93];
/** @internal */
export const F32_MUL = [0x94];
/** @internal */
export const F32_DIV = [0x95];
/** @internal */
export const F32_SQRT = [0x91];
/** `f32.const v`. @internal */
export const f32 = (v: number) => [0x43, ...new Uint8Array(new Float32Array([v]).buffer)];
/** @internal */
export const F32X4_SUB = [0xfd, ...uleb(229)];
/** @internal */
export const F32X4_DIV = [0xfd, ...uleb(231)];
/** @internal */
export const F32X4_SQRT = [0xfd, ...uleb(227)];
/** f32.max. @internal */
export const F32_MAX = [0x97];
/** f32x4.lt (a lane mask). @internal */
export const F32X4_LT = [0xfd, ...uleb(67)];
/** f32x4.gt: lanes of a > b as all-ones masks. @internal */
export const F32X4_GT = [0xfd, ...uleb(68)];
/** v128.and. @internal */
export const V128_AND = [0xfd, ...uleb(78)];
/** v128.andnot: a & ~b. @internal */
export const V128_ANDNOT = [0xfd, ...uleb(79)];
/** i32x4.shl by the i32 on top of the stack. @internal */
export const I32X4_SHL = [0xfd, ...uleb(171)];
/**
 * f32x4.pmin / pmax (b < a ? b : a / a < b ? b : a): one instruction on x64, where min/max's NaN rules cost several;
 * a NaN in the first operand is kept. @internal
 */
export const F32X4_PMIN = [0xfd, ...uleb(234)];
/** See {@link F32X4_PMIN}. @internal */
export const F32X4_PMAX = [0xfd, ...uleb(235)];
/** `v128.const` of four copies of the f32 `v`. @internal */
export const f32x4Const = (v: number) => [0xfd, ...uleb(12), ...new Uint8Array(new Float32Array([v, v, v, v]).buffer)];
/** `f32x4.replace_lane` (the f32 on top replaces lane `lane` of the v128 under it). @internal */
export const f32x4ReplaceLane = (lane: number) => [0xfd, ...uleb(32), lane];
/** `i8x16.shuffle` of two v128 by f32 lanes: lanes 0-3 pick from the first, 4-7 from the second. @internal */
export const f32x4Shuffle = (lanes: readonly [number, number, number, number]) => [0xfd, ...uleb(13), ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3])];

/** A function of {@link typedModule}: i32/f32/v128 parameter, result and local types, and its body. @internal */
export interface TypedFunction {
  name: string;
  params: number[];
  results: number[];
  /** Local declarations after the parameters: [count, type] runs. */
  locals: [number, number][];
  body: number[];
}

/**
 * A module importing `env.memory` ({@link importMemory}: shared or not) and exporting `functions`, each with a
 * type of its own.
 * @internal
 */
export function typedModule(functions: readonly TypedFunction[], shared: boolean): Uint8Array {
  const bodies = functions.map((f) => {
    const body = [...vec(f.locals.map(([count, type]) => [...uleb(count), type])), ...f.body, ...END];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    ...MAGIC,
    ...section(1, vec(functions.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]))),
    ...importMemory(shared),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(7, vec(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(bodies)),
  ]);
}

// ---- float64 scalars: the row updates of @fm/train's TrainStep (sparse-rows-wasm.ts), which round as TypeScript does ----
/** @internal */
export const F64 = 0x7c;
/** `i32.store` at a constant byte offset. @internal */
export const i32StoreAt = (offset: number) => [0x36, 0x02, ...uleb(offset)];
/** `f64.const v`. @internal */
export const f64 = (v: number) => [0x44, ...new Uint8Array(new Float64Array([v]).buffer)];
/** f64.promote_f32. @internal */
export const F64_PROMOTE = [0xbb];
/** f32.demote_f64 (round to nearest even, as a store into a Float32Array). @internal */
export const F32_DEMOTE = [0xb6];
/** f64.convert_i32_s. @internal */
export const F64_FROM_I32 = [0xb7];
/** @internal */
export const F64_ADD = [0xa0];
/** @internal */
export const F64_SUB = [0xa1];
/** @internal */
export const F64_MUL = [0xa2];
/** @internal */
export const F64_DIV = [0xa3];
/** @internal */
export const F64_SQRT = [0x9f];
/** f64.gt. @internal */
export const F64_GT = [0x64];
/** `if … end` without a result: the i32 on top of the stack picks `body`. @internal */
export const ifThen = (body: number[]) => [0x04, 0x40, ...body, ...END];
/** `if … else … end` without a result: the i32 on top of the stack picks `then` (non-zero) or `otherwise`. @internal */
export const ifElse = (then: number[], otherwise: number[]) => [0x04, 0x40, ...then, 0x05, ...otherwise, ...END];
/** i32.ne. @internal */
export const NE = [0x47];
/** i32.lt_u. @internal */
export const LT_U = [0x49];
/** i32.eqz. @internal */
export const EQZ = [0x45];
/** `while (cond) body`: `cond` an i32 expression, tested before each pass. @internal */
export function whileLoop(cond: number[], body: number[]): number[] {
  return [...BLOCK, ...LOOP, ...cond, ...EQZ, ...brIf(1), ...body, ...br(0), ...END, ...END];
}
