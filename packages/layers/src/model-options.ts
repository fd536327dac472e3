/**
 * Which {@link ModelConfig} options each model kind takes, and the check `createModel` runs with it: an unknown name
 * or another kind's option is an error, never silently ignored.
 */
import type { ModelConfig, ModelKind } from './create-model.js';
import { checkOptionNames, foreignOption } from './option-names.js';

/** Every option of {@link ModelConfig} (TypeScript keeps the list whole: a key missing or extra fails to compile). */
const CONFIG_KEYS = {
  fieldDims: true, embeddingDim: true, width: true, attentionSize: true, dropout: true, hiddenUnits: true, batchNorm: true,
  crossLayers: true, crossRank: true, cinLayerSizes: true, attentionHeads: true, attentionLayers: true, logNeurons: true,
  bilinearType: true, seReduction: true, order: true, ratingRange: true, initStd: true, seed: true, normalize: true,
} as const satisfies Record<keyof ModelConfig, true>;

/** The options every kind takes (an LR model has no factors to size or initialise, but takes them alike). */
const COMMON_OPTIONS: readonly (keyof ModelConfig)[] = ['fieldDims', 'embeddingDim', 'width', 'initStd', 'seed'];
const MLP_OPTIONS: readonly (keyof ModelConfig)[] = ['dropout', 'hiddenUnits', 'batchNorm'];

/**
 * The options each kind reads beyond {@link COMMON_OPTIONS}: another kind's option (dropout for FM, crossRank for
 * DeepFM) is an error in {@link createModel}, never silently ignored. (create-model-options.test.ts checks every entry
 * against what building the model does.)
 */
export const MODEL_OPTIONS: Readonly<Record<ModelKind, readonly (keyof ModelConfig)[]>> = {
  lr: [],
  fm: [],
  ffm: ['normalize'],
  afm: ['attentionSize', 'dropout'],
  mf: ['ratingRange'],
  nfm: MLP_OPTIONS,
  deepfm: MLP_OPTIONS,
  hofm: ['order'],
  fwfm: [],
  fmfm: [],
  fnn: MLP_OPTIONS,
  'wide-deep': MLP_OPTIONS,
  ipnn: MLP_OPTIONS,
  opnn: MLP_OPTIONS,
  dcn: [...MLP_OPTIONS, 'crossLayers'],
  'dcn-v2': [...MLP_OPTIONS, 'crossLayers', 'crossRank'],
  xdeepfm: [...MLP_OPTIONS, 'cinLayerSizes'],
  autoint: [...MLP_OPTIONS, 'attentionSize', 'attentionHeads', 'attentionLayers'],
  afn: [...MLP_OPTIONS, 'logNeurons'],
  fibinet: [...MLP_OPTIONS, 'bilinearType', 'seReduction'],
  neumf: MLP_OPTIONS,
};

/**
 * The part of a shared `config` that `kind` takes: the common options and the kind's own ({@link MODEL_OPTIONS}),
 * for building several kinds from one config (`createModel(kind, pickModelConfig(kind, shared))`), which
 * {@link createModel} itself refuses.
 */
export function pickModelConfig(kind: ModelKind, config: ModelConfig): ModelConfig {
  const own: readonly string[] = [...COMMON_OPTIONS, ...MODEL_OPTIONS[kind]];
  return Object.fromEntries(Object.entries(config).filter(([key]) => own.includes(key))) as unknown as ModelConfig;
}

/**
 * Unknown option names, and options of other kinds given a value, are errors naming the option and the kind
 * ({@link createModel} calls it).
 * @internal
 */
export function checkModelOptions(kind: ModelKind, config: ModelConfig): void {
  checkOptionNames(`createModel('${kind}')`, config, Object.keys(CONFIG_KEYS));
  const own = [...COMMON_OPTIONS, ...MODEL_OPTIONS[kind]];
  const foreign = foreignOption(config, own, MODEL_OPTIONS);
  if (foreign !== undefined) {
    throw new Error(
      `createModel('${kind}'): option ${foreign.key} does not apply to ${kind} (it applies to ${foreign.readers.join(', ')}); ${kind} takes ${own.join(', ')} ` +
        `(pickModelConfig(kind, config) keeps those of a config shared by several kinds)`,
    );
  }
}
