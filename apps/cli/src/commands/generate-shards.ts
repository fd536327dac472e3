import { writeCtrShards } from '@fm/data/node';
import type { CommandContext } from '../context.js';
import { checkOutputs, describeKept } from '../output-plan.js';
import { streamProgress } from '../shard-input.js';
import { fmtNum } from '../text.js';

/** The flags of `fm generate ctr --format shards`. */
export interface GenerateShardsFlags {
  out: string;
  rows?: number;
  fields?: number;
  'hash-size'?: number;
  rank?: number;
  seed: number;
  'shard-rows'?: number;
  'shard-mb'?: number;
}

/**
 * `fm generate ctr --format shards`: the planted-FM click log generated chunk by chunk straight into
 * a shard directory (memory: the planted model, one chunk, one shard), replacing an older one as a unit.
 */
export async function generateCtrShards(v: GenerateShardsFlags, ctx: CommandContext): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const outputs = [{ flag: '--out', path: v.out, kind: 'shards' as const }];
  await checkOutputs('generate', [], outputs, false);
  ctx.kept = await describeKept(outputs);
  const progress = streamProgress(ctx);
  let r;
  try {
    r = await writeCtrShards(v.out, {
      ...(v.rows !== undefined ? { rows: v.rows } : {}),
      ...(v.fields !== undefined ? { fields: v.fields } : {}),
      ...(v['hash-size'] !== undefined ? { hashSize: v['hash-size'] } : {}),
      ...(v.rank !== undefined ? { rank: v.rank } : {}),
      ...(v['shard-rows'] !== undefined ? { shardRows: v['shard-rows'] } : {}),
      ...(v['shard-mb'] !== undefined ? { shardBytes: Math.round(v['shard-mb'] * 2 ** 20) } : {}),
      seed: v.seed,
      onProgress: progress.onProgress,
    });
  } finally {
    progress.clear();
  }
  const m = r.manifest;
  const seconds = (performance.now() - t0) / 1000;
  ctx.print(`ctr: ${fmtNum(m.numRows)} rows, ${m.schema.fields.length} fields, ${fmtNum(m.schema.fields.reduce((s, f) => s + f.cardinality, 0))} features`);
  ctx.print(`  planted model: base rate ${r.baseRate.toFixed(4)}, best achievable log loss ${r.bestLogLoss.toFixed(4)}`);
  ctx.print(`wrote ${v.out}: ${m.shards.length} shard${m.shards.length === 1 ? '' : 's'} + manifest.json in ${fmtNum(seconds)}s`);
  return { kind: 'ctr', format: 'shards', out: v.out, rows: m.numRows, shards: m.shards.length, bestLogLoss: r.bestLogLoss, baseRate: r.baseRate, seconds };
}
