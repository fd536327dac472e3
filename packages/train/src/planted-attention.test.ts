// AutoInt (attention only, no MLP) and FiBiNET learn a planted third-order cross that FM cannot represent.
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

  it.each([
    ['autoint', { attentionLayers: 2, attentionHeads: 1, attentionSize: 4 }],
    ['fibinet', { hiddenUnits: [16] }],
  ] as [ModelKind, Partial<ModelConfig>][])('%s beats FM and gets near the best log loss', async (kind, config) => {
    const score = await fitPlanted(data, kind, config, 8);
    expect(score.auc).toBeGreaterThan(0.85);
    expect(score.logloss).toBeLessThan(fm.logloss - 0.2);
    expect(score.logloss).toBeLessThan(data.bestLogLoss + 0.2);
  });
});
