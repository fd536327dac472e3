import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { generateCtr } from '@fm/data';
import { ShardedDataset, writeShards } from '@fm/data/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NativeModel } from './engines/native/native-model.js';
import { fit } from './fit.js';

const dir = mkdtempSync(join(tmpdir(), 'fm-stream-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('training from a streaming source (Arrow shards)', () => {
  it('equals in-memory training when the shuffle buffer holds every row, and bounded buffers still learn', async () => {
    const g = generateCtr({ rows: 12000, fields: 8, hashSize: 160, seed: 3, signal: 2.5 });
    const data = g.dataset;
    const held = generateCtr({ rows: 12000, fields: 8, hashSize: 160, seed: 3, signal: 2.5 }).dataset.slice(10000);
    const train = g.dataset.slice(0, 10000);
    await writeShards(join(dir, 'train'), train, { shardRows: 2500 });
    const source = await ShardedDataset.open(join(dir, 'train'));
    expect(source.numShards).toBe(4);
    const opts = { task: 'binary', epochs: 3, batchSize: 8, optimizer: 'adagrad', learningRate: 0.05, l2: 1e-3, seed: 7, validation: held, earlyStopping: false } as const;
    const make = () => NativeModel.create('fm', { fieldDims: data.schema.fieldDims, embeddingDim: 4, seed: 2, initStd: 0.1 });
    const inMemory = make();
    const a = await fit(inMemory, train, opts);
    const streamed = make();
    const b = await fit(streamed, source, { ...opts, initBias: false });
    // the bias starts from the first chunk's labels when streaming; start both the same way
    const inMemory2 = make();
    const c = await fit(inMemory2, train, { ...opts, initBias: false });
    expect(Array.from(streamed.params.factors)).toEqual(Array.from(inMemory2.params.factors));
    expect(b.history.map((h) => h.valMetrics?.['logloss'])).toEqual(c.history.map((h) => h.valMetrics?.['logloss']));
    expect(a.history.at(-1)?.valMetrics?.['logloss']).toBeLessThan(0.69);
    expect(b.history.map((h) => h.examplesPerSecond * h.seconds).map(Math.round)).toEqual([10000, 10000, 10000]);
    const bounded = make();
    const d = await fit(bounded, source, { ...opts, shuffleBuffer: 800 });
    expect(Array.from(bounded.params.factors)).not.toEqual(Array.from(streamed.params.factors));
    // a bounded buffer (a twelfth of the rows, a third of a shard) shuffles less well but still learns: near the in-memory run,
    // far below the constant predictor's log loss
    const rate = held.labels.reduce((x, y) => x + y, 0) / held.numRows;
    const constant = -(rate * Math.log(rate) + (1 - rate) * Math.log(1 - rate));
    const boundedLoss = d.history.at(-1)?.valMetrics?.['logloss'] as number;
    expect(boundedLoss).toBeLessThan((a.history.at(-1)?.valMetrics?.['logloss'] as number) + 0.02);
    expect(boundedLoss).toBeLessThan(constant - 0.03);
  });

  it('refuses what needs every row in memory', async () => {
    const source = await ShardedDataset.open(join(dir, 'train'));
    const m = NativeModel.create('fm', { fieldDims: source.schema.fieldDims, embeddingDim: 4 });
    await expect(fit(m, source, { validation: { fraction: 0.1 } })).rejects.toThrow(/validation set as a dataset/);
    await expect(fit(m, source, { task: 'binary', negativesPerPositive: 2 })).rejects.toThrow(/needs the training rows in memory/);
  });
});
