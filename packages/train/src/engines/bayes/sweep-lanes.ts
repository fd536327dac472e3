import { Rng } from '@fm/data';
import { sweepRange } from './column-sweep.js';
import type { SweepContext } from './sweep-context.js';
import { SWEEP_LANES, type SweepSegment } from './sweep-plan.js';

/**
 * Sweeps the lanes of a laned {@link SweepSegment}: lane p with its own generator `new Rng(seeds[p])` (MCMC; ALS
 * passes no seeds). Lanes share no rows, so how they are spread over threads changes nothing in the result.
 */
export interface LaneRunner {
  /** Threads the lanes run on (1: this one). */
  readonly threads: number;
  run(c: SweepContext, seg: SweepSegment, seeds: Uint32Array | undefined, linear: boolean): void;
  /** Stops its worker threads, if any. */
  close(): void;
}

/** Lane p of `seg` on this thread. */
export function sweepLane(c: SweepContext, seg: SweepSegment, seeds: Uint32Array | undefined, linear: boolean, p: number): void {
  const lanes = seg.lanes as Int32Array;
  const rng = seeds ? new Rng(seeds[p] as number) : undefined;
  sweepRange({ ...c, rng }, lanes[p] as number, lanes[p + 1] as number, linear);
}

/** Every lane on the calling thread, one after another. */
export const localLanes: LaneRunner = {
  threads: 1,
  run(c, seg, seeds, linear) {
    for (let p = 0; p < SWEEP_LANES; p++) sweepLane(c, seg, seeds, linear, p);
  },
  close() {},
};

/** The seeds of one laned segment's lanes, drawn from the chain's generator (so a checkpoint's generator state covers them). */
export function drawLaneSeeds(rng: Rng): Uint32Array {
  const seeds = new Uint32Array(SWEEP_LANES);
  for (let p = 0; p < SWEEP_LANES; p++) seeds[p] = rng.nextUint32();
  return seeds;
}

/**
 * How many threads a chain's laned sweeps use and who provides them. The core runs lanes on the calling thread
 * (browser-safe); importing `@fm/train/node` registers worker threads.
 */
export interface SweepThreadPolicy {
  /** Threads for sweeps whose laned segments touch `laneWork` = (k + 1) × their entries per iteration. */
  threads(laneWork: number, requested: number | 'auto'): number;
  /** A runner on `threads` threads for this context, whose arrays live on SharedArrayBuffers. */
  create(c: SweepContext, threads: number): LaneRunner;
}

const oneThread: SweepThreadPolicy = {
  threads(_work, requested) {
    if (requested !== 'auto' && requested > 1) throw new Error(`BayesianFm: threads = ${requested} needs worker threads: import '@fm/train/node' (Node only)`);
    return 1;
  },
  create: () => localLanes,
};

let policy: SweepThreadPolicy = oneThread;

/** Registers multi-threaded sweeps for MCMC and ALS (done by importing `@fm/train/node`). */
export function registerSweepThreads(p: SweepThreadPolicy): void {
  policy = p;
}

/** The registered policy (lanes on the calling thread unless `@fm/train/node` was imported). */
export function sweepThreadPolicy(): SweepThreadPolicy {
  return policy;
}
