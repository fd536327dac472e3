/**
 * Every model kind of @fm/layers trains in the page on the wasm backend (issue 12): the model select
 * lists them all, and a short run of each on a small synthetic set finishes with finite, falling training
 * losses and finite test metrics. Screenshots go to apps/web/test-output/.
 */
import { MODEL_KINDS } from '@fm/layers';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  for (const model of MODEL_KINDS) {
    it(`${model} trains`, async () => {
      await fillControls(page, { ...base, model });
      await page.click('#start');
      await page.waitForSelector('body[data-phase="done"], body[data-phase="failed"]', { timeout: 180_000 });
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
