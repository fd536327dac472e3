import * as tf from '@tensorflow/tfjs';
import { createModel, DEFAULT_INIT_STD, modelInit, normalDraws, withZeroInit } from '@fm/layers';
import { assignVariable } from '../../heap-view.js';
import { inspectModel } from '../../model-info.js';
import { yieldToEventLoop } from '../../yield.js';
import { bindNative, nativeLayout } from './binding.js';
import { createNativeParams, factorRowLength, rngNormalDraws } from './params.js';
import type { NativeKind, NativeParams } from './types.js';

/** Options of {@link NativeModel.create}; the same meaning as `createModel`'s `ModelConfig`. */
export interface NativeModelConfig {
  fieldDims: number[];
  /** Latent dimension k (default 16). */
  embeddingDim?: number;
  /** Standard deviation of the N(0, σ²) factor initialiser (default 0.01). */
  initStd?: number;
  /** Seed of the initialiser (default 0). */
  seed?: number;
  /** FFM: instance-wise normalisation (default true, as `createModel('ffm')`). */
  normalize?: boolean;
  /**
   * Slots per row of the equivalent tfjs model ({@link NativeModel.toLayersModel}, and the topology `saveModel`
   * writes, which `loadModel` reads back): at least the training data's longest row (`maxRowLength`) when fields
   * are multi-hot. Default fieldDims.length, as `createModel`. The native kernels take rows of any length.
   */
  width?: number;
}

/** Values of a table drawn between two progress reports of {@link NativeModel.createAsync} (~0.5 s). */
const DRAW_PIECE = 1 << 24;

/**
 * How a model's factor table is initialised: N(0, initStd²) drawn from `seed` (undefined: unseeded), as the
 * `initStd` and `seed` of `createModel`. Saved with the model (its layers' configs), and used for the rows of new
 * ids when a model is grown for more ids (`warmStart`).
 */
export interface NativeInit {
  initStd: number;
  seed?: number;
}

/**
 * An LR, FM, FFM or MF model held only as flat typed arrays: no tfjs tensors, so a big table exists
 * once in memory while the native engine trains it (a tfjs model keeps its own copy on the backend,
 * and on wasm that memory is never returned). `fit()`, `predict()` and `saveModel()` take it like a
 * `tf.LayersModel`; {@link toLayersModel} builds the equivalent `@fm/layers` model (same weights,
 * same saved format) when tfjs is needed — a GPU backend, a custom layer, serving in the browser.
 * The arrays live on SharedArrayBuffers where they exist, for Hogwild threads.
 */
export class NativeModel {
  private constructor(
    readonly params: NativeParams,
    readonly fieldDims: number[],
    /** How the factor table was (and new ids' rows are) initialised. */
    readonly init: NativeInit,
    /** Slots per row of the equivalent tfjs model (see {@link NativeModelConfig.width}). */
    readonly width: number,
  ) {
    if (!Number.isInteger(width) || width < 1) throw new Error(`NativeModel: width must be a positive integer, got ${width}`);
  }

  /** The model kind. */
  get kind(): NativeKind {
    return this.params.kind;
  }

  /**
   * A new model: bias and linear weights 0, factors N(0, initStd²) (seeded): the very values `createModel(kind)`
   * draws with the same config, so the two start alike (no tfjs is used). Where createModel's table would be drawn
   * unseeded (seed 0 or none, which tfjs takes as "random"), this stays deterministic: a table drawn from seed 0.
   */
  static create(kind: NativeKind, config: NativeModelConfig): NativeModel {
    const { model, draws } = NativeModel.begin(kind, config);
    for (const _ of draws);
    return model;
  }

  /**
   * {@link create} in pieces: between pieces of the table's draw (16M values, ~0.5 s) it reports progress and yields
   * to the event loop, and stops there once `signal` is aborted (its reason thrown). The same model as `create`.
   * A 1M-feature FFM at k = 16 draws 625M values (~20 s).
   * @param options.onProgress called after each piece with the values drawn and their total.
   */
  static async createAsync(
    kind: NativeKind,
    config: NativeModelConfig,
    options: { onProgress?: (done: number, total: number) => void; signal?: AbortSignal } = {},
  ): Promise<NativeModel> {
    options.signal?.throwIfAborted();
    const { model, draws, total } = NativeModel.begin(kind, config);
    for (const done of draws) {
      options.onProgress?.(done, total);
      await yieldToEventLoop();
      options.signal?.throwIfAborted();
    }
    return model;
  }

  /** The model's arrays (zeros) and the draw of its table, piece by piece (values drawn so far, of `total`). */
  private static begin(kind: NativeKind, config: NativeModelConfig): { model: NativeModel; draws: Generator<number, void>; total: number } {
    const k = config.embeddingDim ?? 16;
    const seed = config.seed ?? 0;
    const initStd = config.initStd ?? DEFAULT_INIT_STD;
    const params = createNativeParams(kind, config.fieldDims, k, {
      seed,
      initStd: 0,
      shared: typeof SharedArrayBuffer !== 'undefined',
      ...(config.normalize !== undefined ? { normalize: config.normalize } : {}),
    });
    const total = kind === 'lr' || !(initStd > 0) ? 0 : params.numFeatures * factorRowLength(params);
    // createModel's LR/FM/FFM/MF draw their one factor table from the model seed itself (the test against
    // createModel guards this); no tfjs is needed here. Seed 0: createNativeParams' own deterministic draw.
    const draw = seed ? normalDraws(0, initStd, seed) : rngNormalDraws(seed, initStd);
    function* draws(): Generator<number, void> {
      for (let at = 0; at < total; ) {
        const to = Math.min(total, at + DRAW_PIECE);
        draw(params.factors, at, to);
        at = to;
        yield at;
      }
    }
    const model = new NativeModel(params, [...config.fieldDims], { initStd, seed }, config.width ?? config.fieldDims.length);
    return { model, draws: draws(), total };
  }

  /** The number of weights (bias, linear table, factor table), as `tf.LayersModel.countParams()`. */
  countParams(): number {
    const p = this.params;
    return p.bias.length + p.linear.length + p.numFeatures * factorRowLength(p);
  }

  /**
   * The latent factors of one field's ids, `[fieldDims[field], k]` row-major (a copy), as `itemFactors` /
   * `userFactors` of `@fm/layers` give for a tfjs model: for FFM the ids' block towards `towardField`, for FM and
   * MF their factor rows. LR has none (an error says so).
   * @returns the values and k.
   */
  fieldFactors(field: number, towardField = field): { values: Float32Array; k: number } {
    const p = this.params;
    const F = this.fieldDims.length;
    if (!Number.isInteger(field) || field < 0 || field >= F) throw new Error(`field ${field} is out of range: the model has ${F} fields`);
    if (p.kind === 'lr') throw new Error("an lr model has no factor table (weight 'embedding')");
    if (p.kind === 'ffm' && (!Number.isInteger(towardField) || towardField < 0 || towardField >= F)) {
      throw new Error(`towardField ${towardField} is out of range: the model has ${F} fields`);
    }
    const k = p.k;
    const row = factorRowLength(p);
    const col = p.kind === 'ffm' ? towardField * k : 0;
    let start = 0;
    for (let f = 0; f < field; f++) start += this.fieldDims[f] as number;
    const rows = this.fieldDims[field] as number;
    const values = new Float32Array(rows * k);
    for (let r = 0; r < rows; r++) values.set(p.factors.subarray((start + r) * row + col, (start + r) * row + col + k), r * k);
    return { values, k };
  }

  /**
   * Wraps existing arrays (they are used, not copied).
   * @param init how they were initialised (default: createModel's, N(0, 0.01²) unseeded).
   * @param width slots per row of the equivalent tfjs model (default fieldDims.length; {@link NativeModelConfig.width}).
   */
  static fromParams(params: NativeParams, fieldDims: readonly number[], init: NativeInit = { initStd: DEFAULT_INIT_STD }, width = fieldDims.length): NativeModel {
    const n = fieldDims.reduce((a, b) => a + b, 0);
    if (n !== params.numFeatures || fieldDims.length !== params.numFields) {
      throw new Error(`NativeModel: fieldDims [${fieldDims.join(', ')}] do not match the parameters (${params.numFields} fields, ${params.numFeatures} features)`);
    }
    return new NativeModel(params, [...fieldDims], { ...init }, width);
  }

  /** A copy of a `@fm/layers` model's weights, or an error saying why the native kernels cannot run it. */
  static fromLayersModel(model: tf.LayersModel): NativeModel {
    const info = inspectModel(model);
    const b = bindNative(model, info, typeof SharedArrayBuffer !== 'undefined');
    if (typeof b === 'string') throw new Error(`NativeModel.fromLayersModel: ${b}`);
    return new NativeModel(b.params, info.fieldDims, modelInit(model), layersWidth(model, info.fieldDims.length));
  }

  /** The equivalent `@fm/layers` model (`createModel(kind)`), holding a copy of these weights. */
  toLayersModel(): tf.LayersModel {
    const p = this.params;
    // zero tables, written next in place on wasm (a new tensor beside each would hold the table twice in the heap)
    const model = layersEquivalent(p, this.fieldDims, this.init, this.width);
    const layout = nativeLayout(model, inspectModel(model));
    if (typeof layout === 'string') throw new Error(`NativeModel.toLayersModel: ${layout}`);
    assignVariable(layout.bias.weight, p.bias, true);
    if (layout.linear) assignVariable(layout.linear.weight, p.linear, true);
    if (layout.factors) assignVariable(layout.factors.weight, p.factors, true);
    return model;
  }
}

/**
 * `createModel(params.kind)` for these parameters' k and FFM normalisation over `fieldDims`, and `init` in its
 * configs, its tables zero ({@link withZeroInit}): the model a native model saves as, with its weights written next
 * (or, over one id per field, a stand-in for its topology and weight names).
 * @internal
 */
export function layersEquivalent(params: NativeParams, fieldDims: readonly number[], init: NativeInit, width: number): tf.LayersModel {
  return withZeroInit(() =>
    createModel(params.kind, {
      fieldDims: [...fieldDims],
      width,
      embeddingDim: Math.max(1, params.k),
      initStd: init.initStd,
      ...(init.seed !== undefined ? { seed: init.seed } : {}),
      ...(params.kind === 'ffm' ? { normalize: params.normalize } : {}),
    }),
  );
}

/**
 * Slots per row a `@fm/layers` model takes (its `ids` input's second dimension); one per field where the input
 * leaves it open. @internal
 */
export function layersWidth(model: tf.LayersModel, fields: number): number {
  const w = model.inputs[0]?.shape[1];
  return typeof w === 'number' ? w : fields;
}

/** True for a {@link NativeModel}. */
export function isNativeModel(x: unknown): x is NativeModel {
  return x instanceof NativeModel;
}
