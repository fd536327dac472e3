// The fused training engine (platform-neutral, no tfjs). Worker-thread Hogwild lives in './hogwild-node.js'.
export type {
  FusedKind,
  FusedParams,
  FusedOptimizer,
  FusedOptimizerConfig,
  FusedOptions,
  FusedEpochInfo,
  FusedEpochResult,
  FusedState,
  FusedEpochRunner,
  FusedRunnerFactory,
  FusedFitResult,
} from './types.js';
export { createFusedParams, factorRowLength } from './create-fused-params.js';
export { createFusedState } from './create-fused-state.js';
export { FUSED_OPTIMIZER_DEFAULTS } from './defaults.js';
export { fusedTrainEpoch } from './fused-train-epoch.js';
export { fusedPredict, fusedEvaluate } from './fused-predict.js';
export { fusedFit, localRunner, type FusedFitOptions } from './fused-fit.js';
