// createModel refuses option names it does not know and options of other kinds (never ignored); MODEL_OPTIONS,
// the table it checks against, is checked here against what building each model does.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAFM, createAFN, createAutoInt, createDCN, createDCNV2, createDeepFM, createFFM, createFiBiNET, createFM, createLR, createMF, createNFM, createNeuMF, createXDeepFM, MODEL_KINDS, createModel, type ModelConfig, type ModelKind } from './create-model.js';
import { MODEL_OPTIONS, pickModelConfig } from './model-options.js';
import { createFmFM, createFwFM, createHOFM } from './create-fm-variants.js';
import { createFNN, createIPNN, createOPNN, createWideDeep } from './create-deep-models.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The per-kind factories, which build without createModel's check (to see what an option does where it is refused). */
const FACTORIES: Record<ModelKind, (c: ModelConfig) => tf.LayersModel> = {
  lr: createLR, fm: createFM, ffm: createFFM, afm: createAFM, mf: createMF, nfm: createNFM, deepfm: createDeepFM, hofm: createHOFM,
  fwfm: createFwFM, fmfm: createFmFM, fnn: createFNN, 'wide-deep': createWideDeep, ipnn: createIPNN, opnn: createOPNN, dcn: createDCN,
  'dcn-v2': createDCNV2, xdeepfm: createXDeepFM, autoint: createAutoInt, afn: createAFN, fibinet: createFiBiNET, neumf: createNeuMF,
};

/** A value other than the default for every option a kind may take. */
const PROBES: Partial<Record<keyof ModelConfig, unknown>> = {
  attentionSize: 8, dropout: 0.3, hiddenUnits: [8], batchNorm: true, crossLayers: 2, crossRank: 4, cinLayerSizes: [4, 4], attentionHeads: 1,
  attentionLayers: 1, logNeurons: 8, bilinearType: 'field-each', seReduction: 2, order: 4, ratingRange: [1, 5], normalize: false,
};

/** What a model is, names aside: each layer's class and settings, and the weights' shapes. */
const signature = (m: tf.LayersModel) =>
  JSON.stringify(m.layers.map((l) => [l.getClassName(), { ...l.getConfig(), name: undefined }])) + m.weights.map((w) => w.shape.join('x')).join(';');

const base = (kind: ModelKind): ModelConfig => ({ fieldDims: kind === 'mf' || kind === 'neumf' ? [10, 12] : [10, 12, 7, 5], embeddingDim: 16, seed: 1 });

describe('createModel options', () => {
  it.each(MODEL_KINDS.map((k) => [k]))('%s: MODEL_OPTIONS lists exactly the options that change the model built', (kind) => {
    const factory = FACTORIES[kind];
    for (const [key, value] of Object.entries(PROBES)) {
      // an MLP's dropout and batch norm act on hidden layers: probe them with and without one
      let changes = false;
      for (const extra of key === 'hiddenUnits' ? [{}] : [{}, { hiddenUnits: [6] }]) {
        const a = factory({ ...base(kind), ...extra });
        const b = factory({ ...base(kind), ...extra, [key]: value });
        changes ||= signature(a) !== signature(b);
        a.dispose();
        b.dispose();
      }
      expect(changes, `${kind}: ${key}`).toBe(MODEL_OPTIONS[kind].includes(key as keyof ModelConfig));
    }
  });

  it('refuses an option of another kind, naming it, the kinds it applies to and pickModelConfig', () => {
    expect(() => createModel('fm', { ...base('fm'), dropout: 0.2 })).toThrow(
      /createModel\('fm'\): option dropout does not apply to fm \(it applies to afm, nfm, deepfm, .*\); fm takes fieldDims, embeddingDim, width, initStd, seed \(pickModelConfig/,
    );
    expect(() => createModel('deepfm', { ...base('deepfm'), crossRank: 8 })).toThrow(/option crossRank does not apply to deepfm \(it applies to dcn-v2\)/);
    // undefined is no setting
    expect(createModel('fm', { ...base('fm'), dropout: undefined }).layers.length).toBeGreaterThan(0);
  });

  it('refuses an unknown option name, with the option meant', () => {
    expect(() => createModel('deepfm', { ...base('deepfm'), hiddenUnit: [8] } as unknown as ModelConfig)).toThrow(/createModel\('deepfm'\): unknown option "hiddenUnit" \(did you mean hiddenUnits\?\)/);
    expect(() => createModel('fm', { ...base('fm'), colour: 1 } as unknown as ModelConfig)).toThrow(/unknown option "colour"; the options are fieldDims, /);
  });

  it('pickModelConfig keeps what a kind takes, so one config builds every kind as it would alone', () => {
    const shared: ModelConfig = { ...base('deepfm'), hiddenUnits: [8], crossLayers: 2, attentionHeads: 1, order: 4 };
    for (const kind of MODEL_KINDS) {
      const picked = pickModelConfig(kind, { ...shared, fieldDims: base(kind).fieldDims });
      expect(Object.keys(picked).every((k) => ['fieldDims', 'embeddingDim', 'seed'].includes(k) || MODEL_OPTIONS[kind].includes(k as keyof ModelConfig)), kind).toBe(true);
      expect(signature(createModel(kind, picked)), kind).toBe(signature(FACTORIES[kind]({ ...shared, fieldDims: base(kind).fieldDims })));
    }
  });
});
