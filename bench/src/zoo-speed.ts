/**
 * Training-step speed of the model kinds on the 39-field CTR generator (`generateCtr` of @fm/data), on the
 * tfjs wasm backend: examples/s of the tfjs engine's step (`TrainStep` of @fm/train: forward, log loss and
 * gradients in tfjs, then the row-wise Adam update in TypeScript), and where the time goes:
 *   forward  — `model.apply` with `training: true`,
 *   backward — `tf.variableGrads` of the loss minus the forward time,
 *   update   — the full step minus forward + backward (reading gradients back, Adam, writing weights).
 * Rounds are interleaved (every model once per round, in turn), so every model sees the same machine load;
 * the table gives medians over rounds and each model's examples/s relative to FM's in the same round.
 * Times are the process's CPU time (user + system), which the wasm backend spends on one thread: on a shared,
 * loaded machine it tracks the work far better than wall-clock time (also reported, as `wall ex/s`).
 *
 * Usage (after `pnpm --filter @fm/bench build`):
 *   node bench/dist/zoo-speed.js [--models fm,hofm,...] (default: every kind but mf and ffm) [--batch 2048] [--k 16] [--hash 1000000]
 *                                [--rounds 5] [--backend wasm] [--json FILE] [--profile]
 * `--profile` adds the four costliest kernels of one forward + backward pass per model.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { generateCtr } from '@fm/data';
import { MODEL_KINDS, createModel, type ModelKind } from '@fm/layers';
import { inspectModel, logLoss } from '@fm/train';
import { TrainStep, createOptimizer } from '@fm/train/native';

/** One model's figures (medians over rounds). */
export interface ZooSpeedRow {
  model: string;
  /** Examples per CPU-second of the training step. */
  examplesPerSec: number;
  /** Examples per wall-clock second of the training step. */
  wallExamplesPerSec: number;
  /** Median over rounds of this model's examples/s ÷ FM's in the same round. */
  relativeToFm: number;
  forwardMs: number;
  backwardMs: number;
  updateMs: number;
  stepMs: number;
  parameters: number;
  topKernels?: string;
}

/** Milliseconds of CPU time (user + system) since `start`. */
const cpuMs = (start: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? ((s[(s.length - 1) >> 1] as number) + (s[s.length >> 1] as number)) / 2 : NaN;
};

interface Prepared {
  kind: ModelKind;
  model: tf.LayersModel;
  step: TrainStep;
  samples: { forward: number[]; backward: number[]; update: number[]; step: number[]; wall: number[] };
}

async function main(): Promise<void> {
  const { values: flags } = parseArgs({
    options: {
      // not mf (two fields only) nor ffm (its [n, F·k] table is 2.5 GB at n = 10⁶, k = 16, F = 39)
      models: { type: 'string', default: MODEL_KINDS.filter((m) => m !== 'mf' && m !== 'ffm').join(',') },
      batch: { type: 'string', default: '2048' },
      k: { type: 'string', default: '16' },
      hash: { type: 'string', default: '1000000' },
      rounds: { type: 'string', default: '5' },
      backend: { type: 'string', default: 'wasm' },
      json: { type: 'string' },
      profile: { type: 'boolean', default: false },
    },
  });
  const kinds = (flags.models as string).split(',').map((m) => m.trim()) as ModelKind[];
  for (const kind of kinds) {
    if (!MODEL_KINDS.includes(kind)) throw new Error(`--models: unknown model '${kind}', expected some of ${MODEL_KINDS.join(', ')}`);
  }
  if (!kinds.includes('fm')) kinds.unshift('fm');
  const batch = Number(flags.batch);
  const k = Number(flags.k);
  const hashSize = Number(flags.hash);
  const rounds = Number(flags.rounds);
  await tf.setBackend(flags.backend as string);
  await tf.ready();

  // rounds + 1 distinct batches (the first is a warm-up); labels from the planted FM click model
  const { dataset } = generateCtr({ rows: batch * (rounds + 1), fields: 39, hashSize, seed: 7 });
  const batches = Array.from({ length: rounds + 1 }, (_, r) => dataset.denseBatch(r * batch, (r + 1) * batch));
  const width = dataset.maxRowLength;
  console.log(
    `zoo speed: ${kinds.length} models, 39 fields, ${hashSize.toLocaleString('en-US')} ids, k=${k}, batch ${batch}, ` +
      `${rounds} timed rounds, backend ${tf.getBackend()}, Adam (row-wise), log loss`,
  );

  const prepared: Prepared[] = kinds.map((kind) => {
    const model = createModel(kind, { fieldDims: dataset.schema.fieldDims, width, embeddingDim: k, seed: 1 });
    const info = inspectModel(model);
    const step = new TrainStep(model, info, createOptimizer('adam', { learningRate: 1e-3 }), { linear: 1e-5, factors: 1e-5, dense: 1e-5 }, 'logloss');
    return { kind, model, step, samples: { forward: [], backward: [], update: [], step: [], wall: [] } };
  });

  const fmRate: number[] = [];
  const rates = new Map<string, number[]>();
  for (let r = 0; r <= rounds; r++) {
    const b = batches[r] as (typeof batches)[number];
    for (const p of prepared) {
      const ids = tf.tensor2d(b.ids.subarray(0, batch * width), [batch, width], 'int32');
      const vals = tf.tensor2d(b.values.subarray(0, batch * width), [batch, width], 'float32');
      const labels = tf.tensor1d(b.labels.subarray(0, batch), 'float32');
      const vars = p.model.trainableWeights.map((w) => w.read() as tf.Variable);
      let t = process.cpuUsage();
      tf.tidy(() => (p.model.apply([ids, vals], { training: true }) as tf.Tensor).dataSync());
      const forward = cpuMs(t);
      t = process.cpuUsage();
      // wasm runs every kernel synchronously: no read-back needed (reading the dense [n, k] gradients back would
      // cost more than computing them)
      tf.tidy(() => void tf.variableGrads(() => logLoss(tf.reshape(p.model.apply([ids, vals], { training: true }) as tf.Tensor, [-1]), labels), vars));
      const forwardBackward = cpuMs(t);
      t = process.cpuUsage();
      const wall = performance.now();
      await p.step.run({ rows: batch, width, ids: b.ids, values: b.values, labels: b.labels });
      const stepMs = cpuMs(t);
      const wallMs = performance.now() - wall;
      tf.dispose([ids, vals, labels]);
      if (r === 0) continue; // warm-up: kernels compiled, optimizer slots allocated
      p.samples.forward.push(forward);
      p.samples.backward.push(Math.max(0, forwardBackward - forward));
      p.samples.update.push(Math.max(0, stepMs - forwardBackward));
      p.samples.step.push(stepMs);
      p.samples.wall.push(wallMs);
      const rate = batch / (stepMs / 1000);
      if (p.kind === 'fm') fmRate.push(rate);
      rates.set(p.kind, [...(rates.get(p.kind) ?? []), rate]);
    }
  }

  const rows: ZooSpeedRow[] = prepared.map((p) => {
    const own = rates.get(p.kind) ?? [];
    const row: ZooSpeedRow = {
      model: p.kind,
      examplesPerSec: Math.round(median(own)),
      wallExamplesPerSec: Math.round(batch / (median(p.samples.wall) / 1000)),
      relativeToFm: median(own.map((x, i) => x / (fmRate[i] as number))),
      forwardMs: median(p.samples.forward),
      backwardMs: median(p.samples.backward),
      updateMs: median(p.samples.update),
      stepMs: median(p.samples.step),
      parameters: p.model.countParams(),
    };
    return row;
  });

  if (flags.profile) {
    const b = batches[0] as (typeof batches)[number];
    for (const [i, p] of prepared.entries()) {
      const ids = tf.tensor2d(b.ids.subarray(0, batch * width), [batch, width], 'int32');
      const vals = tf.tensor2d(b.values.subarray(0, batch * width), [batch, width], 'float32');
      const labels = tf.tensor1d(b.labels.subarray(0, batch), 'float32');
      const vars = p.model.trainableWeights.map((w) => w.read() as tf.Variable);
      const info = await tf.profile(() => {
        tf.tidy(() => void tf.variableGrads(() => logLoss(tf.reshape(p.model.apply([ids, vals], { training: true }) as tf.Tensor, [-1]), labels), vars));
      });
      const byKernel = new Map<string, number>();
      for (const kernel of info.kernels) {
        const ms = typeof kernel.kernelTimeMs === 'number' ? kernel.kernelTimeMs : 0;
        byKernel.set(kernel.name, (byKernel.get(kernel.name) ?? 0) + ms);
      }
      const top = [...byKernel.entries()].sort((a, c) => c[1] - a[1]).slice(0, 4);
      (rows[i] as ZooSpeedRow).topKernels = top.map(([name, ms]) => `${name} ${ms.toFixed(0)}ms`).join(', ');
      tf.dispose([ids, vals, labels]);
    }
  }

  const header = ['model', 'ex/s (cpu)', 'wall ex/s', '× FM', 'forward ms', 'backward ms', 'update ms', 'step ms (cpu)', 'params'];
  if (flags.profile) header.push('top kernels (fwd+bwd)');
  console.log(`| ${header.join(' | ')} |`);
  console.log(`| ${header.map(() => '---').join(' | ')} |`);
  for (const r of rows) {
    const cells = [
      r.model,
      r.examplesPerSec.toLocaleString('en-US'),
      r.wallExamplesPerSec.toLocaleString('en-US'),
      r.relativeToFm.toFixed(2),
      r.forwardMs.toFixed(0),
      r.backwardMs.toFixed(0),
      r.updateMs.toFixed(0),
      r.stepMs.toFixed(0),
      r.parameters.toLocaleString('en-US'),
    ];
    if (flags.profile) cells.push(r.topKernels ?? '');
    console.log(`| ${cells.join(' | ')} |`);
  }
  if (flags.json) writeFileSync(flags.json as string, JSON.stringify({ batch, k, hashSize, rounds, backend: tf.getBackend(), rows }, null, 2));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
