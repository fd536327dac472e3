/**
 * Debian's Chromium for the end-to-end tests (never a downloaded browser), driven through
 * playwright-core against the built page (dist/, built once by e2e/build-app.ts) served on 127.0.0.1.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { RunSummary, SessionConfig } from '../src/session.js';
import { serveStatic } from './static-server.js';

export const CHROMIUM = '/usr/bin/chromium';
export const appDir = fileURLToPath(new URL('../', import.meta.url));
/** Screenshots and downloads (ignored by git). */
export const outDir = fileURLToPath(new URL('../test-output/', import.meta.url));

export const haveChromium = existsSync(CHROMIUM);
/** Without Chromium the suites are skipped locally (with a loud message) and fail in CI. */
export const skipBrowserSuites = !haveChromium && !process.env['CI'];

/**
 * Headless flags. `--enable-unsafe-webgpu` gives navigator.gpu a WebGPU adapter on SwiftShader (vendor
 * google, architecture swiftshader); WebGL runs on SwiftShader through ANGLE without any flag.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

export function warnIfNoChromium(suite: string): void {
  if (haveChromium) return;
  console.warn(
    `\n\n!!!!!!!!!! ${CHROMIUM} is missing: ${suite} ${process.env['CI'] ? 'FAILS (CI is set)' : 'is SKIPPED'}. Install it with: apt-get install -y chromium !!!!!!!!!!\n\n`,
  );
}

/** The page open in Chromium, with every console error and uncaught exception it logged. */
export interface OpenApp {
  browser: Browser;
  page: Page;
  consoleErrors: string[];
  consoleWarnings: string[];
  close(): Promise<void>;
}

/** Serves dist/, launches Chromium and opens the page (`query`, e.g. '?engine=tfjs'), ready to use. */
export async function openApp(query = ''): Promise<OpenApp> {
  if (!haveChromium) throw new Error(`${CHROMIUM} is missing and CI is set: install Debian's chromium (apt-get install -y chromium)`);
  mkdirSync(outDir, { recursive: true });
  const server = await serveStatic(`${appDir}dist`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1100 }, acceptDownloads: true });
  const consoleErrors: string[] = [];
  const consoleWarnings: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
    if (m.type() === 'warning') consoleWarnings.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(server.url + query);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  return {
    browser,
    page,
    consoleErrors,
    consoleWarnings,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}

/** Fills the page's data and training controls from a session config (synthetic data only). */
export async function fillControls(page: Page, c: SessionConfig): Promise<void> {
  if (c.data.kind !== 'synthetic') throw new Error('fillControls: synthetic data only');
  await page.selectOption('#data-source', 'synthetic');
  await page.fill('#syn-users', String(c.data.users));
  await page.fill('#syn-items', String(c.data.items));
  await page.fill('#syn-density', String(c.data.density));
  await page.fill('#syn-rank', String(c.data.rank));
  await page.fill('#syn-noise', String(c.data.noise));
  await page.fill('#syn-seed', String(c.data.seed));
  await page.selectOption('#model', c.model);
  await page.fill('#dim', String(c.embeddingDim));
  await page.selectOption('#optimizer', c.optimizer);
  await page.fill('#lr', String(c.learningRate));
  await page.fill('#epochs', String(c.epochs));
  await page.fill('#batch', String(c.batchSize));
  await page.fill('#seed', String(c.seed));
  await page.fill('#l2', c.l2 === undefined ? '' : String(c.l2));
}

/** Switches the page's backend control and waits until the header reports it. */
export async function switchBackend(page: Page, backend: string): Promise<void> {
  await page.selectOption('#backend-select', backend);
  await page.waitForFunction(
    (b) => document.getElementById('backend-name')?.textContent === b || !(document.getElementById('train-error') as HTMLElement).hidden,
    backend,
    { timeout: 60_000 },
  );
  const name = await page.textContent('#backend-name');
  if (name !== backend) throw new Error(`the page could not switch to ${backend}: ${(await page.textContent('#train-error')) ?? ''}`);
}

/**
 * Trains `config` in the page on `backend` (switched from the control) and returns the page's summary
 * of the run; a run that ends in "failed" throws the page's error message.
 */
export async function trainInPage(page: Page, backend: string, config: SessionConfig, timeoutMs = 280_000): Promise<RunSummary> {
  await switchBackend(page, backend);
  await fillControls(page, config);
  await page.evaluate(() => {
    delete window.__fmLastRun;
    document.body.dataset['phase'] = '';
  });
  await page.click('#start');
  await page.waitForSelector('body[data-phase="done"], body[data-phase="error"]', { timeout: timeoutMs });
  if ((await page.getAttribute('body', 'data-phase')) === 'error') {
    throw new Error(`training ${config.model} on ${backend} failed in the page: ${(await page.textContent('#train-error')) ?? ''}`);
  }
  const run = await page.evaluate(() => window.__fmLastRun);
  if (!run) throw new Error('the page finished but published no run summary (window.__fmLastRun)');
  return run;
}
