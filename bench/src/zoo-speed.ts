/**
 * Training-step speed of every model kind of @fm/layers on the 39-field CTR generator (`generateCtr` of @fm/data),
 * tfjs wasm backend, k = 16, batch 2048: examples/s of the tfjs engine's step (`TrainStep` of @fm/train: forward,
 * log loss and gradients in tfjs, then the row-wise Adam update in TypeScript), and where the time goes:
 *   forward  — `model.apply` with `training: true`, timed alone;
 *   backward — the step's gradient tape (`TrainStep.lastPhases.gradientsMs`) minus the forward time (a revision
 *              without `lastPhases`: `tf.variableGrads` of the loss minus the forward time);
 *   update   — the rest of the step (gradients read back, L2, Adam, weights written);
 *   top kernels — with `--profile`, the `--top` (default 4) costliest kernels of one step (`tf.profile`).
 *
 * Each model runs in its own Node process (its own heap; its peak RSS is its own): a warm-up step, then
 * `--rounds` timed steps on distinct batches; the table gives medians. Examples/s are per CPU-second of the step
 * (the wasm backend computes on one thread: on a shared, loaded machine CPU time tracks the work far better than
 * the wall clock, which is reported too). With `--baseline DIR` (another revision's checkout, installed, its
 * packages built) the same worker also runs against DIR's packages, alternating model by model with this one,
 * and the table adds the baseline's examples/s and the speed-up; nothing is written into DIR (the worker is
 * copied to a temporary folder whose `node_modules` links to `DIR/bench/node_modules`).
 *
 * mf and neumf model (user, item) pairs: they train on the first two fields. ffm's `[n, F·k]` table is 2.5 GB at
 * n = 10⁶: it runs with `--ffm-hash` ids (default 100,000).
 *
 * Usage: `pnpm --filter @fm/bench zoo-speed [--models fm,hofm,…] [--batch 2048] [--k 16] [--hash 1000000]
 *   [--ffm-hash 100000] [--rounds 5] [--profile [--top N]] [--wasm-threads 1|N|auto] [--baseline DIR] [--json FILE]`
 * `--wasm-threads` (default 1, so examples per CPU-second measure the work): the threads of tfjs-backend-wasm's
 * products (`selectBackend`'s `wasmThreads`); with more, the wall-clock column is the one to read.
 * A model spec `kind:key=value,…` overrides ModelConfig fields (values are JSON), e.g. `dcn-v2:crossRank=64`.
 */
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { generateCtr } from '@fm/data';
import { MODEL_KINDS, createModel, type ModelKind } from '@fm/layers';
import { inspectModel, logLoss, selectBackend } from '@fm/train';
import { TrainStep, createOptimizer } from '@fm/train/native';
import { runJsonChild } from './child.js';
import { formatTable } from './format-table.js';
import { parseModelSpec, splitModelList } from './model-spec.js';
import { median } from './train-bench.js';
import { benchArgs } from './bench-args.js';

/** What one worker process measures. */
interface WorkerSpec {
  /** `kind` or `kind:key=value,…`. */
  model: string;
  batch: number;
  k: number;
  hash: number;
  rounds: number;
  profile: boolean;
  /** tfjs-backend-wasm's threads (`selectBackend`'s `wasmThreads`; a baseline without the option runs one). */
  wasmThreads: number | 'auto';
  /** Kernels listed with `profile`. */
  top: number;
}

/** One worker's figures (medians over the timed rounds). */
export interface ZooSpeedResult {
  model: string;
  examplesPerSec: number;
  wallExamplesPerSec: number;
  forwardMs: number;
  backwardMs: number;
  updateMs: number;
  stepMs: number;
  /** Trainable scalars. */
  parameters: number;
  peakRssMiB: number;
  /** Ids of the CTR set it trained on (ffm: `--ffm-hash`), and the fields it used. */
  hash: number;
  fields: number;
  topKernels?: string;
}

/** Models over the (user, item) schema: they train on the first two CTR fields instead of all 39. */
const TWO_SLOT: readonly ModelKind[] = ['mf', 'neumf'];

/** CPU milliseconds (user + system) since `start`. */
const cpuMs = (start: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
};

/** The worker: trains one model for a warm-up step and `rounds` timed steps, returns its figures. */
async function runWorker(spec: WorkerSpec): Promise<ZooSpeedResult> {
  const { kind, overrides } = parseModelSpec(spec.model);
  await import('@fm/train/node'); // registers the wasm backend's threads in Node
  await selectBackend('wasm', { wasmThreads: spec.wasmThreads });
  const { batch, rounds } = spec;
  const { dataset } = generateCtr({ rows: batch * (rounds + 1), fields: 39, hashSize: spec.hash, seed: 7 });
  const all = dataset.schema.fieldDims;
  const fields = TWO_SLOT.includes(kind) ? 2 : all.length;
  const full = dataset.maxRowLength;
  const width = TWO_SLOT.includes(kind) ? 2 : full;
  const batches = Array.from({ length: rounds + 1 }, (_, r) => {
    const b = dataset.denseBatch(r * batch, (r + 1) * batch);
    const ids = new Int32Array(batch * width);
    const values = new Float32Array(batch * width);
    for (let i = 0; i < batch; i++) {
      ids.set(b.ids.subarray(i * full, i * full + width), i * width);
      values.set(b.values.subarray(i * full, i * full + width), i * width);
    }
    return { rows: batch, width, ids, values, labels: Float32Array.from(b.labels.subarray(0, batch)) };
  });
  const model = createModel(kind, { fieldDims: all.slice(0, fields), width, embeddingDim: spec.k, seed: 1, ...overrides });
  const step = new TrainStep(model, inspectModel(model), createOptimizer('adam', { learningRate: 1e-3 }), { linear: 1e-5, factors: 1e-5, dense: 1e-5 }, 'logloss');
  // a revision without TrainStep.lastPhases: backward measured by a separate tf.variableGrads pass
  const phases = (step as unknown as { lastPhases?: { gradientsMs: number; updateMs: number } }).lastPhases;
  const s = { forward: [] as number[], backward: [] as number[], update: [] as number[], cpu: [] as number[], wall: [] as number[] };
  for (let r = 0; r <= rounds; r++) {
    const b = batches[r] as (typeof batches)[number];
    const ids = tf.tensor2d(b.ids, [batch, width], 'int32');
    const vals = tf.tensor2d(b.values, [batch, width], 'float32');
    const labels = tf.tensor1d(b.labels, 'float32');
    let t = performance.now();
    tf.tidy(() => (model.apply([ids, vals], { training: true }) as tf.Tensor).dataSync());
    const forward = performance.now() - t;
    let forwardBackward = NaN;
    if (!phases) {
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      t = performance.now();
      tf.tidy(() => void tf.variableGrads(() => logLoss(tf.reshape(model.apply([ids, vals], { training: true }) as tf.Tensor, [-1]), labels), vars));
      forwardBackward = performance.now() - t;
    }
    tf.dispose([ids, vals, labels]);
    const cpu = process.cpuUsage();
    t = performance.now();
    await step.run(b);
    const wall = performance.now() - t;
    const stepCpu = cpuMs(cpu);
    if (r === 0) continue; // warm-up: kernels compiled, optimizer slots allocated
    const gradients = phases ? phases.gradientsMs : forwardBackward;
    s.forward.push(forward);
    s.backward.push(Math.max(0, gradients - forward));
    s.update.push(phases ? phases.updateMs : Math.max(0, wall - forwardBackward));
    s.cpu.push(stepCpu);
    s.wall.push(wall);
  }
  const result: ZooSpeedResult = {
    model: spec.model,
    examplesPerSec: Math.round(batch / (median(s.cpu) / 1000)),
    wallExamplesPerSec: Math.round(batch / (median(s.wall) / 1000)),
    forwardMs: median(s.forward),
    backwardMs: median(s.backward),
    updateMs: median(s.update),
    stepMs: median(s.wall),
    parameters: model.countParams(),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    hash: spec.hash,
    fields,
  };
  if (spec.profile) {
    const info = await tf.profile(async () => void (await step.run(batches[1] as (typeof batches)[number])));
    const byKernel = new Map<string, number>();
    for (const kernel of info.kernels) byKernel.set(kernel.name, (byKernel.get(kernel.name) ?? 0) + (typeof kernel.kernelTimeMs === 'number' ? kernel.kernelTimeMs : 0));
    result.topKernels = [...byKernel.entries()]
      .sort((a, c) => c[1] - a[1])
      .slice(0, spec.top)
      .map(([name, ms]) => `${name} ${ms.toFixed(0)}`)
      .join(', ');
  }
  return result;
}

/** A copy of this compiled bench whose imports resolve to `dir`'s packages (nothing written into `dir`). */
function baselineEntry(dir: string): { entry: URL; cleanup: () => void } {
  const here = dirname(fileURLToPath(import.meta.url));
  const tmp = mkdtempSync(join(tmpdir(), 'fm-zoo-baseline-'));
  cpSync(here, join(tmp, 'dist'), { recursive: true });
  symlinkSync(resolve(dir, 'bench', 'node_modules'), join(tmp, 'node_modules'), 'dir');
  return { entry: pathToFileURL(join(tmp, 'dist', 'zoo-speed.js')), cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
}

async function main(): Promise<void> {
  const { values: flags } = benchArgs(import.meta.url, {
    options: {
      models: { type: 'string', default: MODEL_KINDS.join(',') },
      batch: { type: 'string', default: '2048' },
      k: { type: 'string', default: '16' },
      hash: { type: 'string', default: '1000000' },
      'ffm-hash': { type: 'string', default: '100000' },
      rounds: { type: 'string', default: '5' },
      profile: { type: 'boolean', default: false },
      'wasm-threads': { type: 'string', default: '1' },
      top: { type: 'string', default: '4' },
      baseline: { type: 'string' },
      json: { type: 'string' },
      worker: { type: 'string' },
    },
  });
  if (flags.worker !== undefined) {
    console.log(JSON.stringify(await runWorker(JSON.parse(flags.worker) as WorkerSpec)));
    return;
  }
  const models = splitModelList(flags.models);
  const threads = flags['wasm-threads'];
  const common = {
    batch: Number(flags.batch),
    k: Number(flags.k),
    rounds: Number(flags.rounds),
    profile: flags.profile,
    wasmThreads: threads === 'auto' ? ('auto' as const) : Number(threads),
    top: Number(flags.top),
  };
  const self = new URL(import.meta.url);
  const base = flags.baseline ? baselineEntry(flags.baseline) : undefined;
  console.log(
    `zoo speed: ${models.length} models, wasm, 39-field CTR, ${Number(flags.hash).toLocaleString('en-US')} ids (ffm ${Number(flags['ffm-hash']).toLocaleString('en-US')}), ` +
      `k=${common.k}, batch ${common.batch}, Adam, ${common.rounds} timed steps per model, one process each${base ? `, baseline ${flags.baseline}` : ''}`,
  );
  const rows: Record<string, unknown>[] = [];
  const runs: { model: string; current: ZooSpeedResult; baseline?: ZooSpeedResult | string }[] = [];
  try {
    for (const model of models) {
      const spec: WorkerSpec = { model, ...common, hash: Number(parseModelSpec(model).kind === 'ffm' ? flags['ffm-hash'] : flags.hash) };
      const run = (entry: URL, what: string) => runJsonChild<ZooSpeedResult>(entry, ['--worker', JSON.stringify(spec)], `${what} worker for ${model}`);
      // a model the baseline lacks (or a failure there) is reported, not fatal
      const before = base ? await run(base.entry, 'baseline').catch((e: unknown) => (e instanceof Error ? e.message : String(e))) : undefined;
      const current = await run(self, 'zoo-speed');
      runs.push({ model, current, ...(before !== undefined ? { baseline: before } : {}) });
      const row: Record<string, unknown> = { model, 'ex/s': current.examplesPerSec };
      if (before !== undefined) {
        row['before ex/s'] = typeof before === 'string' ? 'failed' : before.examplesPerSec;
        row['speed-up'] = typeof before === 'string' ? '' : current.examplesPerSec / before.examplesPerSec;
      }
      Object.assign(row, {
        '≥5k': current.examplesPerSec >= 5000 ? 'yes' : 'no',
        'wall ex/s': current.wallExamplesPerSec,
        'fwd ms': current.forwardMs,
        'bwd ms': current.backwardMs,
        'update ms': current.updateMs,
        'step ms': current.stepMs,
        params: current.parameters,
        'RSS MiB': current.peakRssMiB,
        ...(current.fields !== 39 || current.hash !== Number(flags.hash) ? { note: `${current.fields} fields, ${current.hash.toLocaleString('en-US')} ids` } : {}),
        ...(current.topKernels ? { 'top kernels (ms)': current.topKernels } : {}),
      });
      rows.push(row);
      process.stderr.write(`${model}: ${current.examplesPerSec.toLocaleString('en-US')} ex/s\n`);
    }
  } finally {
    base?.cleanup();
  }
  console.log(formatTable(rows));
  if (flags.json) writeFileSync(flags.json, JSON.stringify({ ...common, hash: Number(flags.hash), ffmHash: Number(flags['ffm-hash']), baseline: flags.baseline, runs }, null, 2));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
