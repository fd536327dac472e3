// DCN, DCN-V2 and xDeepFM learn a planted third-order cross that FM cannot represent, with their explicit cross
// blocks alone (no MLP): the cross network / CIN must carry the degree-3 term.
import type { ModelConfig, ModelKind } from '@fm/layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { fitPlanted, onWasmBackend, smallThreeWayCross, type PlantedScore } from './test-utils/fit-planted.js';

onWasmBackend();

describe('a planted third-order cross s₀ s₁ s₂ (FM sees no signal)', () => {
  const data = smallThreeWayCross();
  let fm: PlantedScore;

  beforeAll(async () => {
    fm = await fitPlanted(data, 'fm', {}, 8);
  });

  it('FM stays near chance (every linear and pairwise term is uncorrelated with the label)', () => {
    expect(fm.auc).toBeLessThan(0.6);
  });

  it.each([
    ['dcn', { hiddenUnits: [], crossLayers: 2 }],
    ['dcn-v2', { hiddenUnits: [], crossLayers: 2, crossRank: 8 }],
    ['xdeepfm', { hiddenUnits: [], cinLayerSizes: [8, 8] }],
  ] as [ModelKind, Partial<ModelConfig>][])('%s with its cross block only beats FM and gets near the best log loss', async (kind, config) => {
    const score = await fitPlanted(data, kind, config, 8);
    expect(score.auc).toBeGreaterThan(0.85);
    expect(score.logloss).toBeLessThan(fm.logloss - 0.2);
    expect(score.logloss).toBeLessThan(data.bestLogLoss + 0.2);
  });
});
