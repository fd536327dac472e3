// @fm/train: platform-neutral API (Node and the browser). File-system helpers live in '@fm/train/node'.
export { fit } from './fit.js';
export type {
  FitOptions,
  FitResult,
  FitCallbacks,
  BatchEndInfo,
  CallbackResult,
  EarlyStoppingOptions,
  EarlyStoppingMetric,
  StopReason,
} from './fit-options.js';
export { DEFAULT_L2, DEFAULT_LEARNING_RATES, DEFAULT_RANKING_L2 } from './fit-options.js';
export { mseLoss, logLoss, bprLoss, softplus, type Task } from './losses.js';
export { l2Penalty, resolveL2, touchedRows, PARAMETER_GROUPS, type L2Option, type ParameterGroup } from './regularization.js';
export {
  RowOptimizer,
  SgdOptimizer,
  AdamOptimizer,
  AdagradOptimizer,
  FtrlOptimizer,
  createOptimizer,
  type OptimizerName,
  type OptimizerConfig,
  type ParamSlot,
} from './optimizers.js';
export { TrainStep, type StepBatch, type StepLoss } from './train-step.js';
export { NegativeSampler, type NegativeOptions } from './negatives.js';
export { rmse, auc, logLossOfLogits, pairwiseMetrics } from './metrics.js';
export { predict, type PredictOptions } from './predict.js';
export { inspectModel, type ModelInfo, type TrainableParam } from './model-info.js';
export { checkDataset } from './dataset-check.js';
export {
  saveModel,
  loadModel,
  modelArtifacts,
  modelFromArtifacts,
  FM_METADATA_KEY,
  type ModelMeta,
  type SaveModelOptions,
  type LoadedModel,
} from './model-io.js';
export {
  memoryCheckpointStore,
  type CheckpointStore,
  type CheckpointData,
  type TrainerStateJSON,
  type EpochRecord,
  registerDirectoryCheckpointStore,
} from './checkpoint.js';
export { selectBackend, BACKEND_HINTS, type BackendPreference, type BackendReport } from './backend.js';
// The fused pure-TypeScript engine (LR, FM, FFM, MF) that `fit` uses on CPU backends.
export * from './fused/index.js';
export { bindFused, writeBackFused, registerFusedThreads, type Engine, type FusedBinding, type FusedThreadPolicy } from './fused-binding.js';
export { FUSED_DEFAULTS } from './fit-fused.js';
// Native MCMC (Bayesian FM) and ALS solvers.
export * from './engines/bayes/index.js';
