/**
 * The page's GPU code paths, the only ones we can test without a GPU: headless Chromium trains FM and
 * AFM on webgpu (SwiftShader's WebGPU adapter, `--enable-unsafe-webgpu`) and on webgl (SwiftShader
 * through ANGLE), and each run must match the same run on wasm: per-epoch training and validation
 * losses and the final test metrics, within {@link RELATIVE_TOLERANCE} (see compare-runs.ts for why).
 * The same algorithm must run everywhere: on GPU backends `fit` trains through its tfjs engine, and
 * the wasm reference is told to use it too (`?engine=tfjs`). SwiftShader timings say nothing about a
 * real GPU. Screenshots of every trained page go to apps/web/test-output/gpu-<backend>-<model>.png.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSession, summarize, type ModelKind, type RunSummary, type SessionConfig } from '../src/session.js';
import { openApp, outDir, skipBrowserSuites, trainInPage, warnIfNoChromium, type OpenApp } from './chromium.js';
import { compareRuns, largestRelativeDifference, RELATIVE_TOLERANCE } from './compare-runs.js';

warnIfNoChromium('the WebGPU/WebGL e2e test');

/** Small on purpose: SwiftShader compiles every shader on the CPU, and that dominates the time. */
const RUN: Omit<SessionConfig, 'model'> = {
  data: { kind: 'synthetic', users: 60, items: 40, density: 0.25, rank: 3, noise: 0.2, seed: 42 },
  embeddingDim: 8,
  optimizer: 'adam',
  learningRate: 0.02,
  epochs: 3,
  batchSize: 32,
  seed: 7,
};
const MODELS: ModelKind[] = ['fm', 'afm'];
const GPU_BACKENDS = ['webgpu', 'webgl'] as const;

const decreasing = (losses: number[]): boolean => losses.every((l, i) => i === 0 || l < (losses[i - 1] as number));

describe.skipIf(skipBrowserSuites)('GPU backends in Chromium: the same training as on wasm', () => {
  /** The page as users get it: fit chooses the engine. */
  let page: OpenApp | undefined;
  /** The page told to train with fit's tfjs engine (`?engine=tfjs`): the wasm reference. */
  let tfjsPage: OpenApp | undefined;
  const runs = new Map<string, RunSummary>();
  const key = (backend: string, model: ModelKind, path: 'default' | 'tfjs'): string => `${path}/${backend}/${model}`;

  beforeAll(async () => {
    page = await openApp();
    // No adapter must fail, not skip: this suite is the only check of the WebGPU path.
    const adapter = await page.page.evaluate(async () => {
      if (!('gpu' in navigator)) return 'no navigator.gpu';
      const a = await navigator.gpu.requestAdapter();
      const info = (a as { info?: { vendor?: string; architecture?: string } } | null)?.info;
      return a ? `ok: ${info?.vendor ?? '?'} ${info?.architecture ?? '?'}` : 'requestAdapter() returned null';
    });
    if (!adapter.startsWith('ok')) {
      throw new Error(
        `\n\n!!!!!!!!!! Chromium gave no WebGPU adapter (${adapter}) with --enable-unsafe-webgpu: the WebGPU tests FAIL. ` +
          `Headless Chromium (Debian's chromium ≥ 150) normally offers SwiftShader's adapter (google swiftshader) on a secure origin. !!!!!!!!!!\n\n`,
      );
    }
    console.log(`WebGPU adapter: ${adapter.slice(4)}`);
    tfjsPage = await openApp('?engine=tfjs');
  });

  afterAll(async () => {
    await page?.close();
    await tfjsPage?.close();
  });

  for (const model of MODELS) {
    it(`${model.toUpperCase()} on wasm with the tfjs engine (the reference)`, async () => {
      const run = await trainInPage((tfjsPage as OpenApp).page, 'wasm', { ...RUN, model });
      expect(run.backend).toBe('wasm');
      expect(run.engine.engine).toBe('tfjs');
      expect(run.epochs).toBe(RUN.epochs);
      expect(decreasing(run.losses)).toBe(true);
      await (tfjsPage as OpenApp).page.screenshot({ path: `${outDir}gpu-wasm-${model}.png`, fullPage: true });
      runs.set(key('wasm', model, 'tfjs'), run);
    });
  }

  for (const backend of GPU_BACKENDS) {
    for (const model of MODELS) {
      it(`${model.toUpperCase()} on ${backend} matches wasm`, async () => {
        const p = (page as OpenApp).page;
        const run = await trainInPage(p, backend, { ...RUN, model });
        await p.screenshot({ path: `${outDir}gpu-${backend}-${model}.png`, fullPage: true });
        expect(run.backend).toBe(backend);
        // On GPU backends fit trains through tfjs, chosen by fit itself (no ?engine in this page).
        expect(run.engine.engine).toBe('tfjs');
        expect(await p.textContent('#engine-name')).toBe('tfjs');
        expect(await p.textContent('#backend-detail')).toMatch(/device: /);
        expect(run.epochs).toBe(RUN.epochs);
        expect(decreasing(run.losses)).toBe(true);
        const ref = runs.get(key('wasm', model, 'tfjs'));
        expect(ref, 'the wasm reference run').toBeDefined();
        console.log(`${model} on ${backend} vs wasm: largest relative difference ${largestRelativeDifference(run, ref as RunSummary).toExponential(2)}`);
        expect(compareRuns(run, ref as RunSummary)).toEqual([]);
        runs.set(key(backend, model, 'default'), run);
      });
    }
  }

  it(`the tolerance (${RELATIVE_TOLERANCE}) is tight enough to catch a 0.1 % change of the learning rate`, async () => {
    // In Node on wasm: the same FM session reproduces the page's wasm run within the tolerance, and
    // the same session with the learning rate × 1.001 does not.
    const ref = runs.get(key('wasm', 'fm', 'tfjs'));
    expect(ref, 'the wasm reference run').toBeDefined();
    await tf.setBackend('wasm');
    const same = await runSession({ ...RUN, model: 'fm', engine: 'tfjs' });
    const nudged = await runSession({ ...RUN, model: 'fm', engine: 'tfjs', learningRate: RUN.learningRate * 1.001 });
    const [a, b] = [summarize({ ...RUN, model: 'fm' }, same), summarize({ ...RUN, model: 'fm' }, nudged)];
    same.model.dispose();
    nudged.model.dispose();
    console.log(`FM in Node on wasm vs the page: ${largestRelativeDifference(a, ref as RunSummary).toExponential(2)}; with lr × 1.001: ${largestRelativeDifference(b, ref as RunSummary).toExponential(2)}`);
    expect(compareRuns(a, ref as RunSummary)).toEqual([]);
    expect(compareRuns(b, ref as RunSummary).length).toBeGreaterThan(0);
  });

  // The default path: fit chooses the engine. On wasm it trains FM with the native engine (TypeScript
  // kernels) and AFM with tfjs; on webgpu/webgl both with tfjs. Since the one-loop engine (issue 9)
  // both engines honour the same optimizer, learning rate, L2 and batch size with the same trajectory,
  // so the backend must not change the algorithm: the wasm runs must match the GPU runs. (Before it,
  // FM on wasm trained with per-example SGD whatever the page asked for.)
  it('the default path (fit chooses the engine) on wasm matches the webgpu and webgl runs', async () => {
    const p = (page as OpenApp).page;
    for (const model of MODELS) {
      const run = await trainInPage(p, 'wasm', { ...RUN, model });
      await p.screenshot({ path: `${outDir}gpu-default-wasm-${model}.png`, fullPage: true });
      expect(run.engine.engine).toBe(model === 'fm' ? 'native' : 'tfjs');
      expect(await p.textContent('#engine-name')).toBe(run.engine.engine);
      expect(await p.textContent('#engine-detail')).toBe(run.engine.reason);
      for (const backend of GPU_BACKENDS) {
        const gpu = runs.get(key(backend, model, 'default'));
        expect(gpu, `the ${backend} ${model} run`).toBeDefined();
        console.log(`${model} default path: wasm (${run.engine.engine}) vs ${backend}: largest relative difference ${largestRelativeDifference(run, gpu as RunSummary).toExponential(2)}`);
        expect(compareRuns(run, gpu as RunSummary), `${model}: wasm (${run.engine.engine} engine) vs ${backend}`).toEqual([]);
      }
    }
  });

  it('lost no WebGPU device, never read a GPU tensor synchronously, and logged no errors in the console', async () => {
    expect(await page?.page.getAttribute('body', 'data-device-lost')).toBeNull();
    // tfjs-backend-webgpu warns on the first synchronous read (dataSync), the path that kills SwiftShader's GPU process.
    expect(page?.consoleWarnings.filter((w) => /synchronously reading data from GPU/.test(w))).toEqual([]);
    expect(page?.consoleErrors).toEqual([]);
    expect(tfjsPage?.consoleErrors).toEqual([]);
  });
});
