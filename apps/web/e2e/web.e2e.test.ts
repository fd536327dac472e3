/**
 * End-to-end test of the page in Debian's Chromium (see ./chromium.ts): trains on the synthetic set with a
 * fixed seed on the cpu backend and compares the page's metrics with the same session run in Node; pause
 * and resume, save/load, file input and parse errors. Screenshots go to apps/web/test-output/.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSession, summarize, type RunSummary, type SessionConfig } from '../src/session.js';
import { fillControls, openApp, outDir, skipBrowserSuites, warnIfNoChromium, type OpenApp } from './chromium.js';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

warnIfNoChromium('the browser e2e test');

/** The run both the page and Node perform. */
const CONFIG: SessionConfig = {
  data: { kind: 'synthetic', users: 120, items: 80, density: 0.15, rank: 3, noise: 0.2, seed: 42 },
  model: 'fm',
  embeddingDim: 8,
  optimizer: 'adam',
  learningRate: 0.02,
  epochs: 6,
  batchSize: 64,
  seed: 7,
};

const rowsOf = (page: Page, table: string): Promise<number> => page.locator(`${table} tbody tr`).count();

describe.skipIf(skipBrowserSuites)('web app in Chromium', () => {
  let app: OpenApp | undefined;
  let page: Page;

  beforeAll(async () => {
    app = await openApp();
    page = app.page;
  });

  afterAll(async () => {
    await app?.close();
  });

  it('reports a backend and switches to cpu from the control', async () => {
    expect(await page.textContent('#backend-name')).toMatch(/^(webgpu|webgl|wasm|cpu)$/);
    await page.selectOption('#backend-select', 'wasm');
    await page.waitForFunction(() => document.getElementById('backend-name')?.textContent === 'wasm', undefined, { timeout: 30_000 });
    await page.selectOption('#backend-select', 'cpu');
    await page.waitForFunction(() => document.getElementById('backend-name')?.textContent === 'cpu', undefined, { timeout: 30_000 });
  });

  it('trains on synthetic data, pauses and resumes, and fills the views and tables', async () => {
    await fillControls(page, CONFIG);
    // Training this small set takes about a second, too fast to catch from outside: press Pause from
    // inside the page the moment epoch 3 is published (the page waits a frame after each epoch).
    await page.evaluate(() => {
      new MutationObserver((_, obs) => {
        if (document.body.dataset['epoch'] === '3') {
          obs.disconnect();
          document.getElementById('pause')?.click();
        }
      }).observe(document.body, { attributes: true, attributeFilter: ['data-epoch'] });
    });
    await page.click('#start');
    await page.waitForSelector('body[data-phase="paused"]', { timeout: 120_000 });
    const pausedAt = await page.getAttribute('body', 'data-epoch');
    expect(pausedAt).toBe('3');
    expect(await page.textContent('#status')).toMatch(/epoch 3\/6 .* — paused$/);
    await page.screenshot({ path: `${outDir}training.png`, fullPage: true });
    await new Promise((r) => setTimeout(r, 600));
    // Paused means no progress.
    expect(await page.getAttribute('body', 'data-epoch')).toBe(pausedAt);
    await page.click('#pause');
    await page.waitForSelector('body[data-phase="done"]', { timeout: 180_000 });
    await page.screenshot({ path: `${outDir}trained.png`, fullPage: true });

    const run = (await page.evaluate(() => window.__fmLastRun)) as RunSummary | undefined;
    expect(run).toBeDefined();
    if (!run) return;
    expect(run.backend).toBe('cpu');
    expect(run.epochs).toBe(CONFIG.epochs);
    expect(run.losses.length).toBe(CONFIG.epochs);
    expect(run.losses[run.losses.length - 1] as number).toBeLessThan(run.losses[0] as number);
    expect(run.metrics.rmse).toBeGreaterThan(0);
    expect(await rowsOf(page, '#recs')).toBe(10);
    expect(await rowsOf(page, '#similar')).toBe(10);
    expect(await rowsOf(page, '#rated')).toBeGreaterThan(0);
    expect(await rowsOf(page, '#metrics')).toBeGreaterThanOrEqual(5);
    // Another user's recommendations replace the table.
    await page.selectOption('#user-select', '3');
    await page.waitForFunction(() => document.querySelectorAll('#recs tbody tr').length === 10);

    // The same session in Node, same seed and backend, gives the same metrics.
    await tf.setBackend('cpu');
    const node = await runSession(CONFIG);
    const summary = summarize(CONFIG, node);
    node.model.dispose();
    const close = (a: number | undefined, b: number | undefined): void => {
      expect(a).toBeDefined();
      expect(Math.abs((a as number) - (b as number))).toBeLessThan(1e-3 * Math.max(1, Math.abs(b as number)));
    };
    close(run.metrics.rmse, summary.metrics.rmse);
    close(run.metrics.mae, summary.metrics.mae);
    close(run.metrics.hr10, summary.metrics.hr10);
    close(run.metrics.ndcg10, summary.metrics.ndcg10);
    close(run.metrics.map10, summary.metrics.map10);
    run.losses.forEach((l, i) => close(l, summary.losses[i]));
  });

  it('saves the model to IndexedDB and loads it back', async () => {
    await page.click('#save-idb');
    await page.waitForSelector('body[data-store="saved-indexeddb"]', { timeout: 30_000 });
    const before = await page.locator('#metrics tbody tr').first().textContent();
    await page.click('#load-idb');
    await page.waitForSelector('body[data-store="loaded"]', { timeout: 30_000 });
    expect(await page.textContent('#store-status')).toMatch(/loaded FM/);
    // Same weights, same data: the same first metric (RMSE).
    expect(await page.locator('#metrics tbody tr').first().textContent()).toBe(before);
  });

  it('downloads the model (model.json + weights) and loads it back from those files', async () => {
    const downloads: import('playwright-core').Download[] = [];
    const got2 = new Promise<void>((resolve) => {
      page.on('download', (d) => {
        downloads.push(d);
        if (downloads.length === 2) resolve();
      });
    });
    await page.click('#download');
    await got2;
    const files: string[] = [];
    for (const d of downloads) {
      const path = `${outDir}${d.suggestedFilename()}`;
      await d.saveAs(path);
      files.push(path);
    }
    expect(files.map((f) => f.split('/').pop()).sort()).toEqual(['fm-model.json', 'fm-model.weights.bin']);
    const before = await page.locator('#metrics tbody tr').first().textContent();
    await page.evaluate(() => {
      document.body.dataset['store'] = '';
    });
    await page.setInputFiles('#load-files', files);
    await page.waitForSelector('body[data-store="loaded"]', { timeout: 30_000 });
    expect(await page.locator('#metrics tbody tr').first().textContent()).toBe(before);
  });

  it('loads a MovieLens u.data file through the file input (parsed in a worker) and trains on it', async () => {
    // committed as u.data.fixture (no repo file carries a MovieLens name); the page sees "u.data"
    await page.setInputFiles('#file-input', { name: 'u.data', mimeType: 'text/plain', buffer: readFileSync(fixture('u.data.fixture')) });
    await page.waitForSelector('body[data-parse="done"]', { timeout: 30_000 });
    expect(await page.textContent('#data-status')).toMatch(/u\.data: 96 ratings, 12 users, 10 items/);
    expect(await page.isHidden('#data-error')).toBe(true);
    await page.fill('#epochs', '3');
    await page.fill('#batch', '16');
    await page.click('#start');
    await page.waitForSelector('body[data-phase="done"]', { timeout: 60_000 });
    const run = (await page.evaluate(() => window.__fmLastRun)) as RunSummary;
    expect(run.data).toBe('u.data');
    expect(run.metrics.trainRows + run.metrics.testRows).toBe(96);
    expect(await rowsOf(page, '#rated')).toBeGreaterThan(0);
    await page.screenshot({ path: `${outDir}movielens-fixture.png`, fullPage: true });
  });

  it('shows a malformed file error with its line number', async () => {
    await page.setInputFiles('#file-input', fixture('bad.data'));
    await page.waitForSelector('body[data-parse="error"]', { timeout: 30_000 });
    const text = (await page.textContent('#data-error')) ?? '';
    expect(text).toMatch(/Line 3 of bad\.data/);
    expect(text).toMatch(/bad\.data:3:/);
    expect(text).toContain('four');
    await page.screenshot({ path: `${outDir}bad-file.png`, fullPage: true });
  });

  it('logged no errors in the console', () => {
    expect(app?.consoleErrors).toEqual([]);
  });
});
