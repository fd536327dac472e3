// @fm/train/native: the native engine's low-level API (flat parameter arrays, kernels' entry points),
// for benchmarks and for code that trains or scores without tfjs. Platform-neutral.
export type { NativeKind, NativeParams, NativeOptimizer, NativeOptimizerConfig, NativeState, NativeL2, NativeTask, PassNegatives } from './engines/native/types.js';
export { NATIVE_KINDS } from './engines/native/types.js';
export { createNativeParams, factorRowLength, fieldOfFeatureTable } from './engines/native/params.js';
export { createNativeState } from './engines/native/state.js';
export { nativePredict } from './engines/native/predict.js';
export { bindNative, nativeLayout, writeBackNative, type NativeBinding, type NativeLayout } from './engines/native/binding.js';
export { NativeEngine, type NativeEngineSettings } from './engines/native/native-engine.js';
export { TfjsEngine, type TfjsEngineSettings } from './engines/tfjs/tfjs-engine.js';
export { localRunner, type NativeRunner, type NativeRunnerFactory } from './engines/native/runner.js';
export { registerNativeThreads, nativeThreadPolicy, type NativeThreadPolicy } from './engines/native/threads.js';
export { TrainStep, type StepBatch, type StepLoss, type TrainStepOptions } from './train-step.js';
export { RowOptimizer, SgdOptimizer, AdamOptimizer, AdagradOptimizer, FtrlOptimizer, createOptimizer, type ParamSlot } from './optimizers.js';
export { RowNegatives } from './negatives.js';
export { nativeScorer } from './ranking-scorer.js';
