import { readModelDir } from '@fm/train/node';
import { defineCommand } from '../command.js';
import { FM_METADATA_KEY } from '@fm/train';
import { readModelDirAs, type CliModelMeta } from '../model-store.js';
import { SIDE_FILE } from '../side-features.js';
import { fmtNum, formatTable } from '../text.js';

/** The first value of `key` in a layers topology's layer configs (`embedding_dim`, …), descending into nested models. */
function topologyValue(node: unknown, key: string): unknown {
  if (Array.isArray(node)) {
    for (const x of node) {
      const v = topologyValue(x, key);
      if (v !== undefined) return v;
    }
    return undefined;
  }
  if (node === null || typeof node !== 'object') return undefined;
  const rec = node as Record<string, unknown>;
  if (rec[key] !== undefined) return rec[key];
  for (const v of Object.values(rec)) {
    const found = topologyValue(v, key);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** `fm info`: what a model directory holds, read without its weights. */
export const infoCommand = defineCommand({
  readOnly: true,
  name: 'info',
  summary: 'what a saved model is: kind, task, fields, size, how it was trained (its weights are not read)',
  usage: 'info --model DIR',
  options: {
    model: { type: 'string', placeholder: 'DIR', required: true, description: 'model directory from fm train (or saveModel of @fm/train)' },
  },
  examples: ['fm info --model out/fm-model'],
  async run({ values: v }, ctx) {
    const dir = await readModelDirAs(v.model, '--model', (d) => readModelDir(d, { weights: false }));
    const fm = (dir.artifacts.userDefinedMetadata?.[FM_METADATA_KEY] ?? {}) as { meta?: CliModelMeta & { kind?: string; fieldDims?: number[] }; encoder?: unknown };
    const meta = fm.meta;
    const specs = dir.artifacts.weightSpecs ?? [];
    const params = specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
    const bytes = dir.weightFiles.reduce((a, f) => a + f.bytes, 0);
    const k = topologyValue(dir.artifacts.modelTopology, 'embedding_dim');
    const kind = meta?.kind ?? 'unknown';
    const task = meta?.task ?? 'regression';
    const fields = meta?.schema?.fields ?? (meta?.fieldDims ?? []).map((c, i) => ({ name: `f${i}`, kind: 'categorical', cardinality: c }));
    const training = meta?.training as Record<string, unknown> | undefined;
    // MCMC and ALS run iterations (no early stopping); their solver is named in the record
    const bayesian = training?.['solver'] === 'mcmc' || training?.['solver'] === 'als';
    const extras = [
      ...(fm.encoder !== undefined ? ['encoder (raw files are encoded as in training)'] : []),
      ...(meta?.interactions ? [`training interactions (${fmtNum(meta.interactions.rows)} pairs: the items eval masks and recommend excludes)`] : []),
      ...(dir.files[SIDE_FILE] ? ['side features'] : []),
      ...(dir.files['bayes.bin'] ? [`posterior samples (bayes.bin, ${fmtNum(dir.files['bayes.bin'].byteLength)} bytes)`] : []),
      ...(meta?.titles ? [`${fmtNum(Object.keys(meta.titles).length)} item titles`] : []),
    ];
    ctx.print(`model ${v.model}: ${kind}, task ${task}${typeof k === 'number' ? `, k = ${k}` : ''}, ${fmtNum(params)} parameters (${fmtNum(bytes)} bytes of weights)`);
    if (meta?.createdAt) ctx.print(`saved ${meta.createdAt}`);
    ctx.print('');
    const scaling = numericScaling(fm.encoder);
    if (fields.some((f) => f.kind === 'numeric')) {
      ctx.print(formatTable(['field', 'kind', 'ids', 'values'], fields.map((f) => [f.name, f.kind, f.cardinality, f.kind === 'numeric' ? describeScaling(scaling[f.name]) : ''])));
    } else {
      ctx.print(formatTable(['field', 'kind', 'ids'], fields.map((f) => [f.name, f.kind, f.cardinality])));
    }
    if (meta?.ratingRange && task === 'regression') ctx.print(`ratings in [${meta.ratingRange.join(', ')}] (predictions are clipped to it)`);
    if (training) {
      ctx.print('');
      const opt = training['optimization'] as { optimizer?: string; learningRate?: number; batchSize?: number } | undefined;
      const val = training['valMetrics'] as Record<string, number> | undefined;
      const lines: [string, string][] = [
        ['data', String(training['data'] ?? '?')],
        ...(training['solver'] !== undefined ? [['solver', String(training['solver'])] as [string, string]] : []),
        ...(opt ? [['optimizer', `${opt.optimizer ?? '?'}, lr ${opt.learningRate ?? '?'}, batch ${opt.batchSize ?? '?'}`] as [string, string]] : []),
        ...(training['epochs'] !== undefined
          ? [(bayesian ? ['iterations', String(training['epochs'])] : ['epochs', `${String(training['epochs'])}${training['bestEpoch'] !== undefined ? ` (best ${String(training['bestEpoch'])}, kept)` : ''}`]) as [string, string]]
          : []),
        ...(training['engine'] !== undefined ? [['engine', `${String(training['engine'])}${training['engineReason'] ? ` (${String(training['engineReason'])})` : ''}`] as [string, string]] : []),
        ...(val ? [['validation', Object.entries(val).map(([m, x]) => `${m} ${x.toFixed(4)}`).join(', ')] as [string, string]] : []),
        ...(typeof training['wallSeconds'] === 'number' ? [['trained in', `${(training['wallSeconds'] as number).toFixed(1)} s`] as [string, string]] : []),
      ];
      ctx.print(formatTable(['training', ''], lines));
    }
    if (extras.length > 0) {
      ctx.print('');
      ctx.print(`also: ${extras.join('; ')}`);
    }
    return {
      model: v.model,
      kind,
      task,
      k: typeof k === 'number' ? k : null,
      parameters: params,
      weight_bytes: bytes,
      fields,
      numeric_scaling: scaling,
      rating_range: task === 'regression' ? (meta?.ratingRange ?? null) : null,
      training: training ?? null,
      created_at: meta?.createdAt ?? null,
      encoder: fm.encoder !== undefined,
      interactions: meta?.interactions?.rows ?? null,
      side_features: dir.files[SIDE_FILE] !== undefined,
      bayesian: dir.files['bayes.bin'] !== undefined,
    };
  },
});

/** A numeric field's scaling as saved in the encoder: how, and value = (raw − center) / spread. */
interface Scaling {
  scale: string;
  center: number;
  spread: number;
}

/** The scaled numeric fields of a saved encoder's JSON, by field name (absent: raw values). */
function numericScaling(encoder: unknown): Record<string, Scaling> {
  const out: Record<string, Scaling> = {};
  const fields = (encoder as { fields?: unknown } | undefined)?.fields;
  if (!Array.isArray(fields)) return out;
  for (const f of fields as { name?: unknown; scale?: unknown; scaleBy?: { center?: unknown; spread?: unknown } }[]) {
    const by = f.scaleBy;
    if (typeof f.name === 'string' && typeof by?.center === 'number' && typeof by.spread === 'number') {
      out[f.name] = { scale: typeof f.scale === 'string' ? f.scale : 'given', center: by.center, spread: by.spread };
    }
  }
  return out;
}

/** "min-max: (x − 100) / 4900", or "raw" for a numeric field used as given. */
function describeScaling(s: Scaling | undefined): string {
  if (s === undefined) return 'raw';
  const n = (x: number) => String(Number(x.toPrecision(6)));
  const how = s.scale === 'minmax' ? 'min-max' : s.scale === 'log' ? 'log, then min-max' : s.scale;
  const x = s.scale === 'log' ? 'ln(1 + x)' : 'x';
  return `${how}: (${x} ${s.center < 0 ? '+' : '−'} ${n(Math.abs(s.center))}) / ${n(s.spread)}`;
}
