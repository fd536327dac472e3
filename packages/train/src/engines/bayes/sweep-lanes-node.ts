// Node only: the lanes of MCMC/ALS sweeps on worker_threads over SharedArrayBuffer-backed chain arrays.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Rng } from '@fm/data';
import { COLUMN_SWEEP_FUNCTIONS } from './column-sweep.js';
import type { SweepContext } from './sweep-context.js';
import { sweepLane, type LaneRunner, type SweepThreadPolicy } from './sweep-lanes.js';
import { SWEEP_LANES } from './sweep-plan.js';

/** Slots of the shared control array. */
const GEN = 0; // bumped by the calling thread to start a segment
const DONE = 1; // workers finished with the segment
const READY = 2; // workers started
const EXIT = 3; // 1: workers leave their loop
const SEEDED = 4; // 1: lanes draw (MCMC) from their seeds; 0: ALS
const LINEAR = 5; // 1: update the linear weights too
const FAILED = 6; // 1: a worker threw (its message in `error`)
const NEXT = 7; // the next lane to take: every thread takes lanes until none is left
const SLOTS = 8;

/** Longest start-up the calling thread waits for (it blocks: the sweep is synchronous). */
const START_MS = 30_000;

type Typed = Float64Array | Int32Array | Uint8Array;
const isShared = (a: Typed) => a.length === 0 || a.buffer instanceof SharedArrayBuffer;

function workerSource(): string {
  return [
    "'use strict';",
    "const { workerData: d } = require('node:worker_threads');",
    Rng.toString(),
    ...COLUMN_SWEEP_FUNCTIONS.map((f) => f.toString()),
    'const ctrl = d.ctrl;',
    'const c = { k: d.k, cols: d.cols, linear: d.linear, factors: d.factors, residual: d.residual, q: d.q, groupOf: d.groupOf,',
    '  lambdaW: d.lambdaW, muW: d.muW, lambdaV: d.lambdaV, muV: d.muV, alpha: 1, rng: undefined, blocks: [] };',
    `Atomics.add(ctrl, ${READY}, 1);`,
    `Atomics.notify(ctrl, ${READY});`,
    'let gen = 0;',
    'for (;;) {',
    `  Atomics.wait(ctrl, ${GEN}, gen);`,
    `  gen = Atomics.load(ctrl, ${GEN});`,
    `  if (Atomics.load(ctrl, ${EXIT}) === 1) break;`,
    '  try {',
    '    c.alpha = d.alpha[0];',
    `    const seeded = ctrl[${SEEDED}] === 1;`,
    `    const linear = ctrl[${LINEAR}] === 1;`,
    `    for (let p = Atomics.add(ctrl, ${NEXT}, 1); p < ${SWEEP_LANES}; p = Atomics.add(ctrl, ${NEXT}, 1)) {`,
    '      c.rng = seeded ? new Rng(d.seeds[p]) : undefined;',
    '      sweepRange(c, d.bounds[p], d.bounds[p + 1], linear);',
    '    }',
    '  } catch (e) {',
    `    if (Atomics.compareExchange(ctrl, ${FAILED}, 0, 1) === 0) {`,
    '      const b = new TextEncoder().encode(String(e && e.stack || e)).subarray(0, d.error.length);',
    '      d.error.fill(0); d.error.set(b);',
    '    }',
    '  }',
    `  Atomics.add(ctrl, ${DONE}, 1);`,
    `  Atomics.notify(ctrl, ${DONE});`,
    '}',
  ].join('\n');
}

/**
 * Lanes on `threads` threads: the calling thread and the workers each take the next lane not yet taken until none
 * is left, all on the chain's shared arrays (the lanes share no rows, so nothing is written twice, and each lane
 * draws from its own seed, so who takes which changes nothing), with the calling thread
 * blocked until the workers finish (Atomics.wait: the sweep stays synchronous). The workers are unref'd (they
 * never keep a process alive) and stop on {@link LaneRunner.close}.
 */
export function workerLanes(c: SweepContext, threads: number): LaneRunner {
  if (!Number.isInteger(threads) || threads < 2 || threads > SWEEP_LANES) throw new Error(`BayesianFm: ${threads} sweep threads, expected an integer in 2..${SWEEP_LANES}`);
  const cols = c.cols;
  const arrays: Typed[] = [c.linear, c.factors, c.residual, c.q, c.groupOf, c.lambdaW, c.muW, c.lambdaV, c.muV, cols.starts, cols.rows, cols.values, cols.sumSquares, cols.unit];
  if (!arrays.every(isShared)) throw new Error('BayesianFm: sweep threads need the chain and its columns on SharedArrayBuffers');
  const ctrl = new Int32Array(new SharedArrayBuffer(4 * SLOTS));
  const alpha = new Float64Array(new SharedArrayBuffer(8));
  const seeds = new Uint32Array(new SharedArrayBuffer(4 * SWEEP_LANES));
  const bounds = new Int32Array(new SharedArrayBuffer(4 * (SWEEP_LANES + 1)));
  const error = new Uint8Array(new SharedArrayBuffer(2048));
  const shared = {
    ctrl, alpha, seeds, bounds, error, k: c.k,
    cols: { starts: cols.starts, rows: cols.rows, values: cols.values, sumSquares: cols.sumSquares, unit: cols.unit },
    linear: c.linear, factors: c.factors, residual: c.residual, q: c.q, groupOf: c.groupOf,
    lambdaW: c.lambdaW, muW: c.muW, lambdaV: c.lambdaV, muV: c.muV,
  };
  const src = workerSource();
  const workers: Worker[] = [];
  for (let w = 1; w < threads; w++) {
    const worker = new Worker(src, { eval: true, workerData: shared });
    worker.unref();
    workers.push(worker);
  }
  const stop = () => {
    Atomics.store(ctrl, EXIT, 1);
    Atomics.add(ctrl, GEN, 1);
    Atomics.notify(ctrl, GEN);
    for (const w of workers) void w.terminate();
  };
  const t0 = Date.now();
  let ready: number;
  while ((ready = Atomics.load(ctrl, READY)) < threads - 1) {
    if (Date.now() - t0 > START_MS || Atomics.wait(ctrl, READY, ready, START_MS) === 'timed-out') {
      stop();
      throw new Error(`BayesianFm: ${threads - 1} sweep worker thread(s) did not start within ${START_MS / 1000} s`);
    }
  }
  let closed = false;
  return {
    threads,
    run(ctx, seg, seedsOf, linear) {
      if (closed) throw new Error('BayesianFm: the chain was closed');
      if (!seg.lanes) throw new Error('BayesianFm: a segment without lanes');
      bounds.set(seg.lanes);
      if (seedsOf) seeds.set(seedsOf);
      ctrl[SEEDED] = seedsOf ? 1 : 0;
      ctrl[LINEAR] = linear ? 1 : 0;
      alpha[0] = ctx.alpha;
      Atomics.store(ctrl, DONE, 0);
      Atomics.store(ctrl, NEXT, 0);
      Atomics.add(ctrl, GEN, 1);
      Atomics.notify(ctrl, GEN);
      for (let p = Atomics.add(ctrl, NEXT, 1); p < SWEEP_LANES; p = Atomics.add(ctrl, NEXT, 1)) sweepLane(ctx, seg, seedsOf, linear, p);
      let done: number;
      while ((done = Atomics.load(ctrl, DONE)) < threads - 1) Atomics.wait(ctrl, DONE, done);
      if (Atomics.load(ctrl, FAILED) === 1) {
        const msg = new TextDecoder().decode(error).replace(/\0+$/, '');
        closed = true;
        stop();
        throw new Error(`BayesianFm: a sweep worker thread failed: ${msg}`);
      }
    },
    close() {
      if (closed) return;
      closed = true;
      stop();
    },
  };
}

/** Work per iteration (entries × (k + 1) in laned fields) below which one thread is faster than waking others. */
const MIN_WORK_PER_THREAD = 200_000;

/** Sweeps on up to 4 threads ('auto': as many as the machine has and the work pays for). */
export const workerSweepThreads: SweepThreadPolicy = {
  threads(laneWork, requested) {
    if (requested !== 'auto') {
      if (!Number.isInteger(requested) || requested < 1 || requested > SWEEP_LANES) {
        throw new Error(`BayesianFm: threads must be 'auto' or an integer in 1..${SWEEP_LANES}, got ${String(requested)}`);
      }
      return requested;
    }
    return Math.max(1, Math.min(4, availableParallelism(), Math.floor(laneWork / MIN_WORK_PER_THREAD)));
  },
  create: (c, threads) => workerLanes(c, threads),
};
