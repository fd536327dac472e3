/**
 * Deep-model benchmark on the tfjs engine (wasm backend): training examples/s of AFM, NFM and DeepFM (FFM and
 * FM for reference) on the toolkit's CTR generator with 10 and 39 fields, k = 16, at today's default batch (256)
 * and at the recommended one.
 *
 * Every measurement runs in its own Node process (a clean heap) that trains through `TrainStep` — the step
 * `fit()` runs on the tfjs engine — for a warm-up and then a timed stretch, and prints one JSON line. With
 * `--baseline DIR` (a checkout of another revision, installed and built) the same worker script is copied into
 * `DIR/bench/dist/` and run there too, so it imports that revision's packages: the two alternate, case by case
 * and round by round, and the table shows the medians and the median of the per-round ratios. Wall-clock and
 * process-CPU examples/s are both reported: on a shared machine CPU time is the steadier of the two.
 *
 * The worker uses only APIs that main already had (createModel, TrainStep, inspectModel, createOptimizer,
 * selectBackend, DEFAULT_L2, generateCtr), so it runs unchanged against a baseline.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { generateCtr } from '@fm/data';
import { createModel, type ModelKind } from '@fm/layers';
import { DEFAULT_L2, TrainStep, createOptimizer, inspectModel, selectBackend } from '@fm/train';

/** The models measured. */
export const DEEP_MODELS = ['afm', 'nfm', 'deepfm', 'ffm', 'fm'] as const satisfies readonly ModelKind[];
export type DeepModel = (typeof DEEP_MODELS)[number];

/** Today's default batch of the tfjs engine. */
export const TODAY_BATCH = 256;

/**
 * The batch size and Adam learning rate recommended per model on the tfjs engine, chosen by validation log loss
 * on held-out slices of `generateCtr` sets (`deep-quality.ts`): at batch 2048 a larger learning rate keeps the
 * quality of today's default (256, 2e-3) — AFM's gets better — over 3 seeds of a 300k-row 10-field set, and
 * holds on a 39-field set.
 */
export const RECOMMENDED: Record<DeepModel, { batchSize: number; learningRate: number }> = {
  afm: { batchSize: 2048, learningRate: 1.6e-2 },
  nfm: { batchSize: 2048, learningRate: 4e-3 },
  deepfm: { batchSize: 2048, learningRate: 4e-3 },
  ffm: { batchSize: 2048, learningRate: 4e-3 },
  fm: { batchSize: 2048, learningRate: 4e-3 },
};

/** Today's default of the tfjs engine: batch 256, Adam 2e-3. */
export const TODAY = { batchSize: TODAY_BATCH, learningRate: 2e-3 };

/** The two data sets: `generateCtr` with 10 and 39 fields. */
export const DEEP_DATA = {
  ctr10: { fields: 10, hashSize: 100_000, rows: 100_000 },
  ctr39: { fields: 39, hashSize: 200_000, rows: 100_000 },
} as const;
export type DeepData = keyof typeof DEEP_DATA;

/** What a worker measures. */
export interface WorkerSpec {
  data: DeepData;
  model: DeepModel;
  batchSize: number;
  learningRate: number;
  k: number;
  /**
   * Timed stretch: at least `minSeconds` and `minSteps` steps, at most `maxSteps` steps; past `maxSeconds` it
   * stops after any step (slow baselines). Warm-up: `warmupSteps` steps or `maxSeconds / 3`, whichever is first.
   */
  minSeconds: number;
  maxSeconds: number;
  minSteps: number;
  maxSteps: number;
  warmupSteps: number;
}

/** One measurement. */
export interface WorkerResult extends WorkerSpec {
  steps: number;
  examplesPerSec: number;
  examplesPerCpuSec: number;
  peakRssMiB: number;
  /** Mean training log loss over the timed steps (a sanity check that it learns). */
  trainLoss: number;
}

const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

/** Trains through TrainStep on the wasm backend and measures it. */
export async function measure(spec: WorkerSpec): Promise<WorkerResult> {
  await selectBackend('wasm');
  const d = DEEP_DATA[spec.data];
  const { dataset } = generateCtr({ rows: d.rows, fields: d.fields, hashSize: d.hashSize, seed: 7 });
  const fieldDims = dataset.schema.fieldDims;
  const width = d.fields;
  const model = createModel(spec.model, { fieldDims, embeddingDim: spec.k, seed: 1 });
  const info = inspectModel(model);
  const step = new TrainStep(model, info, createOptimizer('adam', { learningRate: spec.learningRate }), DEFAULT_L2, 'logloss');
  const B = spec.batchSize;
  const buf = { rows: B, width, ids: new Int32Array(B * width), values: new Float32Array(B * width), labels: new Float32Array(B) };
  let dense: ReturnType<typeof dataset.denseBatchOf> | undefined;
  let cursor = 0;
  const next = () => {
    if (cursor + B > dataset.numRows) cursor = 0;
    dense = dataset.denseBatchOf(undefined, cursor, cursor + B, dense, width);
    cursor += B;
    buf.ids.set(dense.ids.subarray(0, B * width));
    buf.values.set(dense.values.subarray(0, B * width));
    buf.labels.set(dense.labels.subarray(0, B));
  };
  const w0 = performance.now();
  for (let s = 0; s < spec.warmupSteps && (s === 0 || performance.now() - w0 < (spec.maxSeconds * 1000) / 3); s++) {
    next();
    await step.run(buf);
  }
  let peak = process.memoryUsage().rss;
  const t0 = performance.now();
  const c0 = cpuMs();
  let steps = 0;
  let lossSum = 0;
  const more = () => {
    const ms = performance.now() - t0;
    if (steps === 0) return true;
    if (steps >= spec.maxSteps || ms >= spec.maxSeconds * 1000) return false;
    return steps < spec.minSteps || ms < spec.minSeconds * 1000;
  };
  while (more()) {
    next();
    lossSum += await step.run(buf);
    steps++;
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = (cpuMs() - c0) / 1000;
  model.dispose();
  return {
    ...spec,
    steps,
    examplesPerSec: (steps * B) / seconds,
    examplesPerCpuSec: (steps * B) / cpuSeconds,
    peakRssMiB: peak / 2 ** 20,
    trainLoss: lossSum / steps,
  };
}

/** Runs one measurement in a fresh process of the worker script at `script`. */
function runWorker(script: string, spec: WorkerSpec): WorkerResult {
  const r = spawnSync(process.execPath, ['--max-old-space-size=4096', script, '--worker', JSON.stringify(spec)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (r.status !== 0 || !line) throw new Error(`deep-bench worker ${script} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(line) as WorkerResult;
}

/** A row of the printed table. */
export interface DeepBenchRow {
  data: DeepData;
  model: DeepModel;
  batch: number;
  lr: number;
  /** Median examples/s (wall clock) of this revision and of the baseline. */
  exPerSec: number;
  baseExPerSec?: number;
  /** Median examples per CPU-second. */
  exPerCpuSec: number;
  baseExPerCpuSec?: number;
  /** Median over rounds of this revision's examples/s ÷ the baseline's at batch 256 in the same round. */
  speedupWall?: number;
  speedupCpu?: number;
  peakRssMiB: number;
  basePeakRssMiB?: number;
  rounds: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? ((s[(s.length - 1) >> 1] as number) + (s[s.length >> 1] as number)) / 2 : NaN;
};

/** Options of {@link runDeepBench}. */
export interface DeepBenchOptions {
  /** A checkout of the baseline revision (installed and built), e.g. main. */
  baseline?: string;
  rounds?: number;
  quick?: boolean;
  models?: readonly DeepModel[];
  data?: readonly DeepData[];
}

/**
 * Every (data, model, batch) case, this revision and the baseline alternating, `rounds` times. The speed-up
 * columns compare each row with the baseline at today's batch (256) in the same round: the gain a user sees
 * when both the code and the recommended default change.
 */
export async function runDeepBench(o: DeepBenchOptions = {}): Promise<{ rows: DeepBenchRow[]; runs: (WorkerResult & { impl: string; round: number })[] }> {
  const self = fileURLToPath(import.meta.url);
  let baseScript: string | undefined;
  if (o.baseline) {
    const dir = join(o.baseline, 'bench', 'dist');
    if (!existsSync(join(o.baseline, 'node_modules'))) throw new Error(`--baseline ${o.baseline}: not an installed checkout (no node_modules)`);
    if (!existsSync(dir)) throw new Error(`--baseline ${o.baseline}: no bench/dist (build the baseline's packages, then mkdir -p bench/dist)`);
    baseScript = join(dir, 'deep-bench.js');
    copyFileSync(self, baseScript);
  }
  const rounds = o.rounds ?? (o.quick ? 1 : 3);
  const timing = o.quick
    ? { minSeconds: 0.5, maxSeconds: 5, minSteps: 2, maxSteps: 4, warmupSteps: 1 }
    : { minSeconds: 3, maxSeconds: 30, minSteps: 4, maxSteps: 400, warmupSteps: 3 };
  const cases: WorkerSpec[] = [];
  for (const data of o.data ?? (Object.keys(DEEP_DATA) as DeepData[])) {
    for (const model of o.models ?? DEEP_MODELS) {
      const rec = RECOMMENDED[model];
      const batches = [TODAY, rec];
      for (const b of batches) cases.push({ data, model, k: 16, ...b, ...timing });
    }
  }
  const runs: (WorkerResult & { impl: string; round: number })[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const spec of cases) {
      const impls: [string, string][] = [['current', self]];
      if (baseScript) impls.push(['baseline', baseScript]);
      if (round % 2 === 0) impls.reverse();
      for (const [impl, script] of impls) {
        const r = runWorker(script, spec);
        runs.push({ ...r, impl, round });
        console.error(
          `round ${round} ${impl.padEnd(8)} ${spec.data} ${spec.model.padEnd(6)} B=${String(spec.batchSize).padEnd(4)} ` +
            `${Math.round(r.examplesPerSec).toLocaleString('en-US')} ex/s, ${Math.round(r.examplesPerCpuSec).toLocaleString('en-US')} ex/cpu-s, loss ${r.trainLoss.toFixed(4)}`,
        );
      }
    }
  }
  const rows = cases.map((spec): DeepBenchRow => {
    const mine = runs.filter((r) => r.impl === 'current' && r.data === spec.data && r.model === spec.model && r.batchSize === spec.batchSize);
    const base = runs.filter((r) => r.impl === 'baseline' && r.data === spec.data && r.model === spec.model && r.batchSize === spec.batchSize);
    const base256 = runs.filter((r) => r.impl === 'baseline' && r.data === spec.data && r.model === spec.model && r.batchSize === TODAY_BATCH);
    const ratio = (key: 'examplesPerSec' | 'examplesPerCpuSec') =>
      base256.length ? median(mine.map((m) => m[key] / ((base256.find((b) => b.round === m.round) ?? (base256[0] as WorkerResult))[key] as number))) : undefined;
    return {
      data: spec.data,
      model: spec.model,
      batch: spec.batchSize,
      lr: spec.learningRate,
      exPerSec: median(mine.map((r) => r.examplesPerSec)),
      ...(base.length ? { baseExPerSec: median(base.map((r) => r.examplesPerSec)) } : {}),
      exPerCpuSec: median(mine.map((r) => r.examplesPerCpuSec)),
      ...(base.length ? { baseExPerCpuSec: median(base.map((r) => r.examplesPerCpuSec)) } : {}),
      ...(base256.length ? { speedupWall: ratio('examplesPerSec'), speedupCpu: ratio('examplesPerCpuSec') } : {}),
      peakRssMiB: Math.max(...mine.map((r) => r.peakRssMiB)),
      ...(base.length ? { basePeakRssMiB: Math.max(...base.map((r) => r.peakRssMiB)) } : {}),
      rounds,
    };
  });
  return { rows, runs };
}

async function workerMain(): Promise<void> {
  const i = process.argv.indexOf('--worker');
  const spec = JSON.parse(process.argv[i + 1] as string) as WorkerSpec;
  const r = await measure(spec);
  tf.disposeVariables();
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

if (process.argv.includes('--worker') && fileURLToPath(import.meta.url) === process.argv[1]) {
  workerMain().catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  });
}
