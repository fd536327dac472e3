// Node only: tfjs-backend-wasm's threaded SIMD build in Node, so XNNPACK's products use more than one core.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os, { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
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
      // this package's own heap kernels split their rows over as many threads
      if (tf.getBackend() === 'wasm' && wasmBackend.getThreadsCount() > 1) registerHeapHelpers(nodeHeapHelpers(wasmBackend.getThreadsCount() - 1));
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

/** The Node implementation of {@link WasmThreads}, registered by importing `@fm/train/node`. */
export const nodeWasmThreads: WasmThreads = { auto: autoWasmThreads, prepare: prepareWasmThreads };
