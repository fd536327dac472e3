// Node only: Hogwild multi-core training over SharedArrayBuffer-backed parameters with worker_threads.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SparseDataset } from '@fm/data';
import { fusedFit, localRunner, type FusedFitOptions } from './fused-fit.js';
import { KERNEL_FUNCTIONS, kernelTrainRange, type KernelCtx } from './kernel.js';
import { makeKernelCtx } from './kernel-ctx.js';
import type { FusedEpochRunner, FusedFitResult, FusedParams, FusedRunnerFactory, FusedState } from './types.js';

type Typed = Float32Array | Float64Array | Int32Array;

function isShared(a: Typed): boolean {
  return a.buffer instanceof SharedArrayBuffer;
}

/** `a` itself when it lives on a SharedArrayBuffer, else a shared copy. */
function shareOf<T extends Typed>(a: T): T {
  if (isShared(a)) return a;
  const Ctor = a.constructor as new (b: SharedArrayBuffer) => T;
  const s = new Ctor(new SharedArrayBuffer(a.byteLength));
  s.set(a as never);
  return s;
}

/** Source of the worker: the kernel functions verbatim plus a small message loop. */
function workerSource(): string {
  return [
    "'use strict';",
    "const { parentPort, workerData } = require('node:worker_threads');",
    ...KERNEL_FUNCTIONS.map((f) => f.toString()),
    'const c = workerData.ctx;',
    'allocScratch(c, workerData.batchSize, workerData.maxRow);',
    'const order = workerData.order;',
    'const out = new Float64Array(3);',
    "parentPort.on('message', (m) => {",
    '  kernelTrainRange(c, order, m.start, m.end, m.batchSize, m.t0, out);',
    '  parentPort.postMessage([out[0], out[1], out[2]]);',
    '});',
  ].join('\n');
}

/** Splits [0, m) into `parts` contiguous slices; slice p is [bounds[p], bounds[p+1]). */
function sliceBounds(m: number, parts: number): number[] {
  const b: number[] = [];
  for (let p = 0; p <= parts; p++) b.push(Math.round((m * p) / parts));
  return b;
}

/**
 * A Hogwild epoch runner (Recht et al. 2011, as libFM/xLearn/LightFM): each epoch the shuffled
 * order is cut into `threads` contiguous slices; the calling thread trains on the first and
 * `threads − 1` workers on the others, all updating the same shared parameters and optimizer state
 * without locks (sparse rows rarely collide). Parameters, state and the dataset's arrays are used
 * in place when already on SharedArrayBuffers, otherwise copied to shared memory for the run and
 * the trained values copied back into the caller's arrays when the run ends.
 *
 * Results are close to, not bit-identical with, single-threaded training.
 */
export function hogwildRunner(threads: number): FusedRunnerFactory {
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`hogwildRunner: threads ${threads}, expected an integer ≥ 1`);
  return async (params: FusedParams, state: FusedState, dataset: SparseDataset, opts): Promise<FusedEpochRunner> => {
    if (threads === 1) return localRunner(params, state, dataset, opts);
    const sp: FusedParams = {
      ...params,
      fieldOfFeature: shareOf(params.fieldOfFeature),
      bias: shareOf(params.bias),
      linear: shareOf(params.linear),
      factors: shareOf(params.factors),
    };
    const ss: FusedState = {
      optimizer: state.optimizer,
      step: state.step,
      aBias: shareOf(state.aBias),
      aLinear: shareOf(state.aLinear),
      aFactors: shareOf(state.aFactors),
      bBias: shareOf(state.bBias),
      bLinear: shareOf(state.bLinear),
      bFactors: shareOf(state.bFactors),
    };
    const data = {
      labels: shareOf(dataset.labels),
      offsets: shareOf(dataset.offsets),
      ids: shareOf(dataset.ids),
      values: shareOf(dataset.values),
      maxRowLength: dataset.maxRowLength,
    };
    const order = new Int32Array(new SharedArrayBuffer(dataset.numRows * 4));
    const main = makeKernelCtx(sp, ss, data, opts);
    const shipped: KernelCtx = { ...makeKernelCtx(sp, ss, data, opts, false) };
    const src = workerSource();
    const workers: Worker[] = [];
    for (let w = 1; w < threads; w++) {
      workers.push(
        new Worker(src, {
          eval: true,
          workerData: { ctx: shipped, order, batchSize: opts.batchSize, maxRow: dataset.maxRowLength },
        }),
      );
    }
    const runSlice = (w: Worker, start: number, end: number, t0: number) =>
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
        w.postMessage({ start, end, batchSize: opts.batchSize, t0 });
      });
    return {
      async runEpoch(ord) {
        if (ord.length > order.length) throw new Error(`hogwild: order has ${ord.length} rows, the dataset ${order.length}`);
        order.set(ord);
        const bounds = sliceBounds(ord.length, threads);
        const t0 = ss.step[0] as number;
        const pending = workers.map((w, i) => runSlice(w, bounds[i + 1] as number, bounds[i + 2] as number, t0));
        const out = new Float64Array(3);
        kernelTrainRange(main, order, 0, bounds[1] as number, opts.batchSize, t0, out);
        let loss = out[0] as number;
        let examples = out[1] as number;
        let batches = out[2] as number;
        for (const r of await Promise.all(pending)) {
          loss += r[0] as number;
          examples += r[1] as number;
          batches += r[2] as number;
        }
        ss.step[0] = t0 + batches;
        return { loss: examples > 0 ? loss / examples : NaN, examples };
      },
      async close() {
        await Promise.all(workers.map((w) => w.terminate()));
        const back = <T extends Typed>(dst: T, src: T) => {
          if (dst !== src) dst.set(src as never);
        };
        back(params.bias, sp.bias);
        back(params.linear, sp.linear);
        back(params.factors, sp.factors);
        back(state.aBias, ss.aBias);
        back(state.aLinear, ss.aLinear);
        back(state.aFactors, ss.aFactors);
        back(state.bBias, ss.bBias);
        back(state.bLinear, ss.bLinear);
        back(state.bFactors, ss.bFactors);
      },
    };
  };
}

/**
 * Threads the fused engine uses by default in Node. Hogwild pays on large sparse tables, where two
 * threads rarely write the same rows: measured on 2 cores (training bench, Nov 2026), 39 fields /
 * 1M ids / k=16 ran 1.2× faster on 2 threads than on 1, while on 943 + 1,682 ids (a 0.7 MB table at
 * k=64) the threads fought over the same cache lines and 2 threads were slower than 1. So: more
 * than one thread only when the factor table exceeds 16 MiB, an epoch has ≥ 10⁶ multiply-adds
 * of work, and the machine has idle cores; at most 4 (memory bandwidth).
 */
export function defaultFusedThreads(params: FusedParams, train: SparseDataset): number {
  const cores = availableParallelism();
  const tableBytes = (params.factors.length + params.linear.length) * 4;
  const work = train.nnz * Math.max(params.k, 1);
  return cores > 1 && tableBytes >= 16 * 2 ** 20 && work >= 1e6 ? Math.min(cores, 4) : 1;
}

/**
 * {@link fusedFit} with Hogwild worker threads when `opts.threads > 1` (Node only).
 * `threads: 'auto'` picks {@link defaultFusedThreads}.
 */
export function fusedFitNode(
  params: FusedParams,
  train: SparseDataset,
  opts: Omit<FusedFitOptions, 'threads'> & { threads?: number | 'auto' },
): Promise<FusedFitResult> {
  const threads =
    opts.threads === 'auto' ? defaultFusedThreads(params, train) : (opts.threads ?? 1);
  return fusedFit(params, train, { ...opts, threads, runner: opts.runner ?? hogwildRunner(threads) });
}

