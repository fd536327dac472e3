/**
 * MCMC (Bayesian FM) as a solver choice in the page, on the wasm backend (issue 10): the solver select
 * hides the gradient settings, the chain chart gets one point per iteration for the sampled training
 * RMSE and for the test RMSE of the running posterior mean, drawn as it goes, and the figures equal
 * those of @fm/train `fit` run here in Node on the same data and seed. Screenshots go to
 * apps/web/test-output/.
 */
import * as tf from '@tensorflow/tfjs';
import { createModel } from '@fm/layers';
import { fit, predict, type FitResult } from '@fm/train';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clipToLabels } from '../src/metrics.js';
import { prepareData, type PreparedData } from '../src/prepare.js';
import type { RunSummary, SessionConfig } from '../src/session.js';
import type { ChainSeries } from '../src/views.js';
import { fillControls, openApp, outDir, skipBrowserSuites, switchBackend, warnIfNoChromium, type OpenApp } from './chromium.js';

warnIfNoChromium('the MCMC e2e test');

const CONFIG: SessionConfig = {
  data: { kind: 'synthetic', users: 120, items: 80, density: 0.15, rank: 3, noise: 0.2, seed: 42 },
  model: 'fm',
  solver: 'mcmc',
  embeddingDim: 4,
  optimizer: 'adam',
  learningRate: 0.01,
  epochs: 15,
  burnIn: 5,
  batchSize: 256,
  seed: 7,
};

const visible = (page: Page, input: string): Promise<boolean> => page.isVisible(`label:has(${input})`);

function rmseOf(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let se = 0;
  for (let i = 0; i < y.length; i++) se += ((pred[i] as number) - (y[i] as number)) ** 2;
  return Math.sqrt(se / y.length);
}

describe.skipIf(skipBrowserSuites)('MCMC in the page on wasm', () => {
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

  it('shows iterations and burn-in for MCMC and hides learning rate and L2; offers MCMC only for the models it trains', async () => {
    await page.selectOption('#model', 'fm');
    await page.selectOption('#solver', 'adam');
    for (const id of ['#lr', '#l2', '#epochs', '#batch']) expect(await visible(page, id)).toBe(true);
    for (const id of ['#iterations', '#burn-in']) expect(await visible(page, id)).toBe(false);
    await page.selectOption('#solver', 'mcmc');
    for (const id of ['#lr', '#l2', '#epochs', '#batch']) expect(await visible(page, id)).toBe(false);
    for (const id of ['#iterations', '#burn-in']) expect(await visible(page, id)).toBe(true);
    expect(await page.inputValue('#burn-in')).toMatch(/^\d+$/);
    await page.selectOption('#solver', 'als');
    expect(await visible(page, '#l2')).toBe(true);
    expect(await visible(page, '#burn-in')).toBe(false);
    // FFM has no MCMC: the options are disabled and the select falls back to a gradient solver
    await page.selectOption('#model', 'ffm');
    expect(await page.inputValue('#solver')).toBe('adam');
    expect(await page.$eval('#solver option[value="mcmc"]', (o) => (o as HTMLOptionElement).disabled)).toBe(true);
    await page.selectOption('#model', 'mf');
    expect(await page.$eval('#solver option[value="mcmc"]', (o) => (o as HTMLOptionElement).disabled)).toBe(false);
  });

  it('trains by MCMC with a live chart of the sampled training RMSE and the posterior-mean test RMSE, equal to fit in Node', async () => {
    await fillControls(page, CONFIG);
    // Record the number of points the chain chart held at every redraw, from inside the page.
    await page.evaluate(() => {
      const w = window as unknown as { __chainDraws: number[] };
      w.__chainDraws = [];
      const canvas = document.getElementById('chain-chart') as HTMLCanvasElement;
      new MutationObserver((records) => {
        for (const r of records) {
          if (r.oldValue) w.__chainDraws.push((JSON.parse(r.oldValue) as { train: number[] }).train.length);
        }
      }).observe(canvas, { attributes: true, attributeFilter: ['data-series'], attributeOldValue: true });
      delete window.__fmLastRun;
    });
    await page.click('#start');
    await page.waitForSelector('body[data-phase="done"], body[data-phase="error"]', { timeout: 180_000 });
    const failure = await page.textContent('#train-error');
    expect(await page.getAttribute('body', 'data-phase'), failure ?? '').toBe('done');
    await page.screenshot({ path: `${outDir}mcmc.png`, fullPage: true });

    const run = (await page.evaluate(() => window.__fmLastRun)) as RunSummary;
    expect(run.backend).toBe('wasm');
    expect(run.solver).toBe('mcmc');
    expect(await page.isVisible('#chain-chart')).toBe(true);
    expect(await page.isVisible('#loss-chart')).toBe(false);
    const series = JSON.parse((await page.getAttribute('#chain-chart', 'data-series')) ?? '{}') as ChainSeries;
    const draws = [...((await page.evaluate(() => (window as unknown as { __chainDraws: number[] }).__chainDraws)) ?? []), series.train.length];
    // one point per iteration on both lines, and a redraw after every iteration
    expect(series.iteration).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(series.train).toHaveLength(15);
    expect(series.test).toHaveLength(15);
    expect(series.burnIn).toBe(5);
    for (let n = 1; n <= 15; n++) expect(draws).toContain(n);

    // The reference: fit() here in Node on the same data, split and seed.
    await tf.setBackend('cpu');
    const prepared: PreparedData = prepareData(CONFIG.data, { seed: CONFIG.seed, testFraction: 0.2 });
    const model = createModel('fm', { fieldDims: prepared.dataset.schema.fieldDims, embeddingDim: 4, width: prepared.dataset.maxRowLength, seed: CONFIG.seed });
    try {
      const ref: FitResult = await fit(model, prepared.train, { task: 'regression', solver: 'mcmc', epochs: 15, seed: CONFIG.seed, bayes: { burnIn: 5 }, validation: prepared.test });
      expect(ref.history).toHaveLength(15);
      ref.history.forEach((h, i) => {
        expect(Math.abs((series.train[i] as number) - Math.sqrt(h.loss))).toBeLessThan(1e-6);
        expect(Math.abs((series.test[i] as number) - (h.valMetrics?.['rmse'] as number))).toBeLessThan(1e-6);
      });
      // the final test RMSE shown (chart, metrics table, status line) is the Bayesian model's
      const refRmse = rmseOf(clipToLabels(await predict(model, prepared.test), prepared.train.labels), prepared.test.labels);
      expect(Math.abs((series.test[14] as number) - refRmse)).toBeLessThan(1e-6);
      expect(Math.abs((run.metrics.rmse as number) - refRmse)).toBeLessThan(1e-6);
      expect(await page.textContent('#status')).toContain(`final test RMSE ${refRmse.toFixed(4)}`);
      expect(await page.locator('#metrics tbody tr').first().textContent()).toBe(`RMSE${refRmse.toFixed(4)}`);
      // and it beats the constant predictor (the training mean)
      const mean = prepared.train.labels.reduce((a, b) => a + b, 0) / prepared.train.numRows;
      expect(refRmse).toBeLessThan(rmseOf(new Float32Array(prepared.test.numRows).fill(mean), prepared.test.labels));

      // the engine line says what ran
      expect(await page.textContent('#engine-name')).toBe('mcmc');
      expect(await page.textContent('#engine-detail')).toMatch(/Gibbs sampling .* 15 iterations, burn-in 5; predictions average 10 kept samples/);

      // the first user's rated items are predicted by the Bayesian model (the average over the samples)
      const c = prepared.catalog;
      expect(c).toBeDefined();
      const rows: number[] = [];
      c?.rowUser.forEach((u, r) => {
        if (u === 0) rows.push(r);
      });
      const want = Array.from(await predict(model, prepared.dataset.select(rows)), (x) => x.toFixed(3)).sort();
      const shown = (await page.$$eval('#rated tbody tr td:nth-child(3)', (tds) => tds.map((td) => td.textContent ?? ''))).sort();
      expect(shown).toEqual(want);
      expect(await page.locator('#recs tbody tr').count()).toBe(10);
    } finally {
      model.dispose();
    }
  });

  it('trains LR and MF by MCMC, and FM by ALS (iterations and L2, no burn-in)', async () => {
    for (const cfg of [
      { ...CONFIG, model: 'lr' as const, epochs: 4, burnIn: 1 },
      { ...CONFIG, model: 'mf' as const, epochs: 4, burnIn: 1 },
      { ...CONFIG, solver: 'als' as const, epochs: 4, l2: 5 },
    ]) {
      await fillControls(page, cfg);
      await page.click('#start');
      await page.waitForSelector('body[data-phase="done"], body[data-phase="error"]', { timeout: 120_000 });
      expect(await page.getAttribute('body', 'data-phase'), (await page.textContent('#train-error')) ?? '').toBe('done');
      const run = (await page.evaluate(() => window.__fmLastRun)) as RunSummary;
      expect([run.model, run.solver, run.engine.engine]).toEqual([cfg.model, cfg.solver, cfg.solver]);
      const series = JSON.parse((await page.getAttribute('#chain-chart', 'data-series')) ?? '{}') as ChainSeries;
      expect(series.test.filter((v) => v !== null && Number.isFinite(v))).toHaveLength(4);
    }
  });

  it('logged no errors in the console', () => {
    expect(app?.consoleErrors).toEqual([]);
  });
});
