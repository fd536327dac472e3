// predict, predictDistribution, rankingScorer and saveModel refuse option names they do not know (never ignored).
import * as tf from '@tensorflow/tfjs';
import { createModel } from '@fm/layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { modelArtifacts, saveModel } from './model-io.js';
import { predict, predictDistribution } from './predict.js';
import { rankingScorer } from './ranking-scorer.js';
import { syntheticRatings } from './test-utils/toy.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('option names of the scoring and saving functions', () => {
  it('an unknown name is an error naming it and the option meant; the known names still work', async () => {
    const ds = syntheticRatings(8, 6, 30, 2);
    const model = createModel('fm', { fieldDims: ds.schema.fieldDims, embeddingDim: 2, seed: 1 });
    await expect(predict(model, ds, { sigmoyd: true } as never)).rejects.toThrow(/predict: unknown option "sigmoyd" \(did you mean sigmoid\?\); the options are batchSize, clip, sigmoid, engine/);
    const clipped = await predict(model, ds, { clip: [0, 0] });
    expect(Array.from(clipped).every((x) => x === 0)).toBe(true);
    expect(() => predictDistribution(model, ds, { noise: true } as never)).toThrow(/predictDistribution: unknown option "noise"; the options are includeNoise/);
    const fields = { userField: 0, itemField: 1 } as never;
    expect(() => rankingScorer(model, { fields, engines: 'tfjs' } as never)).toThrow(/rankingScorer: unknown option "engines" \(did you mean engine\?\)/);
    await expect(modelArtifacts(model, { metta: {} } as never)).rejects.toThrow(/saveModel: unknown option "metta" \(did you mean meta\?\); the options are encoder, meta, files/);
    const handler = { save: async () => ({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' as const } }) };
    await expect(saveModel(model, handler, { encodr: {} } as never)).rejects.toThrow(/unknown option "encodr" \(did you mean encoder\?\)/);
    await expect(saveModel(model, handler, { encoder: {} })).resolves.toBeDefined();
    model.dispose();
  });
});
