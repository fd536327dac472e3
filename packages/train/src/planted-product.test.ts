// AFN and NeuMF on the planted structures they are built for; both are "as good as FM, explained" checks:
// - a product of positive per-id factors is what one logarithmic neuron computes, but through the logistic link
//   it is nearly additive in log r (Π r > 1 ⟺ Σ log r > 0), so LR and FM get close to the best log loss too;
//   AFN must reach it as well (a broken or non-learning AFN stays at the base rate, 0.68 here);
// - NeuMF contains biased MF through its GMF tower, and planted MF is all there is to learn.
import { describe, expect, it } from 'vitest';
import { fitPlanted, onWasmBackend } from './test-utils/fit-planted.js';
import { plantedProduct, plantedUserItem } from './test-utils/planted-clicks.js';

onWasmBackend();

describe('planted structures of AFN and NeuMF', () => {
  it('AFN learns a planted product r₀ r₁ r₂ of positive factors as well as FM, near the best log loss', async () => {
    const data = plantedProduct({ fieldDims: [6, 6, 6, 4], rows: 3000, testRows: 2000 });
    const fm = await fitPlanted(data, 'fm', {}, 8);
    const afn = await fitPlanted(data, 'afn', { logNeurons: 8, hiddenUnits: [16] }, 8);
    expect(afn.logloss).toBeLessThan(fm.logloss + 0.01);
    expect(afn.logloss).toBeLessThan(data.bestLogLoss + 0.03);
    expect(afn.auc).toBeGreaterThan(0.68);
  });

  it('NeuMF matches FM (= biased MF here) on planted rank-2 MF: MF is all there is to learn, and GMF contains it', async () => {
    const data = plantedUserItem({ users: 40, items: 30, rows: 6000, testRows: 1000 });
    const fm = await fitPlanted(data, 'fm', {}, 4);
    const neumf = await fitPlanted(data, 'neumf', { hiddenUnits: [16, 8] }, 4);
    expect(neumf.logloss).toBeLessThan(fm.logloss + 0.01);
    expect(neumf.auc).toBeGreaterThan(0.8);
  });
});
