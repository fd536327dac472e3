import type { Interactions, SparseDataset } from '@fm/data';
import type { CommandContext } from './context.js';
import { fmtNum, fmtPercent, formatHistogram, labelHistogram } from './text.js';

/** Figures describing a dataset (what `fm encode`/`generate`/`demo` print). */
export interface DatasetSummary {
  rows: number;
  fields: { name: string; kind: string; cardinality: number }[];
  features: number;
  nnz: number;
  users?: number;
  items?: number;
  /** rows / (users × items) when users and items are known. */
  density?: number;
  labelMean: number;
  labelMin: number;
  labelMax: number;
  histogram: { label: string; count: number }[];
}

function distinct(a: Int32Array): number {
  return new Set(a).size;
}

/**
 * Summarises a dataset; users/items come from the raw interactions when given, else from the
 * dataset's `user`/`item` side columns when present.
 */
export function summarize(ds: SparseDataset, interactions?: Interactions): DatasetSummary {
  const n = ds.numRows;
  let sum = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const y = ds.labels[i] as number;
    sum += y;
    if (y < lo) lo = y;
    if (y > hi) hi = y;
  }
  const userCol = interactions?.user ?? (ds.columns.user instanceof Int32Array ? ds.columns.user : undefined);
  const itemCol = interactions?.item ?? (ds.columns.item instanceof Int32Array ? ds.columns.item : undefined);
  const users = userCol ? distinct(userCol) : undefined;
  const items = itemCol ? distinct(itemCol) : undefined;
  return {
    rows: n,
    fields: ds.schema.fields.map((f) => ({ name: f.name, kind: f.kind, cardinality: f.cardinality })),
    features: ds.schema.numFeatures,
    nnz: ds.nnz,
    ...(users !== undefined ? { users } : {}),
    ...(items !== undefined ? { items } : {}),
    ...(users && items ? { density: n / (users * items) } : {}),
    labelMean: n ? sum / n : NaN,
    labelMin: lo,
    labelMax: hi,
    histogram: labelHistogram(ds.labels),
  };
}

/** Prints a summary as human text. */
export function printSummary(ctx: CommandContext, s: DatasetSummary, title = 'dataset'): void {
  ctx.print(`${title}: ${fmtNum(s.rows)} rows, ${s.fields.length} fields, ${fmtNum(s.features)} features, ${fmtNum(s.nnz)} non-zeros`);
  ctx.print(`  fields: ${s.fields.map((f) => `${f.name} (${f.kind}, ${fmtNum(f.cardinality)})`).join(', ')}`);
  if (s.users !== undefined && s.items !== undefined) {
    ctx.print(`  users: ${fmtNum(s.users)}  items: ${fmtNum(s.items)}  density: ${s.density !== undefined ? fmtPercent(s.density) : '?'}`);
  }
  ctx.print(`  label: mean ${fmtNum(s.labelMean)}, range [${fmtNum(s.labelMin)}, ${fmtNum(s.labelMax)}]`);
  if (s.histogram.length > 1) {
    ctx.print('  label histogram:');
    ctx.print(formatHistogram(s.histogram, 30));
  }
}
