/**
 * Training-step speed of the cross / attention / product models of @fm/layers on the 39-field CTR generator,
 * on the wasm backend, against FM in the same run (not a test: a benchmark).
 *
 *   node dist/zoo-speed-b.js [--batch 2048] [--rounds 5] [--hash 1000000] [--k 16] [--blocks]
 *                            [--models 'fm,dcn,xdeepfm dcn-v2:crossRank=64,crossLayers=2']
 *
 * Each round times every model once, in turn (so all see the same machine load): the forward pass, forward +
 * backward (`tf.variableGrads` of the log loss), and a whole step of @fm/train's tfjs engine (`TrainStep`:
 * forward, backward and the row-wise Adam update). Reported: medians over the rounds after a warm-up, examples/s
 * of the whole step, and the median per-round ratio to FM's. `--blocks` adds, per model, each layer's forward and
 * forward + backward time alone on the inputs it saw (gradients for its weights and float inputs), so the table
 * says where the time goes. A model spec `kind:key=value,...` overrides ModelConfig fields (values are JSON).
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { generateCtr } from '@fm/data';
import { MODEL_KINDS, createModel, reduceSum, type ModelConfig, type ModelKind } from '@fm/layers';
import { inspectModel } from '@fm/train';
import { TrainStep, createOptimizer } from '@fm/train/native';
import { formatTable } from './format-table.js';
import { median } from './train-bench.js';

interface Spec {
  label: string;
  kind: ModelKind;
  overrides: Partial<ModelConfig>;
}

function parseSpec(text: string): Spec {
  const [kind, rest] = text.split(':', 2) as [string, string | undefined];
  if (!(MODEL_KINDS as readonly string[]).includes(kind)) throw new Error(`--models: unknown kind '${kind}', expected one of ${MODEL_KINDS.join(', ')}`);
  const overrides: Record<string, unknown> = {};
  for (const pair of rest ? rest.split(',') : []) {
    const [key, value] = pair.split('=', 2);
    if (!key || value === undefined) throw new Error(`--models: expected key=value in '${text}', got '${pair}'`);
    overrides[key] = JSON.parse(value);
  }
  return { label: text, kind: kind as ModelKind, overrides: overrides as Partial<ModelConfig> };
}

const now = () => performance.now();

/** Wall time of `f` (wasm kernels run synchronously; the final read makes sure of it). */
function timed(f: () => void): number {
  const t0 = now();
  f();
  return now() - t0;
}

interface Batch {
  ids: tf.Tensor2D;
  values: tf.Tensor2D;
  labels: tf.Tensor1D;
  raw: { rows: number; width: number; ids: Int32Array; values: Float32Array; labels: Float32Array };
}

/** Models over the (user, item) schema: they train on the first two CTR fields instead of all 39. */
const TWO_SLOT: readonly ModelKind[] = ['mf', 'neumf'];

/** The first `w` columns of a row-major `[rows, width]` batch. */
function firstColumns(b: Batch, w: number): Batch {
  const { rows, width } = b.raw;
  const ids = new Int32Array(rows * w);
  const values = new Float32Array(rows * w);
  for (let r = 0; r < rows; r++) {
    ids.set(b.raw.ids.subarray(r * width, r * width + w), r * w);
    values.set(b.raw.values.subarray(r * width, r * width + w), r * w);
  }
  return {
    ids: tf.tensor2d(ids, [rows, w], 'int32'),
    values: tf.tensor2d(values, [rows, w]),
    labels: b.labels,
    raw: { rows, width: w, ids, values, labels: b.raw.labels },
  };
}

interface Runner {
  spec: Spec;
  batches: Batch[];
  model: tf.LayersModel;
  step: TrainStep;
  params: number;
  fwd: number[];
  fwdBwd: number[];
  whole: number[];
  ratio: number[];
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      batch: { type: 'string', default: '2048' },
      rounds: { type: 'string', default: '5' },
      hash: { type: 'string', default: '1000000' },
      k: { type: 'string', default: '16' },
      blocks: { type: 'boolean', default: false },
      models: { type: 'string', default: 'fm,dcn,dcn-v2,xdeepfm,autoint,afn,fibinet' },
    },
  });
  const batchSize = Number(args.batch);
  const rounds = Number(args.rounds);
  const k = Number(args.k);
  await tf.setBackend('wasm');
  await tf.ready();
  // models separated by ';' or spaces; a spec without ':' may also list several kinds with ','
  const specs = args.models
    .split(/[\s;]+/)
    .flatMap((s) => (s.includes(':') ? [s] : s.split(',')))
    .filter(Boolean)
    .map(parseSpec);
  if (!specs.some((s) => s.kind === 'fm' && Object.keys(s.overrides).length === 0)) specs.unshift(parseSpec('fm'));

  const batchesNeeded = rounds + 1;
  const ctr = generateCtr({ rows: batchSize * batchesNeeded, fields: 39, hashSize: Number(args.hash), seed: 1 });
  const ds = ctr.dataset;
  const width = ds.schema.numFields;
  const fieldDims = ds.schema.fieldDims;
  const batches: Batch[] = Array.from({ length: batchesNeeded }, (_, b) => {
    const ids = ds.ids.subarray(b * batchSize * width, (b + 1) * batchSize * width);
    const values = ds.values.subarray(b * batchSize * width, (b + 1) * batchSize * width);
    const labels = ds.labels.subarray(b * batchSize, (b + 1) * batchSize);
    return {
      ids: tf.tensor2d(ids, [batchSize, width], 'int32'),
      values: tf.tensor2d(values, [batchSize, width]),
      labels: tf.tensor1d(labels),
      raw: { rows: batchSize, width, ids, values, labels },
    };
  });
  console.log(`wasm, ${fieldDims.length} fields, ${Number(args.hash).toLocaleString('en-US')} ids, k=${k}, batch ${batchSize}, ${rounds} timed rounds`);

  const runners: Runner[] = specs.map((spec) => {
    const twoSlot = TWO_SLOT.includes(spec.kind);
    const config: ModelConfig = { fieldDims: twoSlot ? fieldDims.slice(0, 2) : fieldDims, embeddingDim: k, seed: 1, ...spec.overrides };
    const model = createModel(spec.kind, config);
    const info = inspectModel(model);
    const step = new TrainStep(model, info, createOptimizer('adam', { learningRate: 1e-3 }), { linear: 1e-5, factors: 1e-5, dense: 1e-5 }, 'logloss');
    const params = model.trainableWeights.filter((w) => !info.params.find((p) => p.weight === w)?.sparse).reduce((a, w) => a + w.shape.reduce((x: number, y) => x * (y ?? 1), 1), 0);
    const own = twoSlot ? batches.map((b) => firstColumns(b, 2)) : batches;
    return { spec, batches: own, model, step, params, fwd: [], fwdBwd: [], whole: [], ratio: [] };
  });

  const lossOf = (r: Runner, b: Batch) => {
    const out = tf.reshape(r.model.apply([b.ids, b.values], { training: true }) as tf.Tensor, [-1]);
    return tf.losses.sigmoidCrossEntropy(b.labels, out) as tf.Scalar;
  };
  for (let round = 0; round <= rounds; round++) {
    for (const r of runners) {
      const b = r.batches[round] as Batch;
      const fwd = timed(() => tf.tidy(() => void lossOf(r, b).dataSync()));
      const vars = r.model.trainableWeights.map((w) => w.read() as tf.Variable);
      const fwdBwd = timed(() =>
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => lossOf(r, b), vars);
          value.dataSync();
          tf.dispose(grads);
        }),
      );
      const t0 = now();
      await r.step.run(b.raw);
      const whole = now() - t0;
      if (round === 0) continue; // warm-up
      r.fwd.push(fwd);
      r.fwdBwd.push(fwdBwd);
      r.whole.push(whole);
    }
    if (round > 0) {
      const fm = runners[0] as Runner;
      for (const r of runners) r.ratio.push((fm.whole[fm.whole.length - 1] as number) / (r.whole[r.whole.length - 1] as number));
    }
    process.stderr.write(`round ${round}/${rounds} done\n`);
  }

  const rows = runners.map((r) => ({
    model: r.spec.label,
    'dense params': r.params,
    'fwd ms': median(r.fwd),
    'fwd+bwd ms': median(r.fwdBwd),
    'step ms': median(r.whole),
    'update ms': median(r.whole.map((w, i) => w - (r.fwdBwd[i] as number))),
    'ex/s': (batchSize * 1000) / median(r.whole),
    'speed vs fm': median(r.ratio),
    ...(TWO_SLOT.includes(r.spec.kind) ? { note: 'first 2 fields only (user, item schema)' } : {}),
  }));
  console.log(`\n== tfjs training step (TrainStep: forward, backward, row-wise Adam), medians ==`);
  console.log(formatTable(rows));

  if (args.blocks) {
    for (const r of runners) {
      console.log(`\n-- ${r.spec.label}: per layer, alone on its own inputs (ms, median of ${rounds}) --`);
      console.log(formatTable(blockTimes(r.model, r.batches[0] as Batch, rounds)));
    }
  }
}

/** Each layer's forward and forward + backward time, alone, on the inputs it received in one forward pass. */
function blockTimes(model: tf.LayersModel, batch: Batch, reps: number): Record<string, unknown>[] {
  const captured = new Map<tf.layers.Layer, tf.Tensor[]>();
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  const originals = layers.map((layer) => layer.call);
  layers.forEach((layer, i) => {
    const original = originals[i] as tf.layers.Layer['call'];
    layer.call = (inputs, kwargs) => {
      captured.set(layer, (Array.isArray(inputs) ? inputs : [inputs]).map((t) => tf.keep(t.clone())));
      return original.call(layer, inputs, kwargs);
    };
  });
  tf.tidy(() => void model.apply([batch.ids, batch.values], { training: true }));
  layers.forEach((layer, i) => (layer.call = originals[i] as tf.layers.Layer['call']));
  const rows = layers.map((layer) => {
    const inputs = captured.get(layer) ?? [];
    // gradients for the weights and the float inputs, except inputs that only feed masks (values → notEqual)
    const asVars = inputs.map((t) => (t.dtype === 'float32' ? tf.variable(t, true) : t));
    const floatVars = asVars.filter((t): t is tf.Variable => t instanceof tf.Variable);
    const weights = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const call = (ins: tf.Tensor[]) => layer.call(ins.length === 1 ? (ins[0] as tf.Tensor) : ins, { training: true }) as tf.Tensor;
    const loss = () => reduceSum(tf.reshape(call(asVars), [-1]), 0) as tf.Scalar;
    let vars = [...weights, ...floatVars];
    try {
      tf.tidy(() => void tf.variableGrads(loss, vars));
    } catch {
      vars = [...weights, ...floatVars.slice(0, 1)];
    }
    const fwd: number[] = [];
    const fwdBwd: number[] = [];
    for (let rep = 0; rep <= reps; rep++) {
      const f = timed(() => tf.tidy(() => void tf.sum(call(inputs)).dataSync()));
      const g = timed(() =>
        tf.tidy(() => {
          // reduceSum: tf.sum's own gradient fills a ones tensor in JavaScript, which would dominate big outputs
          const { value, grads } = tf.variableGrads(loss, vars);
          value.dataSync();
          tf.addN(Object.values(grads).map((t) => tf.sum(t))).dataSync(); // a scalar read: big reads cost more than the maths
        }),
      );
      if (rep > 0) {
        fwd.push(f);
        fwdBwd.push(g);
      }
    }
    tf.dispose([...inputs, ...asVars]);
    return { layer: `${layer.getClassName()} ${layer.name}`, 'fwd ms': median(fwd), 'fwd+bwd ms': median(fwdBwd) };
  });
  return rows;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
