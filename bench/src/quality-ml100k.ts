/**
 * Quality check on MovieLens-100K split `ua` (not a test: the data cannot be committed).
 * Trains a model with @fm/train's defaults (early stopping on a seeded validation slice of ua.base, no
 * tuning on ua.test) and reports test RMSE, epochs, settings and wall time.
 *
 *   pnpm --filter @fm/bench quality [--dir ../shared/data/ml-100k] [--model fm] [--features genres,age,...] [--dim 16]
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { encodeInteractions, type InteractionFeature } from '@fm/data';
import { loadMovieLens } from '@fm/data/node';
import { createModel, type ModelKind } from '@fm/layers';
import { fit, predict, selectBackend } from '@fm/train';
import { rmse, mae } from '@fm/eval';
import { benchArgs } from './bench-args.js';

export interface QualityResult {
  model: string;
  features: string;
  dim: number;
  backend: string;
  engine: string;
  threads: number;
  epochs: number;
  bestEpoch: number;
  testRmse: number;
  testMae: number;
  wallSeconds: number;
}

export async function runQualityMl100k(opts: { dir: string; model?: ModelKind; features?: InteractionFeature[]; dim?: number; backend?: string }): Promise<QualityResult> {
  const t0 = performance.now();
  const report = await selectBackend((opts.backend ?? 'auto') as never);
  const base = await loadMovieLens(join(opts.dir, 'ua.base'));
  const test = await loadMovieLens(join(opts.dir, 'ua.test'));
  const features = opts.features ?? [];
  const enc = encodeInteractions(base.interactions, { items: base.items, users: base.users, features });
  const testEnc = encodeInteractions(test.interactions, {
    encoder: enc.encoder,
    items: base.items,
    users: base.users,
    features,
    implicitFrom: base.interactions,
  });
  const kind = opts.model ?? 'fm';
  const dim = opts.dim ?? 16;
  const model = createModel(kind, { fieldDims: enc.encoder.schema.fieldDims, embeddingDim: dim, width: enc.dataset.maxRowLength, seed: 1 });
  const result = await fit(model, enc.dataset, {
    task: 'regression',
    callbacks: {
      onEpochEnd: (e) => {
        process.stderr.write(`epoch ${e.epoch} loss ${e.loss.toFixed(4)} val ${JSON.stringify(e.valMetrics ?? {})} ${Math.round(e.examplesPerSecond)} ex/s\n`);
      },
    },
  });
  const pred = await predict(model, testEnc.dataset, { clip: [1, 5] });
  const r: QualityResult = {
    model: kind,
    features: ['user', 'item', ...features].join('+'),
    dim,
    backend: report.backend,
    engine: result.engine,
    threads: result.threads,
    epochs: result.epochs,
    bestEpoch: result.bestEpoch,
    testRmse: rmse(pred, testEnc.dataset.labels),
    testMae: mae(pred, testEnc.dataset.labels),
    wallSeconds: (performance.now() - t0) / 1000,
  };
  model.dispose();
  void tf;
  return r;
}

async function main(): Promise<void> {
  const { values } = benchArgs(import.meta.url, {
    options: { dir: { type: 'string' }, model: { type: 'string' }, features: { type: 'string' }, dim: { type: 'string' }, backend: { type: 'string' } },
  });
  const dir = resolve(values.dir ?? join(import.meta.dirname, '../../../shared/data/ml-100k'));
  if (!existsSync(join(dir, 'ua.base'))) {
    console.error(`quality: ${join(dir, 'ua.base')} not found (pass --dir to the MovieLens-100K folder)`);
    process.exit(1);
  }
  const r = await runQualityMl100k({
    dir,
    model: (values.model ?? 'fm') as ModelKind,
    features: values.features ? (values.features.split(',') as InteractionFeature[]) : [],
    dim: values.dim ? Number(values.dim) : undefined,
    backend: values.backend,
  });
  console.log(JSON.stringify(r, null, 2));
}

if (process.argv[1] && import.meta.filename === resolve(process.argv[1])) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
