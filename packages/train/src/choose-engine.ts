import type * as tf from '@tensorflow/tfjs';
import type { EngineChoice, EngineName } from './engine.js';
import { nativeLayout, type NativeLayout } from './engines/native/binding.js';
import type { ModelInfo } from './model-info.js';
import { NATIVE_KINDS } from './engines/native/types.js';

/** Backends on which the tfjs engine is the fast one (they run on a GPU, or on TensorFlow's C++ ops). */
const TFJS_BACKENDS = new Set(['webgl', 'webgpu', 'tensorflow']);

/** Whether engine choice `'auto'` runs LR/FM/FFM/MF on the native kernels on `backend`: every backend but a GPU or TensorFlow C++ one. */
export function nativeBackend(backend: string): boolean {
  return !TFJS_BACKENDS.has(backend);
}

/**
 * Whether `fit` trains a `@fm/layers` model of `kind` on the native engine for this engine choice and backend:
 * {@link chooseEngine}'s rule told by the kind alone (LR, FM, FFM, MF as `createModel` builds them), e.g. to build
 * a {@link NativeModel} instead in the first place.
 */
export function trainsNatively(kind: string, choice: string, backend: string): boolean {
  return (NATIVE_KINDS as readonly string[]).includes(kind) && nativeEngineRuns(choice, backend);
}

/** Whether the native engine runs LR/FM/FFM/MF models for this engine choice and backend ({@link trainsNatively} less the kind). */
export function nativeEngineRuns(choice: string, backend: string): boolean {
  return choice === 'native' || (choice === 'auto' && nativeBackend(backend));
}

/** What {@link chooseEngine} decided. */
export interface EngineDecision {
  name: EngineName;
  /** Why, in words (shown by `fm train` and the web page). */
  reason: string;
  /** The native layout of the model when the native engine runs. */
  layout?: NativeLayout;
}

/** The engine decision for a `NativeModel` (`fit` trains it on the native engine, whatever the `backend`). */
export function chooseNativeModelEngine(kind: string, choice: EngineChoice | string, backend: string): EngineDecision {
  if (choice === 'tfjs') throw new Error("fit: a NativeModel trains on the native engine; for engine 'tfjs' pass model.toLayersModel()");
  if (choice !== 'auto' && choice !== 'native') throw new Error(`fit: engine "${choice}" is unknown, expected auto | native | tfjs`);
  return { name: 'native', reason: `model ${kind} on backend ${backend}: native TypeScript kernels on flat arrays (a NativeModel: its tables held once, no tfjs copy)` };
}

/**
 * Picks the engine for a model on a backend. `'auto'`: the native engine for the models it implements
 * (LR, FM, FFM, MF) on the `cpu` and `wasm` backends — its kernels are what make CPUs fast; the tfjs
 * engine for models with dense layers and on GPU backends (`webgl`, `webgpu`, `tensorflow` from
 * tfjs-node[-gpu]). Asking for `'native'` on a model it cannot train is an error that says why.
 */
export function chooseEngine(model: tf.LayersModel, info: ModelInfo, choice: EngineChoice, backend: string): EngineDecision {
  if (choice !== 'auto' && choice !== 'native' && choice !== 'tfjs') {
    throw new Error(`fit: engine "${String(choice)}" is unknown, expected auto | native | tfjs`);
  }
  const layout = nativeLayout(model, info);
  if (choice === 'tfjs') return { name: 'tfjs', reason: "requested (engine: 'tfjs')" };
  if (choice === 'native') {
    if (typeof layout === 'string') throw new Error(`fit: engine "native" cannot train this model: ${layout}`);
    return { name: 'native', reason: "requested (engine: 'native')", layout };
  }
  if (typeof layout === 'string') return { name: 'tfjs', reason: `${layout}; tfjs trains every model` };
  if (!nativeBackend(backend)) return { name: 'tfjs', reason: `backend ${backend} computes through tfjs (GPU or TensorFlow C++)` };
  return { name: 'native', reason: `model ${info.kind} on backend ${backend}: native TypeScript kernels`, layout };
}
