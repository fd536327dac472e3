// @fm/train: platform-neutral API (Node and the browser). File-system helpers and Hogwild threads live
// in '@fm/train/node'; the native kernels' low-level API in '@fm/train/native'.
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
export { chooseEngine, chooseNativeModelEngine, nativeBackend, nativeEngineRuns, trainsNatively, type EngineDecision } from './choose-engine.js';
export { NativeModel, isNativeModel, type NativeInit, type NativeModelConfig } from './engines/native/native-model.js';
export type { EngineName, EngineChoice, TrainingEngine, PassHooks, PassProgress } from './engine.js';
export { TRAINING_DEFAULTS, OPTIMIZER_DEFAULTS, DEFAULT_VALIDATION_FRACTION, defaultBatchSize, defaultLearningRate, modelFamily, type ModelFamily, type TrainingDefaults } from './defaults.js';
export { mseLoss, logLoss, bprLoss, softplus, type Task } from './losses.js';
export { l2Penalty, resolveL2, touchedRows, touchedBlocks, PARAMETER_GROUPS, type L2Option, type ParameterGroup } from './regularization.js';
export type { OptimizerName, OptimizerConfig } from './optimizers.js';
export type { NegativeOptions } from './negatives.js';
export { predict, predictDistribution, type PredictOptions } from './predict.js';
export { warmStart, type WarmStartOptions, type WarmStartReport } from './warm-start.js';
export { rankingScorer, type RankingScorerOptions, type SideFeatures } from './ranking-scorer.js';
export { inspectModel, type ModelInfo, type TrainableParam } from './model-info.js';
export { checkDataset } from './dataset-check.js';
export {
  saveModel,
  loadModel,
  modelArtifacts,
  modelFromArtifacts,
  FM_METADATA_KEY,
  MODEL_FORMAT_VERSION,
  checkMeta,
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
export {
  selectBackend,
  registerWasmThreads,
  BACKEND_HINTS,
  type BackendPreference,
  type BackendReport,
  type SelectBackendOptions,
  type WasmThreads,
} from './backend.js';
export { yieldToEventLoop } from './yield.js';
// Native MCMC (Bayesian FM) and ALS solvers.
export * from './engines/bayes/index.js';
export { attachBayes, bayesOf, BAYES_FILE } from './engines/bayes/attached.js';
