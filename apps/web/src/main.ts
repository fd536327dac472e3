// The page: wires the controls to the shared training session (session.ts) and draws the live views.
import './styles.css';
import * as tf from '@tensorflow/tfjs';
import { predict } from '@fm/train';
import { chooseBackend, watchDeviceLoss, type BackendChoice } from './backend.js';
import { byId, fillSelect, fillTable, nextFrame, numberInput, showError, type Cell } from './dom.js';
import { recommendationsFor, similarTo } from './explore.js';
import { computeMetrics, type SessionMetrics } from './metrics.js';
import { checkCompatible, restoreModel, storeModel } from './model-store.js';
import { datasetOf, type ParsedFile, type ParseFailure } from './parse-file.js';
import { prepareData, type DataSource, type PreparedData } from './prepare.js';
import { runSession, summarize, type EngineReport, type ModelKind, type OptimizerKind, type RunSummary, type SessionConfig } from './session.js';
import { LiveViews, readFactors } from './views.js';

declare global {
  interface Window {
    /** The last finished run (JSON-safe), read by the end-to-end test. */
    __fmLastRun?: RunSummary;
  }
}

type Phase = 'idle' | 'parsing' | 'training' | 'paused' | 'done' | 'error';

const ui = {
  dataSource: byId<HTMLSelectElement>('data-source'),
  synthetic: byId<HTMLFieldSetElement>('synthetic-controls'),
  fileControls: byId('file-controls'),
  dropZone: byId('drop-zone'),
  fileInput: byId<HTMLInputElement>('file-input'),
  dataStatus: byId('data-status'),
  dataError: byId('data-error'),
  model: byId<HTMLSelectElement>('model'),
  optimizer: byId<HTMLSelectElement>('optimizer'),
  backendSelect: byId<HTMLSelectElement>('backend-select'),
  backendName: byId('backend-name'),
  backendDetail: byId('backend-detail'),
  engineName: byId('engine-name'),
  engineDetail: byId('engine-detail'),
  start: byId<HTMLButtonElement>('start'),
  pause: byId<HTMLButtonElement>('pause'),
  stop: byId<HTMLButtonElement>('stop'),
  status: byId('status'),
  progress: byId('progress-bar'),
  trainError: byId('train-error'),
  saveIdb: byId<HTMLButtonElement>('save-idb'),
  download: byId<HTMLButtonElement>('download'),
  loadIdb: byId<HTMLButtonElement>('load-idb'),
  loadFiles: byId<HTMLInputElement>('load-files'),
  storeStatus: byId('store-status'),
  metrics: byId<HTMLTableElement>('metrics'),
  userSelect: byId<HTMLSelectElement>('user-select'),
  itemSelect: byId<HTMLSelectElement>('item-select'),
  recs: byId<HTMLTableElement>('recs'),
  rated: byId<HTMLTableElement>('rated'),
  similar: byId<HTMLTableElement>('similar'),
  exploreNote: byId('explore-note'),
};

const views = new LiveViews({
  loss: byId<HTMLCanvasElement>('loss-chart'),
  bias: byId<HTMLCanvasElement>('bias-chart'),
  coef: byId<HTMLCanvasElement>('coef-chart'),
  heat: byId<HTMLCanvasElement>('factor-heatmap'),
  pca: byId<HTMLCanvasElement>('pca-chart'),
});

const state: {
  file?: DataSource;
  prepared?: PreparedData;
  model?: tf.LayersModel;
  config?: SessionConfig;
  abort?: AbortController;
  paused: boolean;
  resume?: () => void;
} = { paused: false };

function setPhase(phase: Phase, text: string): void {
  document.body.dataset['phase'] = phase;
  ui.status.textContent = text;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// ---------------------------------------------------------------- backend and engine

/**
 * `?engine=` in the page's URL is passed to @fm/train `fit` as its `engine` option (fit checks the
 * value); without it fit chooses. The end-to-end test uses it to train on the same engine everywhere.
 */
const requestedEngine = new URLSearchParams(location.search).get('engine') ?? undefined;

function showEngine(r: EngineReport | undefined): void {
  if (!r) {
    ui.engineName.textContent = requestedEngine ?? '—';
    ui.engineDetail.textContent = requestedEngine ? `requested by the page's URL (?engine=${requestedEngine})` : 'chosen by the trainer when training starts';
    return;
  }
  ui.engineName.textContent = r.engine;
  ui.engineDetail.textContent = requestedEngine ? `${r.reason} (?engine=${requestedEngine} in the URL)` : r.reason;
}

function onDeviceLost(message: string): void {
  ui.backendName.textContent = 'webgpu (device lost)';
  document.body.dataset['deviceLost'] = 'true';
  showError(ui.trainError, message);
  console.error(message);
}

async function applyBackend(choice: BackendChoice): Promise<void> {
  ui.backendName.textContent = '…';
  try {
    const r = await chooseBackend(choice);
    ui.backendName.textContent = r.backend;
    ui.backendDetail.textContent = r.detail;
    watchDeviceLoss(onDeviceLost);
    showError(ui.trainError, undefined);
  } catch (e) {
    ui.backendName.textContent = tf.getBackend() ?? 'none';
    ui.backendDetail.textContent = '';
    showError(ui.trainError, `backend ${choice}: ${errorText(e)}`);
    throw e;
  }
}

ui.backendSelect.addEventListener('change', () => {
  void applyBackend(ui.backendSelect.value as BackendChoice).catch(() => undefined);
});

// ---------------------------------------------------------------- data

function showSourceControls(): void {
  const v = ui.dataSource.value;
  ui.synthetic.hidden = v !== 'synthetic';
  ui.fileControls.hidden = v !== 'file';
  if (v === 'file' && !state.file) ui.dataStatus.textContent = 'no file loaded yet';
  else if (v === 'file' && state.file && state.file.kind !== 'toy' && state.file.kind !== 'synthetic') ui.dataStatus.textContent = describeFile(state.file);
  else ui.dataStatus.textContent = v === 'toy' ? '7 ratings of users A, B, C on movies TI, NH, SW, ST (Rendle 2010, fig. 1)' : '';
}
ui.dataSource.addEventListener('change', showSourceControls);

function describeFile(src: DataSource): string {
  if (src.kind === 'interactions') {
    const x = src.interactions;
    const users = new Set(x.user).size;
    const items = new Set(x.item).size;
    return `${src.name}: ${x.length.toLocaleString()} ratings, ${users} users, ${items} items${src.items ? `, ${src.items.size} titles` : ''}`;
  }
  if (src.kind === 'dataset') return `${src.name}: ${src.dataset.numRows.toLocaleString()} rows, ${src.dataset.schema.numFeatures} features (libFM)`;
  return '';
}

function parseInWorker(files: File[]): void {
  if (files.length === 0) return;
  showError(ui.dataError, undefined);
  ui.dataSource.value = 'file';
  showSourceControls();
  ui.dataStatus.textContent = `parsing ${files.map((f) => f.name).join(', ')}…`;
  document.body.dataset['parse'] = 'parsing';
  const worker = new Worker(new URL('./parse-worker.ts', import.meta.url), { type: 'module' });
  const finish = (): void => worker.terminate();
  worker.onerror = (ev) => {
    finish();
    state.file = undefined;
    ui.dataStatus.textContent = 'no file loaded';
    showError(ui.dataError, `the parser failed: ${ev.message}`);
    document.body.dataset['parse'] = 'error';
  };
  worker.onmessage = (ev: MessageEvent<{ ok: true; result: ParsedFile } | { ok: false; error: ParseFailure }>) => {
    finish();
    const msg = ev.data;
    if (!msg.ok) {
      state.file = undefined;
      ui.dataStatus.textContent = 'no file loaded';
      const where = msg.error.line !== undefined ? `Line ${msg.error.line} of ${msg.error.file ?? 'the file'} is malformed.\n` : '';
      showError(ui.dataError, `${where}${msg.error.message}`);
      document.body.dataset['parse'] = 'error';
      return;
    }
    const r = msg.result;
    state.file =
      r.kind === 'interactions'
        ? { kind: 'interactions', name: r.name, interactions: r.interactions, ...(r.items ? { items: new Map(r.items) } : {}) }
        : { kind: 'dataset', name: r.name, dataset: datasetOf(r) };
    ui.dataStatus.textContent = describeFile(state.file);
    document.body.dataset['parse'] = 'done';
  };
  void Promise.all(files.map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() }))).then((payload) => {
    worker.postMessage({ files: payload }, payload.map((p) => p.bytes));
  });
}

ui.fileInput.addEventListener('change', () => parseInWorker(Array.from(ui.fileInput.files ?? [])));
ui.dropZone.addEventListener('dragover', (ev) => {
  ev.preventDefault();
  ui.dropZone.classList.add('over');
});
ui.dropZone.addEventListener('dragleave', () => ui.dropZone.classList.remove('over'));
ui.dropZone.addEventListener('drop', (ev) => {
  ev.preventDefault();
  ui.dropZone.classList.remove('over');
  parseInWorker(Array.from(ev.dataTransfer?.files ?? []));
});
// Dropping a file anywhere else must not navigate away from the page.
window.addEventListener('dragover', (ev) => ev.preventDefault());
window.addEventListener('drop', (ev) => ev.preventDefault());

function readSource(): DataSource {
  switch (ui.dataSource.value) {
    case 'toy':
      return { kind: 'toy' };
    case 'file':
      if (!state.file) throw new Error('choose or drop a ratings file first');
      return state.file;
    default:
      return {
        kind: 'synthetic',
        users: numberInput('syn-users'),
        items: numberInput('syn-items'),
        density: numberInput('syn-density'),
        rank: numberInput('syn-rank'),
        noise: numberInput('syn-noise'),
        seed: numberInput('syn-seed'),
      };
  }
}

function readConfig(): SessionConfig {
  return {
    data: readSource(),
    model: ui.model.value as ModelKind,
    embeddingDim: numberInput('dim'),
    optimizer: ui.optimizer.value as OptimizerKind,
    learningRate: numberInput('lr'),
    epochs: numberInput('epochs'),
    batchSize: numberInput('batch'),
    seed: numberInput('seed'),
    ...(byId<HTMLInputElement>('l2').value.trim() !== '' ? { l2: numberInput('l2') } : {}),
    ...(requestedEngine !== undefined ? { engine: requestedEngine as SessionConfig['engine'] } : {}),
  };
}

// ---------------------------------------------------------------- training

function setRunning(running: boolean): void {
  ui.start.disabled = running;
  ui.pause.disabled = !running;
  ui.stop.disabled = !running;
  ui.saveIdb.disabled = running || !state.model;
  ui.download.disabled = running || !state.model;
  ui.loadIdb.disabled = running;
  ui.loadFiles.disabled = running;
  ui.pause.textContent = 'Pause';
}

function waitWhilePaused(): Promise<void> {
  if (!state.paused) return Promise.resolve();
  return new Promise((resolve) => {
    state.resume = resolve;
  });
}

ui.pause.addEventListener('click', () => {
  state.paused = !state.paused;
  ui.pause.textContent = state.paused ? 'Resume' : 'Pause';
  if (state.paused) setPhase('paused', `${ui.status.textContent ?? ''} — paused`.replace(/( — paused)+$/, ' — paused'));
  else {
    document.body.dataset['phase'] = 'training';
    ui.status.textContent = (ui.status.textContent ?? '').replace(/ — paused$/, '');
    state.resume?.();
  }
});

ui.stop.addEventListener('click', () => {
  state.abort?.abort();
  state.paused = false;
  state.resume?.();
});

async function start(): Promise<void> {
  showError(ui.trainError, undefined);
  let config: SessionConfig;
  try {
    config = readConfig();
    const choice = ui.backendSelect.value as BackendChoice;
    if (choice !== 'auto' && tf.getBackend() !== choice) await applyBackend(choice);
  } catch (e) {
    showError(ui.trainError, errorText(e));
    return;
  }
  const abort = new AbortController();
  state.abort = abort;
  state.paused = false;
  setRunning(true);
  setPhase('training', 'preparing data…');
  ui.progress.style.width = '0%';
  views.reset();
  clearResults();
  showEngine(undefined);
  ui.storeStatus.textContent = '';
  let lastDraw = 0;
  try {
    const result = await runSession(config, {
      signal: abort.signal,
      onPrepared: async (prepared) => {
        state.prepared = prepared;
        setPhase('training', `training ${config.model.toUpperCase()} on ${prepared.train.numRows.toLocaleString()} rows (${tf.getBackend()})…`);
        await nextFrame();
      },
      onBatch: async (b) => {
        views.addBatch(b.epoch - 1 + b.batch / b.batches, b.loss);
        const now = performance.now();
        if (now - lastDraw > 120 || state.paused) {
          lastDraw = now;
          ui.status.textContent = `epoch ${b.epoch}/${config.epochs} · batch ${b.batch}/${b.batches} · loss ${b.loss.toFixed(4)}${state.paused ? ' — paused' : ''}`;
          ui.progress.style.width = `${(100 * (b.epoch - 1 + b.batch / b.batches)) / config.epochs}%`;
          views.drawLoss();
          await nextFrame();
        }
        await waitWhilePaused();
      },
      onEpoch: async (s, model) => {
        views.addEpoch(s);
        views.drawLoss();
        views.drawCoefficients();
        if (state.prepared) views.drawFactors(await readFactors(model, state.prepared), state.prepared.catalog ? 'item' : 'feature');
        document.body.dataset['epoch'] = String(s.epoch);
        ui.status.textContent = `epoch ${s.epoch}/${config.epochs} · loss ${s.loss.toFixed(4)}${s.valLoss !== undefined ? ` · validation ${s.valLoss.toFixed(4)}` : ''} · ${Math.round(s.examplesPerSecond).toLocaleString()} ex/s${state.paused ? ' — paused' : ''}`;
        await nextFrame();
        await waitWhilePaused();
      },
    });
    state.model?.dispose();
    state.model = result.model;
    state.config = config;
    state.prepared = result.prepared;
    window.__fmLastRun = summarize(config, result);
    showEngine(result.engine);
    showMetrics(result.metrics);
    views.drawFactors(await readFactors(result.model, result.prepared), result.prepared.catalog ? 'item' : 'feature');
    await setupExplore();
    ui.progress.style.width = '100%';
    const last = result.history[result.history.length - 1];
    setPhase(
      'done',
      `${result.stopped ? 'stopped' : 'done'} after ${result.history.length} epoch(s) on ${result.backend} (${result.engine.engine} engine)${last ? ` · final loss ${last.loss.toFixed(4)}` : ''}`,
    );
  } catch (e) {
    setPhase('error', 'failed');
    showError(ui.trainError, errorText(e));
    console.error(e);
  } finally {
    state.abort = undefined;
    state.paused = false;
    setRunning(false);
  }
}

ui.start.addEventListener('click', () => void start());

// ---------------------------------------------------------------- results

function clearExplore(): void {
  for (const t of [ui.recs, ui.rated, ui.similar]) fillTable(t.tBodies[0] as HTMLTableSectionElement, []);
  for (const s of [ui.userSelect, ui.itemSelect]) {
    s.replaceChildren();
    s.disabled = true;
  }
  ui.exploreNote.hidden = true;
}

function clearResults(): void {
  fillTable(ui.metrics.tBodies[0] as HTMLTableSectionElement, []);
  clearExplore();
}

function showMetrics(m: SessionMetrics): void {
  const rows: Cell[][] = [];
  const add = (name: string, v: number | undefined): void => {
    if (v !== undefined) rows.push([name, v]);
  };
  add('RMSE', m.rmse);
  add('MAE', m.mae);
  add('AUC', m.auc);
  add('log loss', m.logLoss);
  add('HR@10', m.hr10);
  add('NDCG@10', m.ndcg10);
  add('MAP@10', m.map10);
  if (m.rankedCases !== undefined) rows.push(['ranking protocol', `${m.rankedCases} relevant test pairs, each vs ${m.negatives} sampled unseen items`]);
  if (m.rankingNote) rows.push(['ranking metrics', `n/a: ${m.rankingNote}`]);
  if (state.prepared?.bestRmse !== undefined) rows.push(['planted model RMSE (best achievable)', state.prepared.bestRmse]);
  rows.push(['rows (train / test)', `${m.trainRows.toLocaleString()} / ${m.testRows.toLocaleString()}`]);
  fillTable(ui.metrics.tBodies[0] as HTMLTableSectionElement, rows, 4);
}

async function setupExplore(): Promise<void> {
  const c = state.prepared?.catalog;
  if (!c || !state.model) {
    clearExplore();
    ui.exploreNote.hidden = false;
    ui.exploreNote.textContent = 'This data has no user and item fields (named user and item/movie), so there is nothing to recommend.';
    return;
  }
  const extra = state.prepared?.dataset.schema.fields.filter((_, f) => f !== c.userField && f !== c.itemField).map((f) => f.name) ?? [];
  ui.exploreNote.hidden = extra.length === 0;
  ui.exploreNote.textContent = extra.length
    ? `Recommendations score each item from the user and item features only (${extra.join(', ')} left empty); rated items are predicted from their full rows.`
    : '';
  fillSelect(ui.userSelect, c.userNames.map((n, u) => `${n} (${c.seen[u]?.length ?? 0} rated)`));
  fillSelect(ui.itemSelect, c.itemNames);
  ui.userSelect.disabled = false;
  ui.itemSelect.disabled = false;
  await Promise.all([showUser(0), showItem(0)]);
}

async function showUser(u: number): Promise<void> {
  const { model, prepared } = state;
  if (!model || !prepared) return;
  ui.userSelect.value = String(u);
  try {
    const r = await recommendationsFor(model, prepared, u, 10);
    fillTable(
      ui.recs.tBodies[0] as HTMLTableSectionElement,
      r.recommended.map((x, i) => [String(i + 1), x.name, x.score]),
    );
    fillTable(
      ui.rated.tBodies[0] as HTMLTableSectionElement,
      r.rated.map((x) => [
        x.name,
        Number.isInteger(x.rating) ? { text: String(x.rating), className: 'num' } : x.rating,
        x.predicted,
        x.heldOut ? { text: 'test', className: 'tag' } : '',
      ]),
    );
  } catch (e) {
    fillTable(ui.recs.tBodies[0] as HTMLTableSectionElement, [[errorText(e)]]);
  }
}

async function showItem(i: number): Promise<void> {
  const { model, prepared } = state;
  if (!model || !prepared) return;
  ui.itemSelect.value = String(i);
  try {
    const r = await similarTo(model, prepared, i, 10);
    fillTable(
      ui.similar.tBodies[0] as HTMLTableSectionElement,
      r.map((x, j) => [String(j + 1), x.name, x.score]),
    );
  } catch (e) {
    fillTable(ui.similar.tBodies[0] as HTMLTableSectionElement, [[errorText(e)]]);
  }
}

ui.userSelect.addEventListener('change', () => void showUser(Number(ui.userSelect.value)));
ui.itemSelect.addEventListener('change', () => void showItem(Number(ui.itemSelect.value)));

// ---------------------------------------------------------------- save / load

async function save(where: 'indexeddb' | 'download'): Promise<void> {
  const { model, config, prepared } = state;
  if (!model || !config || !prepared) return;
  try {
    await storeModel(model, where, config, prepared);
    ui.storeStatus.textContent = where === 'indexeddb' ? 'saved to IndexedDB (indexeddb://fm-web-model)' : 'download started (fm-model.json + fm-model.weights.bin)';
    document.body.dataset['store'] = `saved-${where}`;
  } catch (e) {
    ui.storeStatus.textContent = `save failed: ${errorText(e)}`;
  }
}

async function load(from: 'indexeddb' | File[]): Promise<void> {
  try {
    const loaded = await restoreModel(from);
    // The model is explored against the data selected on the page: prepare it when not done yet.
    const config = state.config ?? readConfig();
    const prepared = state.prepared ?? prepareData(readSource(), { seed: config.seed, testFraction: 0.2 });
    try {
      checkCompatible(loaded, prepared);
    } catch (e) {
      loaded.model.dispose();
      throw e;
    }
    state.model?.dispose();
    state.model = loaded.model;
    state.prepared = prepared;
    state.config = config;
    const scores = await predict(loaded.model, prepared.test, { batchSize: 4096 });
    showMetrics(await computeMetrics(loaded.model, prepared, scores, { seed: config.seed }));
    views.drawFactors(await readFactors(loaded.model, prepared), prepared.catalog ? 'item' : 'feature');
    await setupExplore();
    setRunning(false);
    ui.storeStatus.textContent = `loaded ${String(loaded.meta.kind).toUpperCase()} (fields [${loaded.meta.fieldDims.join(', ')}])`;
    document.body.dataset['store'] = 'loaded';
  } catch (e) {
    ui.storeStatus.textContent = `load failed: ${errorText(e)}`;
    document.body.dataset['store'] = 'load-error';
  }
}

ui.saveIdb.addEventListener('click', () => void save('indexeddb'));
ui.download.addEventListener('click', () => void save('download'));
ui.loadIdb.addEventListener('click', () => void load('indexeddb'));
ui.loadFiles.addEventListener('change', () => void load(Array.from(ui.loadFiles.files ?? [])));

// ---------------------------------------------------------------- boot

showSourceControls();
showEngine(undefined);
views.reset();
setPhase('idle', 'idle');
void applyBackend('auto')
  .catch(() => undefined)
  .finally(() => {
    document.body.dataset['ready'] = 'true';
  });
