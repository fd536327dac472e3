import type { FusedOptimizerConfig } from './types.js';

/** Default optimizer settings of the fused engine. */
export const FUSED_OPTIMIZER_DEFAULTS: Required<FusedOptimizerConfig> = {
  epsilon: 1e-8,
  initialAccumulator: 0,
  beta1: 0.9,
  beta2: 0.999,
  ftrlBeta: 1,
  l1: 0,
};
