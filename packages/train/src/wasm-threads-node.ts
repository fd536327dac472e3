// Node only: tfjs-backend-wasm's threaded SIMD build in Node, so XNNPACK's products use more than one core.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os, { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { registerHeapHelpers } from '@fm/layers';
import type { WasmThreads } from './backend.js';
import { nodeHeapHelpers } from './heap-helpers-node.js';

/** The tfjs-backend-wasm release whose Node start-up this file was written against and is tested with. */
export const WASM_THREADS_VERSION = '4.22.0';

/**
 * The most threads: the threaded build pre-starts 8 workers (PTHREAD_POOL_SIZE), and its C side caps XNNPACK's
 * pool at 8.
 */
const MAX_WASM_THREADS = 8;

/**
 * Runs in each pthread worker after the emscripten worker script (plain JavaScript, CommonJS). In Node the script
 * receives the main script as a Blob, which it cannot read synchronously (`importScripts` there reads a file): so
 * the 'load' message waits for the Blob's text, evaluates it, and every message after waits its turn. The main
 * script is the factory's source cut out of tfjs's Node bundle; the bundle-level names it refers to (rollup's
 * renamed `require`s, `commonjsGlobal`, tslib's iteration helpers) are defined first.
 */
const WORKER_PATCH = `
;(function () {
  const handle = self.onmessage;
  const readFile = global.importScripts;
  let queue = Promise.resolve();
  self.onmessage = (e) => {
    queue = queue.then(async () => {
      if (e.data.cmd === 'load' && typeof e.data.urlOrBlob !== 'string') {
        const text = await e.data.urlOrBlob.text();
        Object.assign(global, {
          require$$0: require('fs'), require$$1: require('path'), require$$3: require('perf_hooks'), require$$4: require('os'),
          commonjsGlobal: globalThis,
          __values: (o) => o[Symbol.iterator](),
          __read: (o, n) => { const a = []; for (const x of o) { if (n !== undefined && a.length >= n) break; a.push(x); } return a; },
          __spreadArray: (to, from) => to.concat(Array.prototype.slice.call(from)),
        });
        (0, eval)(text);
        e.data.urlOrBlob = 'fm:main-script';
        global.importScripts = (f) => { if (f !== 'fm:main-script') readFile(f); };
      }
      handle(e);
    }).catch((err) => {
      // thrown again outside the promise: the worker's 'error' event reaches the main thread, which stops
      // (emscripten rethrows it there) instead of waiting forever for a worker that will never load
      setImmediate(() => { throw new Error('fm: a tfjs-backend-wasm worker failed to start: ' + ((err && err.stack) || err)); });
    });
  };
})();
`;

/** The thread count of `wasmThreads: 'auto'`: the cores Node may use (`os.availableParallelism()`), at most 8. */
export function autoWasmThreads(): number {
  return Math.max(1, Math.min(MAX_WASM_THREADS, availableParallelism()));
}

/**
 * Prepares tfjs-backend-wasm, before its first start in this process, to start its threaded SIMD build with a pool
 * of `threads` threads (XNNPACK's products split their rows over them). tfjs does not start that build in Node
 * (tensorflow/tfjs#3830: its pthread workers are made from `blob:` URLs, which Node's `Worker` refuses), so for the
 * start only: the multithread flag is set; `Blob`s remember their text and `URL.createObjectURL` turns the worker
 * script's into a file in a fresh temporary folder, with {@link WORKER_PATCH} appended; `os.cpus()` reports
 * 2·threads cores (the C side sizes the pool at half the logical cores). `undo()`, called once the backend has
 * started or failed, restores all three and removes the folder (every worker has read it by then).
 * @returns what to undo, or why threads cannot be used (another tfjs-backend-wasm release, no SharedArrayBuffer).
 */
export async function prepareWasmThreads(threads: number): Promise<{ undo(): void } | string> {
  // imported here, not at the top: importing `@fm/train/node` must not register the wasm backend (tfjs would make
  // it the default, uninitialised, for code that never asked for it)
  const wasmBackend = await import('@tensorflow/tfjs-backend-wasm');
  if (wasmBackend.version_wasm !== WASM_THREADS_VERSION) {
    return `threads need tfjs-backend-wasm ${WASM_THREADS_VERSION}, this is ${wasmBackend.version_wasm}`;
  }
  if (typeof SharedArrayBuffer === 'undefined') return 'no SharedArrayBuffer';
  const count = Math.min(MAX_WASM_THREADS, Math.max(1, Math.floor(threads)));
  const dir = mkdtempSync(join(tmpdir(), 'fm-wasm-threads-'));
  const texts = new WeakMap<Blob, string>();
  const StockBlob = globalThis.Blob;
  const stockCreate = URL.createObjectURL.bind(URL);
  const stockCpus = os.cpus.bind(os);
  class TextBlob extends StockBlob {
    constructor(parts: ConstructorParameters<typeof Blob>[0] = [], options?: ConstructorParameters<typeof Blob>[1]) {
      super(parts, options);
      if (parts.every((p) => typeof p === 'string')) texts.set(this, parts.join(''));
    }
  }
  (globalThis as { Blob: typeof Blob }).Blob = TextBlob;
  URL.createObjectURL = (blob: Blob): string => {
    const text = texts.get(blob);
    if (text === undefined || !text.includes('nodeWorkerThreads')) return stockCreate(blob);
    const path = join(dir, 'tfjs-backend-wasm-threaded-simd.worker.cjs');
    writeFileSync(path, text + WORKER_PATCH);
    return path;
  };
  const osModule = os as { cpus: () => os.CpuInfo[] };
  osModule.cpus = () => Array.from({ length: 2 * count }, () => stockCpus()[0] as os.CpuInfo);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasmBackend.setThreadsCount(count);
  return {
    undo() {
      (globalThis as { Blob: typeof Blob }).Blob = StockBlob;
      URL.createObjectURL = stockCreate;
      osModule.cpus = stockCpus;
      rmSync(dir, { recursive: true, force: true });
      settleWorkers();
      const started = tf.getBackend() === 'wasm' ? wasmBackend.getThreadsCount() : 1;
      if (started > 1) {
        poolSwitch = switchPoolByWork(started);
        // this package's own heap kernels split their rows over as many threads
        registerHeapHelpers(nodeHeapHelpers(started - 1));
      }
    },
  };
}

/** The parts of emscripten's pthread bookkeeping used here (the module exports it as `PThread`). */
interface PThreadLike {
  unusedWorkers?: { unref?(): void; terminate?(): unknown }[];
  runningWorkers?: { unref?(): void }[];
}

/**
 * After the start: lets the process exit with the pool's workers alive (they wait for work forever; the threaded
 * build leaves them referenced, so a script that trained would never end), and ends the workers the pool did not
 * take (the build starts 8 whatever the thread count, ~9 MB each; nothing starts a thread later).
 */
function settleWorkers(): void {
  if (tf.getBackend() !== 'wasm') return;
  const pthread = (tf.backend() as unknown as { wasm?: { PThread?: PThreadLike } }).wasm?.PThread;
  for (const w of pthread?.runningWorkers ?? []) w.unref?.();
  const idle = pthread?.unusedWorkers ?? [];
  for (const w of idle) {
    w.unref?.();
    void w.terminate?.();
  }
  if (pthread !== undefined) pthread.unusedWorkers = [];
}

/**
 * Products with fewer multiply-adds run on the calling thread alone (XNNPACK without its pool): waking the pool
 * costs more than it saves on them, and after each pooled product its threads spin for a while on the other cores,
 * in the way of this package's helper threads. 8M: on a 2-vCPU Intel Xeon the pool made XNNPACK 1.4× faster at
 * 10M multiply-adds (`[20000, 16] × [16, 32]`, an attention projection at batch 512) and 1.8× at 78M, and NFM's
 * products on MovieLens (< 1M) stay off it.
 */
export const POOLED_PRODUCT_WORK = 8 * 2 ** 20;

/** What {@link switchPoolByWork} set up: the kernels wrapped, or why not. */
let poolSwitch: string | undefined;

/** Whether XNNPACK's pool is switched per product (`undefined` before a threaded start), or why not. */
export function wasmPoolSwitch(): string | undefined {
  return poolSwitch;
}

/**
 * The heap address of the backend's `threadpool` global (tfjs-backend-wasm's `backend.cc`), read from the
 * threaded binary's `get_threads_count`, whose body is `if ((p = *threadpool) == NULL) return -1; return
 * pthreadpool_get_threads_count(p);`, i.e. starts `i32.const ADDR; i32.load`. Undefined when the bytes differ.
 */
function threadpoolAddress(wasm: Uint8Array): number | undefined {
  let p = 8;
  const uleb = () => {
    let r = 0;
    let shift = 0;
    let b = 0;
    do {
      b = wasm[p++] as number;
      r += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return r;
  };
  const skip = () => {
    const n = uleb();
    p += n;
  };
  let imported = 0;
  let exportIndex = -1;
  let code = -1;
  while (p < wasm.length) {
    const id = wasm[p++] as number;
    const end = uleb() + p;
    if (id === 2) {
      for (let n = uleb(); n > 0; n--) {
        skip();
        skip();
        const kind = wasm[p++] as number;
        if (kind === 0) {
          uleb();
          imported++;
        } else if (kind === 1) {
          p++;
          if ((wasm[p++] as number) & 1) uleb();
          uleb();
        } else if (kind === 2) {
          if ((wasm[p++] as number) & 1) uleb();
          uleb();
        } else p += 2;
      }
    } else if (id === 7) {
      for (let n = uleb(); n > 0; n--) {
        const len = uleb();
        const name = Buffer.from(wasm.subarray(p, p + len)).toString();
        p += len;
        const kind = wasm[p++] as number;
        const index = uleb();
        if (kind === 0 && name === 'get_threads_count') exportIndex = index;
      }
    } else if (id === 10) code = p;
    p = end;
  }
  if (exportIndex < imported || code < 0) return undefined;
  p = code;
  for (let n = uleb(), i = 0; i < n; i++) {
    const size = uleb();
    if (i !== exportIndex - imported) {
      p += size;
      continue;
    }
    for (let groups = uleb(); groups > 0; groups--) {
      uleb();
      p++;
    }
    if (wasm[p++] !== 0x41) return undefined; // i32.const
    const address = uleb(); // a small positive address: its sleb and uleb readings agree below 2^(7·bytes − 1)
    return wasm[p] === 0x28 && address > 0 && address % 4 === 0 ? address : undefined; // i32.load
  }
  return undefined;
}

interface WasmModuleLike {
  wasmMemory?: { buffer: ArrayBufferLike };
  tfjs?: { getThreadsCount(): number };
}

/**
 * After a threaded start: keeps XNNPACK's pool off (the backend's `threadpool` pointer set to NULL in the heap, so
 * every XNNPACK op runs inline, as on one thread) and lends it only to matrix products of at least
 * {@link POOLED_PRODUCT_WORK} multiply-adds (`BatchMatMul`, `_FusedMatMul`: their kernels wrapped). The address is
 * checked before use: with the pointer NULL the backend's `get_threads_count` must answer −1, and restored `threads`.
 * @returns what was done, or why not (then every op keeps the pool): the line {@link wasmPoolSwitch} gives.
 */
function switchPoolByWork(threads: number): string {
  const module = (tf.backend() as unknown as { wasm?: WasmModuleLike }).wasm;
  const memory = module?.wasmMemory;
  const count = module?.tfjs?.getThreadsCount.bind(module.tfjs);
  if (memory === undefined || count === undefined) return 'pool on every op: no heap or thread count';
  const file = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm')), 'tfjs-backend-wasm-threaded-simd.wasm');
  let address: number | undefined;
  try {
    address = threadpoolAddress(readFileSync(file));
  } catch {
    address = undefined;
  }
  if (address === undefined) return 'pool on every op: threadpool not found in the binary';
  const slot = address / 4;
  const heap = () => new Int32Array(memory.buffer);
  const pool = heap()[slot] as number;
  heap()[slot] = 0;
  const off = count();
  heap()[slot] = pool;
  if (pool === 0 || off !== -1 || count() !== threads) return 'pool on every op: the threadpool check failed';
  heap()[slot] = 0;
  for (const name of ['BatchMatMul', '_FusedMatMul']) {
    const config = tf.getKernel(name, 'wasm');
    if (config === undefined) continue;
    const stock = config.kernelFunc;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        const a = args.inputs['a'] as tf.TensorInfo | undefined;
        const b = args.inputs['b'] as tf.TensorInfo | undefined;
        const attrs = args.attrs as { transposeB?: boolean } | undefined;
        const n = b === undefined ? 0 : (b.shape[b.shape.length - (attrs?.transposeB === true ? 2 : 1)] ?? 0);
        const work = (a === undefined ? 0 : a.shape.reduce((x, y) => x * y, 1)) * n;
        if (work < POOLED_PRODUCT_WORK) return stock(args);
        heap()[slot] = pool;
        try {
          return stock(args);
        } finally {
          heap()[slot] = 0;
        }
      },
    });
  }
  return `pool on products of ≥ ${POOLED_PRODUCT_WORK / 2 ** 20}M multiply-adds`;
}

/** The Node implementation of {@link WasmThreads}, registered by importing `@fm/train/node`. */
export const nodeWasmThreads: WasmThreads = { auto: autoWasmThreads, prepare: prepareWasmThreads };
