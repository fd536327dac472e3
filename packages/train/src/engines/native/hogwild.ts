// Node only: Hogwild multi-core training over SharedArrayBuffer-backed parameters with worker_threads.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { KERNEL_FUNCTIONS, kernelTrainRange, type KernelCtx } from './kernel.js';
import { makeKernelCtx, type KernelData } from './kernel-ctx.js';
import { ffmWasmInstance, ffmWasmSource } from './ffm-wasm.js';
import { bindData, localRunner, type NativeRunner, type NativeRunnerFactory } from './runner.js';
import { newRowStaging, stageRows, type RowStaging } from './stage-rows.js';
import { shareOf } from '../../shared-array.js';

/** Source of the worker: the kernel functions verbatim plus a small message loop. */
function workerSource(): string {
  return [
    "'use strict';",
    "const { parentPort, workerData } = require('node:worker_threads');",
    ...KERNEL_FUNCTIONS.map((f) => f.toString()),
    ffmWasmInstance.toString(),
    'const c = workerData.ctx;',
    'const w = workerData.ffm;',
    'c.ffm = w ? ffmWasmInstance(w.module, w.memory, w.layout, w.slot, w.linear, w.batched) : null;',
    'const out = new Float64Array(4);',
    "parentPort.on('message', (m) => {",
    '  c.labels = m.labels; c.offsets = m.offsets; c.ids = m.ids; c.values = m.values;',
    '  c.itemSlot = m.itemSlot; c.negItems = m.negItems;',
    '  if (c.rIds.length < m.maxRow || c.slotOf.length === 0) allocScratch(c, m.batchSize, m.maxRow);',
    '  kernelTrainRange(c, m.order, m.start, m.end, m.batchSize, m.t0, out);',
    '  parentPort.postMessage([out[0], out[1], out[2], out[3]]);',
    '});',
  ].join('\n');
}

/**
 * A Hogwild runner (Recht et al. 2011, as libFM/xLearn/LightFM): each call's positions are cut into
 * `threads` contiguous slices; the calling thread trains the first and `threads − 1` workers the
 * others, all updating the same shared parameters and optimizer state without locks (sparse rows
 * rarely collide). Parameters and state must live on SharedArrayBuffers. The data need not: each
 * worker's rows are copied into its own small shared staging arrays slice by slice (`stageRows`), so
 * an in-memory dataset is never duplicated, whatever its size.
 * Results are close to, not bit-identical with, single-threaded training.
 */
export const hogwildRunner: NativeRunnerFactory = (params, state, settings, threads) => {
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`hogwild: threads ${threads}, expected an integer ≥ 1`);
  if (threads === 1) return localRunner(params, state, settings);
  for (const a of [params.bias, params.linear, params.factors, state.aLinear, state.aFactors, state.bFactors]) {
    if (a.length > 0 && !(a.buffer instanceof SharedArrayBuffer)) throw new Error('hogwild: parameters and optimizer state must live on SharedArrayBuffers');
  }
  const empty: KernelData = { labels: new Float32Array(0), offsets: new Int32Array(1), ids: new Int32Array(0), values: new Float32Array(0), maxRowLength: 0 };
  let main: KernelCtx | undefined;
  const shipped: KernelCtx = { ...makeKernelCtx({ ...params, fieldOfFeature: shareOf(params.fieldOfFeature) }, state, empty, settings, false) };
  // FFM's WebAssembly step: each worker instantiates the module on the shared table memory, in its own slot
  const wasmFfm = ffmWasmSource(params, { state, settings });
  const src = workerSource();
  const workers: Worker[] = [];
  for (let w = 1; w < threads; w++) workers.push(new Worker(src, { eval: true, workerData: { ctx: shipped, ffm: wasmFfm ? { ...wasmFfm, slot: w } : null } }));
  const staging = workers.map(() => newRowStaging());
  const runSlice = (w: Worker, msg: object) =>
    new Promise<number[]>((resolve, reject) => {
      const onMsg = (m: number[]) => {
        w.off('error', onErr);
        resolve(m);
      };
      const onErr = (e: Error) => {
        w.off('message', onMsg);
        reject(new Error(`hogwild worker failed: ${e.message}`));
      };
      w.once('message', onMsg);
      w.once('error', onErr);
      w.postMessage(msg);
    });
  const runner: NativeRunner = {
    threads,
    async run(data, ord, start, end, negatives, t0) {
      main ??= makeKernelCtx(params, state, data, settings);
      bindData(main, data, negatives, settings.batchSize);
      const m = end - start;
      const bounds = Array.from({ length: threads + 1 }, (_, p) => start + Math.round((m * p) / threads));
      const pending = workers.map((w, i) => {
        const sl = stageRows(data, ord, bounds[i + 1] as number, bounds[i + 2] as number, negatives, staging[i] as RowStaging);
        const msg = { ...sl, maxRow: data.maxRowLength, batchSize: settings.batchSize, t0, start: 0, end: sl.rows };
        return runSlice(w, msg);
      });
      const out = new Float64Array(4);
      kernelTrainRange(main, ord, start, bounds[1] as number, settings.batchSize, t0, out);
      for (const r of await Promise.all(pending)) for (let q = 0; q < 4; q++) out[q] = (out[q] as number) + (r[q] as number);
      return out;
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
  return runner;
};

/**
 * Threads the native engine uses by default in Node. Hogwild pays on large sparse tables, where two
 * threads rarely write the same rows: measured on 2 cores (training bench, Nov 2026), 39 fields /
 * 1M ids / k=16 ran 1.2× faster on 2 threads than on 1, while on 943 + 1,682 ids (a 0.7 MB table at
 * k=64) the threads fought over the same cache lines and 2 threads were slower than 1. So: more
 * than one thread only when the factor table exceeds 16 MiB, an epoch has ≥ 10⁶ multiply-adds
 * of work, and the machine has idle cores; at most 4 (memory bandwidth).
 */
export function defaultNativeThreads(table: { floats: number; k: number }, nnz: number): number {
  const cores = availableParallelism();
  const tableBytes = table.floats * 4;
  const work = nnz * Math.max(table.k, 1);
  return cores > 1 && tableBytes >= 16 * 2 ** 20 && work >= 1e6 ? Math.min(cores, 4) : 1;
}
