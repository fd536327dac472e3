/**
 * Every model kind of @fm/layers trains in the page on the wasm backend (issue 12): the model select
 * lists them all, and a short run of each on a small synthetic set finishes with finite, falling training
 * losses and finite test metrics. Screenshots go to apps/web/test-output/.
 */
import * as tf from '@tensorflow/tfjs';
import { MODEL_KINDS, createModel } from '@fm/layers';
import { fit } from '@fm/train';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareData } from '../src/prepare.js';
import type { RunSummary, SessionConfig } from '../src/session.js';
import { fillControls, openApp, outDir, skipBrowserSuites, switchBackend, warnIfNoChromium, type OpenApp } from './chromium.js';

warnIfNoChromium('the model-zoo e2e test');

const base: Omit<SessionConfig, 'model'> = {
  data: { kind: 'synthetic', users: 60, items: 40, density: 0.3, rank: 2, noise: 0.2, seed: 5 },
  embeddingDim: 4,
  optimizer: 'adam',
  learningRate: 0.02,
  epochs: 3,
  batchSize: 64,
  seed: 3,
};

describe.skipIf(skipBrowserSuites)('every model kind in the page on wasm', () => {
  let app: OpenApp | undefined;
  let page: Page;

  beforeAll(async () => {
    app = await openApp();
    page = app.page;
    await switchBackend(page, 'wasm');
  });

  afterAll(async () => {
    await app?.close();
  });

  it('lists every kind', async () => {
    const offered = await page.$$eval('#model option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    expect([...offered].sort()).toEqual([...MODEL_KINDS].sort());
  });

  it("ffm with per-example AdaGrad trains through the WebAssembly SIMD step, as fit() in Node does", async () => {
    const config: SessionConfig = { ...base, model: 'ffm', optimizer: 'adagrad', learningRate: 0.05, batchSize: 1 };
    await fillControls(page, config);
    await page.click('#start');
    await page.waitForSelector('body[data-phase="done"], body[data-phase="error"]', { timeout: 180_000 });
    const failure = await page.textContent('#train-error');
    expect(await page.getAttribute('body', 'data-phase'), failure ?? '').toBe('done');
    const run = (await page.evaluate(() => window.__fmLastRun)) as RunSummary;
    expect(run.engine.engine).toBe('native');
    expect(run.engine.reason).toContain('WebAssembly SIMD');
    expect(run.losses[2] as number).toBeLessThan(run.losses[0] as number);
    // the reference: the same session's fit() here in Node (the native engine does not depend on the backend)
    await tf.setBackend('cpu');
    const prepared = prepareData(config.data, { seed: config.seed, testFraction: 0.2 });
    const model = createModel('ffm', { fieldDims: prepared.dataset.schema.fieldDims, embeddingDim: 4, width: prepared.dataset.maxRowLength, seed: config.seed });
    try {
      const ref = await fit(model, prepared.train, {
        task: prepared.task, epochs: 3, seed: config.seed, batchSize: 1, optimizer: 'adagrad', learningRate: 0.05, earlyStopping: false, validation: prepared.test,
      });
      expect(ref.engineReason).toContain('WebAssembly SIMD');
      ref.history.forEach((h, e) => expect(Math.abs((run.losses[e] as number) - h.loss)).toBeLessThan(1e-5 * Math.max(1, Math.abs(h.loss))));
    } finally {
      model.dispose();
    }
  }, 200_000);

  for (const model of MODEL_KINDS) {
    it(`${model} trains`, async () => {
      await fillControls(page, { ...base, model });
      await page.click('#start');
      await page.waitForSelector('body[data-phase="done"], body[data-phase="error"]', { timeout: 180_000 });
      const failure = await page.textContent('#train-error');
      expect(await page.getAttribute('body', 'data-phase'), failure ?? '').toBe('done');
      const run = (await page.evaluate(() => window.__fmLastRun)) as RunSummary;
      expect(run.model).toBe(model);
      expect(run.backend).toBe('wasm');
      expect(run.losses).toHaveLength(3);
      expect(run.losses.every((l) => Number.isFinite(l))).toBe(true);
      expect(run.losses[2] as number).toBeLessThan(run.losses[0] as number);
      expect(Number.isFinite(run.metrics.rmse)).toBe(true);
      if (model === 'fm' || model === 'deepfm' || model === 'dcn') await page.screenshot({ path: `${outDir}zoo-${model}.png`, fullPage: true });
    }, 200_000);
  }
});
