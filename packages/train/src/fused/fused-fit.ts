import { Rng, type SparseDataset } from '@fm/data';
import { createFusedState } from './create-fused-state.js';
import { fusedEvaluate } from './fused-predict.js';
import { trainEpochWithCtx } from './fused-train-epoch.js';
import { checkDatasetFits, checkFusedOptions, makeKernelCtx } from './kernel-ctx.js';
import type { FusedEpochInfo, FusedEpochRunner, FusedFitResult, FusedOptions, FusedParams, FusedRunnerFactory, FusedState } from './types.js';

/** Options of {@link fusedFit}. */
export interface FusedFitOptions extends FusedOptions {
  /** Held-out rows scored after every epoch (`FusedEpochInfo.validationLoss`). */
  validation?: SparseDataset;
  /** Optimizer state to continue from (created fresh when absent). */
  state?: FusedState;
  /** Epoch runner factory; `hogwild-node.ts` supplies a worker-thread one. Default: the calling thread. */
  runner?: FusedRunnerFactory;
}

/** The single-thread epoch runner: one kernel context (scratch reused across epochs). */
export const localRunner: FusedRunnerFactory = (params, state, dataset, opts): FusedEpochRunner => {
  const c = makeKernelCtx(params, state, dataset, opts);
  return {
    runEpoch: (order) => Promise.resolve(trainEpochWithCtx(c, state, order, opts.batchSize)),
    close: () => Promise.resolve(),
  };
};

/**
 * Trains `params` in place on `train` for `opts.epochs` epochs with the fused engine: each epoch
 * shuffles the rows (seeded), runs mini-batch forward + backward + lazy row-wise optimizer updates,
 * then scores `validation` if given and calls `onEpochEnd` (which may stop training).
 *
 * Multi-core Hogwild training (Recht et al. 2011) needs a worker-thread runner: call `fusedFitNode`
 * from `hogwild-node.ts` (Node only), which passes one; here `threads > 1` without a runner throws.
 */
export async function fusedFit(params: FusedParams, train: SparseDataset, opts: FusedFitOptions): Promise<FusedFitResult> {
  checkFusedOptions(opts);
  checkDatasetFits(params, train, 'training set');
  if (opts.validation) checkDatasetFits(params, opts.validation, 'validation set');
  const threads = opts.threads ?? 1;
  if (threads > 1 && !opts.runner) {
    throw new Error(`fusedFit: threads = ${threads} needs a worker-thread runner; in Node use fusedFitNode from hogwild-node.ts`);
  }
  const state = opts.state ?? createFusedState(params, opts);
  const runner = await (opts.runner ?? localRunner)(params, state, train, opts);
  const rng = new Rng(opts.seed);
  const order = new Int32Array(train.numRows);
  for (let i = 0; i < order.length; i++) order[i] = i;
  const history: FusedEpochInfo[] = [];
  let totalMs = 0;
  let totalExamples = 0;
  try {
    for (let epoch = 0; epoch < opts.epochs; epoch++) {
      rng.shuffle(order);
      const t0 = performance.now();
      const res = await runner.runEpoch(order, opts);
      const millis = performance.now() - t0;
      totalMs += millis;
      totalExamples += res.examples;
      if (!Number.isFinite(res.loss)) {
        throw new Error(`fusedFit: training loss became ${res.loss} in epoch ${epoch}; lower the learning rate (${opts.learningRate})`);
      }
      const info: FusedEpochInfo = { epoch, loss: res.loss, examples: res.examples, millis };
      if (opts.validation) info.validationLoss = fusedEvaluate(params, opts.validation, opts.task);
      history.push(info);
      if ((await opts.onEpochEnd?.(info)) === 'stop') break;
    }
  } finally {
    await runner.close();
  }
  return {
    history,
    examplesPerSecond: totalMs > 0 ? (totalExamples / totalMs) * 1000 : 0,
    epochs: history.length,
    threads,
    state,
  };
}
