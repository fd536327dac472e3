import { checkOptionNames, foreignOption } from '@fm/layers/option-names';
import type { EarlyStoppingOptions, FitOptions } from './fit-options.js';
import type { OptimizerConfig, OptimizerName } from './optimizers.js';

/** Every option of {@link FitOptions} (TypeScript keeps the list whole: a key missing or extra fails to compile). */
const FIT_KEYS = {
  task: true, engine: true, solver: true, bayes: true, threads: true, epochs: true, batchSize: true, optimizer: true,
  learningRate: true, optimizerConfig: true, l2: true, seed: true, validation: true, earlyStopping: true, negatives: true,
  negativesPerPositive: true, initBias: true, linear: true, callbacks: true, checkpoint: true, resumeFrom: true, shuffleBuffer: true, signal: true,
} as const satisfies Record<keyof FitOptions, true>;

const EARLY_STOPPING_KEYS = { metric: true, patience: true, minDelta: true } as const satisfies Record<keyof EarlyStoppingOptions, true>;

/** The {@link OptimizerConfig} fields each optimizer reads (`learningRate` is also `fit`'s own option). */
export const OPTIMIZER_CONFIG_KEYS: Readonly<Record<OptimizerName, readonly (keyof OptimizerConfig)[]>> = {
  sgd: ['learningRate'],
  adam: ['learningRate', 'beta1', 'beta2', 'epsilon'],
  adagrad: ['learningRate', 'epsilon', 'initialAccumulatorValue'],
  ftrl: ['learningRate', 'ftrlBeta', 'ftrlL1', 'ftrlL2'],
};
const OPTIMIZER_KEYS = { learningRate: true, beta1: true, beta2: true, epsilon: true, initialAccumulatorValue: true, ftrlBeta: true, ftrlL1: true, ftrlL2: true } as const satisfies Record<keyof OptimizerConfig, true>;

/** Where a key that is not an option of one object is one of: `earlyStopping.patience`, `optimizerConfig.beta1`. */
const NESTED: Record<string, string> = {
  ...Object.fromEntries(Object.keys(EARLY_STOPPING_KEYS).map((k) => [k, `earlyStopping.${k}`])),
  ...Object.fromEntries(Object.keys(OPTIMIZER_KEYS).filter((k) => k !== 'learningRate').map((k) => [k, `optimizerConfig.${k}`])),
};

/**
 * The option names `fit` is given, checked before anything runs: an unknown key (a typo, or `patience` meant for
 * `earlyStopping`) is an error, never silently ignored.
 */
export function checkFitOptionKeys(options: FitOptions): void {
  checkOptionNames('fit', options, Object.keys(FIT_KEYS), NESTED);
  if (options.earlyStopping) checkOptionNames('fit: earlyStopping', options.earlyStopping, Object.keys(EARLY_STOPPING_KEYS));
  if (options.optimizerConfig) checkOptionNames('fit: optimizerConfig', options.optimizerConfig, Object.keys(OPTIMIZER_KEYS));
  const inner = options.optimizerConfig?.learningRate;
  if (options.learningRate !== undefined && inner !== undefined && inner !== options.learningRate) {
    throw new Error(`fit: learningRate ${options.learningRate} and optimizerConfig.learningRate ${inner} disagree; give one of them`);
  }
}

/** An `optimizerConfig` field the optimizer does not read (Adam's β₁ given to SGD) is an error, never ignored. */
export function checkOptimizerConfig(config: Partial<OptimizerConfig> | undefined, optimizer: OptimizerName): void {
  const used = OPTIMIZER_CONFIG_KEYS[optimizer];
  const foreign = foreignOption(config ?? {}, used, OPTIMIZER_CONFIG_KEYS);
  if (foreign !== undefined) {
    throw new Error(`fit: optimizerConfig.${foreign.key} applies to ${foreign.readers.join(' | ')}; the optimizer is ${optimizer}, which reads ${used.join(', ')}`);
  }
}
