import { generateImplicit, encodeInteractions, Rng } from '@fm/data';
import { createNativeParams, NativeEngine } from '@fm/train/native';
import { OPTIMIZER_DEFAULTS } from '@fm/train';

async function main() {
  const gen = generateImplicit({ users: 943, items: 1682, seed: 1 } as never);
  const { dataset } = encodeInteractions(gen.interactions);
  const k = Number(process.argv[3] ?? 64);
  for (const task of ['regression', 'ranking'] as const) {
    const params = createNativeParams('fm', dataset.schema.fieldDims, k, { seed: 1, initStd: 0.01 });
    const eng = await NativeEngine.create({ params }, { task, optimizerName: 'sgd', optimizer: { ...OPTIMIZER_DEFAULTS, learningRate: 0.01 }, l2: { bias: 0, linear: 1e-4, factors: 1e-4 }, batchSize: 1, negatives: task === 'ranking' ? 1 : 0 }, 1);
    const n = dataset.numRows;
    const items = new Int32Array(n);
    const rng = new Rng(3);
    for (let i = 0; i < n; i++) items[i] = 944 + rng.int(1683);
    const neg = task === 'ranking' ? { perRow: 1, itemSlot: new Int32Array(n).fill(1), items } : undefined;
    for (let e = 0; e < 5; e++) {
      const order = rng.permutation(n);
      const t0 = performance.now();
      await eng.trainPass(dataset, order, neg, { progress: () => false });
      const ms = performance.now() - t0;
      console.log(task, e, Math.round((n / ms) * 1000));
    }
  }
}
void main();
