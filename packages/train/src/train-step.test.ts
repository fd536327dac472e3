import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createModel, pickModelConfig, FactorizationMachine, FeaturesEmbedding, FeaturesLinear, type ModelKind } from '@fm/layers';
import { afterAll, describe, expect, it } from 'vitest';
import { logLoss } from './losses.js';
import { inspectModel, type ModelInfo } from './model-info.js';
import { createOptimizer } from './optimizers.js';
import { fieldOfFeatureTable } from './engines/native/params.js';
import { l2Penalty, resolveL2, touchedBlocks, type L2Option } from './regularization.js';
import { TrainStep } from './train-step.js';

afterAll(async () => {
  await tf.setBackend('cpu');
});

const FIELD_DIMS = [4, 5, 3];
const WIDTH = 4; // three fields plus one multi-hot slot; id 0 with value 0 is padding
// global ids: field 0 → 0..3, field 1 → 4..8, field 2 → 9..11; row 2 repeats ids of row 0, row 3 has padding
const IDS = [
  [1, 6, 9, 3],
  [2, 4, 11, 0],
  [1, 6, 10, 7],
  [3, 8, 9, 0],
  [0, 5, 9, 1],
];
const VALUES = [
  [1, 1, 1, 0.5],
  [1, 1, 1, 0],
  [1, 1, 1, 2],
  [1, 1, 1, 0],
  [1, 1, 1, 1.5],
];
const LABELS = [1, 0, 1, 0, 1];
const L2: L2Option = { bias: 0.01, linear: 0.2, factors: 0.3, dense: 0.05 };
const LR = 0.1;

const weightsOf = (m: tf.LayersModel) => m.weights.map((w) => Array.from(w.read().dataSync()));

/** Runs `f` on the cpu backend (l2Penalty's tf.gather has no gradient kernel on wasm), then switches back. */
async function onCpu<T>(f: () => T): Promise<T> {
  const backend = tf.getBackend();
  await tf.setBackend('cpu');
  try {
    return f();
  } finally {
    await tf.setBackend(backend);
  }
}

/**
 * ∇ of (mean log loss + l2Penalty) by tfjs autodiff over whole tables (the lookups' own [n, k] gradients). A
 * field-aware table's L2 is per (feature, field) block of k, once per pair of an example that uses the block (as
 * the native engine): its closed-form gradient λ·count/B·w is added per block listed by `touchedBlocks`.
 */
function referenceGradients(model: tf.LayersModel, info: ModelInfo): Float32Array[] {
  const vars = info.params.map((p) => p.weight.read() as tf.Variable);
  const ids = Int32Array.from(IDS.flat());
  const values = Float32Array.from(VALUES.flat());
  const { grads } = tf.variableGrads(() => {
    const out = model.apply([tf.tensor2d(ids, [IDS.length, WIDTH], 'int32'), tf.tensor2d(values, [IDS.length, WIDTH])], { training: true }) as tf.Tensor;
    const dense = info.params.filter((p) => !p.sparse).map((p) => ({ value: p.weight.read(), group: p.group }));
    const tables = info.params.filter((p) => p.sparse && !p.fieldBlocks).map((p) => ({ value: p.weight.read(), group: p.group }));
    return tf.add(logLoss(tf.reshape(out, [-1]), tf.tensor1d(LABELS)), l2Penalty(dense, tables, ids, values, IDS.length, L2)) as tf.Scalar;
  }, vars);
  return vars.map((v, i) => {
    const g = Float32Array.from(grads[v.name]?.dataSync() ?? new Float32Array(v.size));
    const p = info.params[i];
    if (p?.fieldBlocks) {
      const F = p.fieldBlocks;
      const k = p.rowSize / F;
      const w = v.dataSync();
      const lambda = resolveL2(L2)[p.group];
      const { unique, counts } = touchedBlocks(ids, values, IDS.length, WIDTH, fieldOfFeatureTable(info.fieldDims), F);
      unique.forEach((u, b) => {
        for (let j = u * k; j < (u + 1) * k; j++) g[j] = (g[j] as number) + (lambda * (counts[b] as number) * (w[j] as number)) / IDS.length;
      });
    }
    return g;
  });
}

/** One SGD step through TrainStep must move every weight by −lr · the reference gradient. */
async function checkSgdStep(model: tf.LayersModel): Promise<void> {
  const info = inspectModel(model);
  const grads = await onCpu(() => referenceGradients(model, info));
  const before = weightsOf(model);
  const step = new TrainStep(model, info, createOptimizer('sgd', { learningRate: LR }), L2, 'logloss');
  const loss = await step.run({
    rows: IDS.length,
    width: WIDTH,
    ids: Int32Array.from(IDS.flat()),
    values: Float32Array.from(VALUES.flat()),
    labels: Float32Array.from(LABELS),
  });
  expect(Number.isFinite(loss)).toBe(true);
  const after = weightsOf(model);
  model.weights.forEach((w, i) => {
    const p = info.params.findIndex((q) => q.weight === w);
    const g = grads[p] ?? new Float32Array((before[i] as number[]).length); // non-trainable: unchanged
    (before[i] as number[]).forEach((b, j) => expect(after[i]?.[j], `${w.name}[${j}]`).toBeCloseTo(b - LR * (g[j] as number), 5));
  });
  // rows of ids no example uses (id 10 is used; ids 2.. are; 0 is used with a value): none changes
  const emb = info.params.find((p) => p.sparse && p.group === 'factors');
  if (emb) {
    const i = model.weights.indexOf(emb.weight);
    const used = new Set(IDS.flat().filter((_, s) => VALUES.flat()[s] !== 0 || IDS.flat()[s] !== 0));
    for (let id = 0; id < 12; id++) {
      if (used.has(id)) continue;
      for (let j = 0; j < emb.rowSize; j++) expect(after[i]?.[id * emb.rowSize + j]).toBe(before[i]?.[id * emb.rowSize + j]);
    }
  }
}

/** A layer passing on the first two slots of its input: its lookups match no row feed. */
class FirstTwoSlots extends tf.layers.Layer {
  static readonly className = 'FirstTwoSlotsForTest';
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    return tf.slice(x, [0, 0], [-1, 2]);
  }
  override computeOutputShape(shape: tf.Shape | tf.Shape[]): tf.Shape {
    return [(shape as tf.Shape)[0] ?? null, 2];
  }
}

describe.each(['cpu', 'wasm'])('TrainStep on %s', (backend) => {
  it.each(['fm', 'ffm', 'afm', 'nfm', 'deepfm', 'lr'] as ModelKind[])(
    '%s: an SGD step equals −lr · ∇(mean loss + l2Penalty) from autodiff over whole tables; unused rows stay',
    async (kind) => {
      await tf.setBackend(backend);
      await checkSgdStep(createModel(kind, pickModelConfig(kind, { fieldDims: FIELD_DIMS, width: WIDTH, embeddingDim: 3, seed: 5, initStd: 0.3, hiddenUnits: [4] })));
    },
  );

  it('mf: same on (user, item) rows', async () => {
    await tf.setBackend(backend);
    const model = createModel('mf', { fieldDims: [3, 4], embeddingDim: 2, seed: 2, initStd: 0.3 });
    const info = inspectModel(model);
    const ids = Int32Array.from([0, 3, 1, 5, 0, 6]);
    const values = new Float32Array(6).fill(1);
    const labels = Float32Array.from([4, 2, 5]);
    const vars = info.params.map((p) => p.weight.read() as tf.Variable);
    const before = vars.map((v) => Array.from(v.dataSync()));
    const expected = await onCpu(() => {
      const { grads } = tf.variableGrads(() => {
        const out = tf.reshape(model.apply([tf.tensor2d(ids, [3, 2], 'int32'), tf.tensor2d(values, [3, 2])], { training: true }) as tf.Tensor, [-1]);
        const tables = info.params.filter((p) => p.sparse).map((p) => ({ value: p.weight.read(), group: p.group }));
        const dense = info.params.filter((p) => !p.sparse).map((p) => ({ value: p.weight.read(), group: p.group }));
        // regression minimises ½·MSE
        return tf.add(tf.mul(0.5, tf.mean(tf.square(tf.sub(out, tf.tensor1d(labels))))), l2Penalty(dense, tables, ids, values, 3, L2)) as tf.Scalar;
      }, vars);
      return vars.map((v, i) => Array.from(grads[v.name]?.dataSync() ?? [], (g, j) => (before[i]?.[j] as number) - LR * g));
    });
    await new TrainStep(model, info, createOptimizer('sgd', { learningRate: LR }), L2, 'mse').run({ rows: 3, width: 2, ids, values, labels });
    info.params.forEach((p, i) => Array.from(p.weight.read().dataSync()).forEach((w, j) => expect(w).toBeCloseTo(expected[i]?.[j] as number, 5)));
  });

  it('a lookup that matches no row feed still trains (the whole-table gradient, touched rows only)', async () => {
    await tf.setBackend(backend);
    const ids = tf.input({ shape: [WIDTH], dtype: 'int32', name: 'ids' });
    const values = tf.input({ shape: [WIDTH], dtype: 'float32', name: 'values' });
    const linear = new FeaturesLinear({ fieldDims: FIELD_DIMS }).apply([ids, values]) as tf.SymbolicTensor;
    const emb = new FeaturesEmbedding({ fieldDims: FIELD_DIMS, embeddingDim: 3, seed: 4, initStd: 0.3 }).apply(
      new FirstTwoSlots({}).apply(ids) as tf.SymbolicTensor,
    ) as tf.SymbolicTensor;
    const pairs = new FactorizationMachine().apply([emb, new FirstTwoSlots({}).apply(values) as tf.SymbolicTensor]) as tf.SymbolicTensor;
    await checkSgdStep(tf.model({ inputs: [ids, values], outputs: tf.layers.add().apply([linear, pairs]) as tf.SymbolicTensor }));
  });

  it('keeps the tensor count constant across steps', async () => {
    await tf.setBackend(backend);
    const model = createModel('afm', { fieldDims: FIELD_DIMS, width: WIDTH, embeddingDim: 3, seed: 5 });
    const step = new TrainStep(model, inspectModel(model), createOptimizer('adam', { learningRate: 0.01 }), L2, 'logloss');
    const batch = { rows: IDS.length, width: WIDTH, ids: Int32Array.from(IDS.flat()), values: Float32Array.from(VALUES.flat()), labels: Float32Array.from(LABELS) };
    await step.run(batch);
    const count = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await step.run(batch);
    expect(tf.memory().numTensors).toBe(count);
  });
});

describe('TrainStep on wasm, in place', () => {
  it.each(['deepfm', 'afm', 'nfm'] as ModelKind[])('%s: after Adam steps, predictions equal those of a fresh copy of the weights', async (kind) => {
    await tf.setBackend('wasm');
    const config = pickModelConfig(kind, { fieldDims: FIELD_DIMS, width: WIDTH, embeddingDim: 3, seed: 9, hiddenUnits: [4] });
    const model = createModel(kind, config);
    const step = new TrainStep(model, inspectModel(model), createOptimizer('adam', { learningRate: 0.05 }), L2, 'logloss');
    const batch = { rows: IDS.length, width: WIDTH, ids: Int32Array.from(IDS.flat()), values: Float32Array.from(VALUES.flat()), labels: Float32Array.from(LABELS) };
    const inputs = [tf.tensor2d(batch.ids, [IDS.length, WIDTH], 'int32'), tf.tensor2d(batch.values, [IDS.length, WIDTH])];
    const first = Array.from((model.predict(inputs) as tf.Tensor).dataSync());
    const tables = inspectModel(model).params.filter((p) => p.sparse);
    const storage = tables.map((p) => p.weight.read().dataId);
    for (let i = 0; i < 4; i++) await step.run(batch);
    // the tables were updated in place (same storage), the dense weights replaced
    tables.forEach((p, i) => expect(p.weight.read().dataId).toBe(storage[i]));
    const trained = Array.from((model.predict(inputs) as tf.Tensor).dataSync());
    expect(trained).not.toEqual(first);
    const copy = createModel(kind, { ...config, seed: 10 });
    copy.setWeights(model.getWeights().map((w) => tf.tensor(Float32Array.from(w.dataSync()), w.shape)));
    const fresh = Array.from((copy.predict(inputs) as tf.Tensor).dataSync());
    fresh.forEach((v, i) => expect(trained[i]).toBeCloseTo(v, 6));
  });
});

describe('TrainStep on wasm: Adam through the sparse-row kernels', () => {
  const batchOf = (rows: number[][], values: number[][], labels: number[]) => ({
    rows: rows.length,
    width: WIDTH,
    ids: Int32Array.from(rows.flat()),
    values: Float32Array.from(values.flat()),
    labels: Float32Array.from(labels),
  });
  // A touches every id; B (rows 0 and 1) leaves ids 5, 7, 8 and 10 out
  const A = batchOf(IDS, VALUES, LABELS);
  const B = batchOf(IDS.slice(0, 2), VALUES.slice(0, 2), LABELS.slice(0, 2));
  const [lr, b1, b2, eps] = [0.05, 0.9, 0.999, 1e-8];

  /** ∇(mean loss + l2Penalty) on `batch` at the model's weights, by autodiff over whole tables on cpu. */
  function gradients(model: tf.LayersModel, info: ModelInfo, batch: typeof A): Float32Array[] {
    const vars = info.params.map((p) => p.weight.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => {
      const out = model.apply([tf.tensor2d(batch.ids, [batch.rows, WIDTH], 'int32'), tf.tensor2d(batch.values, [batch.rows, WIDTH])], { training: true }) as tf.Tensor;
      const dense = info.params.filter((p) => !p.sparse).map((p) => ({ value: p.weight.read(), group: p.group }));
      const tables = info.params.filter((p) => p.sparse).map((p) => ({ value: p.weight.read(), group: p.group }));
      return tf.add(logLoss(tf.reshape(out, [-1]), tf.tensor1d(batch.labels)), l2Penalty(dense, tables, batch.ids, batch.values, batch.rows, L2)) as tf.Scalar;
    }, vars);
    return vars.map((v) => Float32Array.from(grads[v.name]?.dataSync() ?? new Float32Array(v.size)));
  }

  it.each([3, 4, 8])('nfm, k = %i: A, B, A steps equal lazy Adam from its definition (rows a batch does not use keep weights and moments)', async (k) => {
    await tf.setBackend('wasm');
    const model = createModel('nfm', { fieldDims: FIELD_DIMS, width: WIDTH, embeddingDim: k, seed: 3, initStd: 0.3, hiddenUnits: [4] });
    const info = inspectModel(model);
    const step = new TrainStep(model, info, createOptimizer('adam', { learningRate: lr }), L2, 'logloss');
    const moments = info.params.map((p) => ({ m: new Float64Array(p.weight.read().size), v: new Float64Array(p.weight.read().size) }));
    let t = 0;
    for (const batch of [A, B, A]) {
      t++;
      const before = info.params.map((p) => Float32Array.from(p.weight.read().dataSync()));
      const grads = await onCpu(() => gradients(model, info, batch));
      const used = new Set(batch.ids);
      const expected = info.params.map((p, i) => {
        const w = Float64Array.from(before[i] as Float32Array);
        const { m, v } = moments[i] as { m: Float64Array; v: Float64Array };
        const g = grads[i] as Float32Array;
        for (let q = 0; q < w.length; q++) {
          if (p.sparse && !used.has(Math.floor(q / p.rowSize))) continue;
          m[q] = b1 * (m[q] as number) + (1 - b1) * (g[q] as number);
          v[q] = b2 * (v[q] as number) + (1 - b2) * (g[q] as number) ** 2;
          w[q] = (w[q] as number) - (lr * ((m[q] as number) / (1 - b1 ** t))) / (Math.sqrt((v[q] as number) / (1 - b2 ** t)) + eps);
        }
        return w;
      });
      await step.run(batch);
      info.params.forEach((p, i) => {
        const got = p.weight.read().dataSync();
        const exp = expected[i] as Float64Array;
        const prev = before[i] as Float32Array;
        for (let q = 0; q < got.length; q++) {
          if (p.sparse && !used.has(Math.floor(q / p.rowSize))) expect(got[q], `${p.weight.name}[${q}] is not in the batch`).toBe(prev[q]);
          else expect(Math.abs((got[q] as number) - (exp[q] as number)), `${p.weight.name}[${q}], step ${t}`).toBeLessThan(2e-5);
        }
      });
    }
    // the moments live in the heap; the engine-facing state reads them, and dispose() hands them back as arrays
    const table = info.params.findIndex((p) => p.sparse && p.group === 'factors');
    expect(step.slots[table]?.inHeap).toBe(true);
    const live = (step.slots[table]?.state ?? []).map((a) => Array.from(a));
    step.dispose();
    expect(step.slots[table]?.inHeap).toBeUndefined();
    expect((step.slots[table]?.state ?? []).map((a) => Array.from(a))).toEqual(live);
    live[0]?.forEach((mq, q) => expect(Math.abs(mq - (moments[table]?.m[q] as number))).toBeLessThan(1e-6));
  });

  it('the kernels and the TypeScript loops (wasmKernels: false) train to the same weights', async () => {
    await tf.setBackend('wasm');
    const run = async (wasmKernels: boolean) => {
      const model = createModel('deepfm', { fieldDims: FIELD_DIMS, width: WIDTH, embeddingDim: 4, seed: 6, initStd: 0.3, hiddenUnits: [4] });
      const info = inspectModel(model);
      const step = new TrainStep(model, info, createOptimizer('adam', { learningRate: lr }), L2, 'logloss', { wasmKernels });
      for (const batch of [A, B, A, A]) await step.run(batch);
      step.dispose();
      return { weights: info.params.map((p) => Array.from(p.weight.read().dataSync())), state: step.slots.map((s) => s.state.map((a) => Array.from(a))) };
    };
    const [kernels, loops] = [await run(true), await run(false)];
    kernels.weights.forEach((w, i) => w.forEach((x, q) => expect(Math.abs(x - (loops.weights[i]?.[q] as number))).toBeLessThan(1e-6)));
    kernels.state.forEach((s, i) => s.forEach((a, j) => a.forEach((x, q) => expect(Math.abs(x - (loops.state[i]?.[j]?.[q] as number))).toBeLessThan(1e-6))));
  });
});
