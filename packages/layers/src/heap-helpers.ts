import type { WasmMemory } from './wasm-bytecode.js';

/** One call of a heap module's exported function: its name, then its i32 arguments (byte addresses, counts). */
export type HeapCall = readonly [name: string, ...args: number[]];

/**
 * Threads that run heap-module calls over the threaded wasm backend's shared memory, so this package's own
 * WebAssembly kernels (the weight gradient of a dense layer, attention's head products, softmax, pair products)
 * split their rows over the cores as XNNPACK's products do. The core is single-threaded; importing
 * `@fm/train/node` registers worker threads in Node.
 */
export interface HeapHelpers {
  /** Helper threads (besides the calling one). */
  readonly count: number;
  /**
   * True for helpers that run the calls on the calling thread (test doubles, which check how work is split): then
   * instances over a memory that is not shared qualify too.
   */
  readonly sameThread?: boolean;
  /**
   * Starts `calls`, in order, on helper `index` (0 ≤ index < count), in an instance of `module` over `memory`;
   * returns a function that blocks until they are done (and throws if one failed). A helper runs one list at a
   * time: call the returned function before starting that helper again ({@link runHeapParts} does).
   */
  start(index: number, module: object, memory: WasmMemory, calls: readonly HeapCall[]): () => void;
}

let helpers: HeapHelpers | undefined;

/** Registers helper threads for heap modules (done by importing `@fm/train/node`); undefined removes them. */
export function registerHeapHelpers(h: HeapHelpers | undefined): void {
  helpers = h;
}

/** Helper threads registered (0 without): how many extra partial results a split may need room for. @internal */
export function heapHelperCount(): number {
  return helpers?.count ?? 0;
}

/** What made an instance of a heap module: its compiled module, the memory it imports, and whether that is shared. */
const origins = new WeakMap<object, { module: object; memory: WasmMemory; shared: boolean }>();

/** Remembers that `exports` is an instance of `module` over `memory` (by `heapModule`). @internal */
export function noteHeapInstance(exports: object, module: object, memory: WasmMemory, shared: boolean): void {
  origins.set(exports, { module, memory, shared });
}

/** The helpers that may run calls of `kernels`, with its origin; undefined where none may. */
function helpersFor(kernels: object): { h: HeapHelpers; module: object; memory: WasmMemory } | undefined {
  const origin = origins.get(kernels);
  return helpers !== undefined && origin !== undefined && (origin.shared || helpers.sameThread === true)
    ? { h: helpers, module: origin.module, memory: origin.memory }
    : undefined;
}

/**
 * How many parts a heap module's work can run as at once: 1 + the helper threads where `kernels` is an instance
 * over a shared memory (the threaded wasm backend's) and helpers are registered, else 1.
 * @internal
 */
export function heapParallelism(kernels: object): number {
  return 1 + (helpersFor(kernels)?.h.count ?? 0);
}

/** Below this many multiply-adds (or comparable steps) a call is not worth a helper's wake-up (~20-50 µs). @internal */
export const MIN_SPLIT_WORK = 1 << 20;

/**
 * Runs `parts` (lists of calls of `kernels`, an instance from `heapModule`): parts[1…] on helper threads and
 * parts[0] on this thread, and returns when all are done. The parts must write disjoint memory. Without helpers (or
 * more parts than threads), the rest run here after parts[0], in order.
 * @internal
 */
export function runHeapParts(kernels: object, parts: readonly (readonly HeapCall[])[]): void {
  const fns = kernels as Record<string, (...args: number[]) => void>;
  const here = (calls: readonly HeapCall[]) => {
    for (const [name, ...args] of calls) (fns[name] as (...a: number[]) => void)(...args);
  };
  const away = helpersFor(kernels);
  const awayParts = away === undefined ? 0 : Math.min(away.h.count, parts.length - 1);
  const waits: (() => void)[] = [];
  for (let p = 1; p <= awayParts; p++) {
    const calls = parts[p] as readonly HeapCall[];
    if (calls.length > 0 && away !== undefined) waits.push(away.h.start(p - 1, away.module, away.memory, calls));
  }
  let failure: unknown;
  try {
    here(parts[0] ?? []);
    for (let p = awayParts + 1; p < parts.length; p++) here(parts[p] as readonly HeapCall[]);
  } catch (e) {
    failure = e;
  }
  for (const wait of waits) {
    try {
      wait();
    } catch (e) {
      failure ??= e;
    }
  }
  if (failure !== undefined) throw failure;
}

/** `[0, n)` cut into `parts` ranges of whole multiples of `align` (the last takes the rest), as [start, end] pairs. @internal */
export function splitRange(n: number, parts: number, align = 1): [number, number][] {
  const out: [number, number][] = [];
  const units = Math.ceil(n / align);
  let start = 0;
  for (let p = 0; p < parts; p++) {
    const end = p === parts - 1 ? n : Math.min(n, Math.round((units * (p + 1)) / parts) * align);
    if (end > start) out.push([start, end]);
    start = Math.max(start, end);
  }
  return out;
}
