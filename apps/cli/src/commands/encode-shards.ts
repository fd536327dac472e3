import { stat } from 'node:fs/promises';
import type { Encoder } from '@fm/data';
import { encodeToShards } from '@fm/data/node';
import type { CommandContext } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { resolveFormat } from '../inputs.js';
import { checkOutputs, describeKept, type PlannedInput } from '../output-plan.js';
import { encodeInputOf } from '../shard-encode.js';
import { describeHashReport, hashingFlags, streamProgress } from '../shard-input.js';
import { fmtNum } from '../text.js';

/** The flags of `fm encode --shards`. */
export interface EncodeShardsFlags {
  input: string;
  out: string;
  format?: string;
  columns?: string;
  'zero-based': boolean;
  'shard-rows'?: number;
  'shard-mb'?: number;
  'hash-bits'?: string;
  'hash-seed'?: number | undefined;
  grow: boolean;
}

/**
 * `fm encode --shards`: a raw file (or Parquet folder) streamed into a shard directory: one pass
 * with hashing or a reused encoder, two passes (vocabulary, then encode) otherwise; progress with an
 * ETA on a terminal; the directory replaces an older one as a unit, and Ctrl-C leaves it as it was.
 */
export async function encodeShards(v: EncodeShardsFlags, readEncoder: () => Promise<Encoder | undefined>, inputs: PlannedInput[], ctx: CommandContext): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const hashing = hashingFlags('encode', v['hash-bits'], v['hash-seed']);
  const st = await stat(v.input).catch(() => undefined);
  if (!st) throw new CliError(`--input ${v.input}: no such file`);
  const { format } = await resolveFormat(v.input, v.format, 'encode', v.columns);
  if (format === 'arrow' || format === 'movielens') {
    throw new UsageError(`fm encode: --shards reads CSV, Parquet, libFM and libFFM files; ${v.input} is ${format}`, 'encode');
  }
  const outputs = [{ flag: '--out', path: v.out, kind: 'shards' as const }];
  await checkOutputs('encode', inputs, outputs, false);
  ctx.kept = await describeKept(outputs);
  const encoder = await readEncoder();
  if (v.grow && !encoder) throw new UsageError('fm encode: --grow needs --encoder (the vocabularies to grow)', 'encode');
  if (hashing && encoder) throw new UsageError('fm encode: --hash-bits and --encoder do not go together (the encoder has its own hashing settings)', 'encode');
  const input = encodeInputOf(v.input, format, { columns: v.columns, command: 'encode', zeroBased: v['zero-based'] });
  const progress = streamProgress(ctx);
  let r;
  try {
    r = await encodeToShards(input, v.out, {
      ...(encoder ? { encoder } : {}),
      ...(v.grow ? { grow: true } : {}),
      ...(hashing ? { hashing } : {}),
      ...(v['shard-rows'] !== undefined ? { shardRows: v['shard-rows'] } : {}),
      ...(v['shard-mb'] !== undefined ? { shardBytes: Math.round(v['shard-mb'] * 2 ** 20) } : {}),
      onProgress: progress.onProgress,
    });
  } catch (e) {
    if (ctx.signal.aborted || (e as Error).name === 'ParseError') throw e;
    throw new CliError(`--input ${(e as Error).message.replace(/^encodeToShards: /, '')}`);
  } finally {
    progress.clear();
  }
  const m = r.manifest;
  const seconds = (performance.now() - t0) / 1000;
  ctx.print(`${v.input} (${format}): ${fmtNum(m.numRows)} rows, ${m.schema.fields.length} fields, ${fmtNum(m.schema.fields.reduce((s, f) => s + f.cardinality, 0))} features, ${r.passes} pass${r.passes === 1 ? '' : 'es'}`);
  if (r.hashReport) ctx.print(describeHashReport(r.hashReport));
  if (encoder && v.grow) {
    const grown = m.schema.fields.map((f, i) => [f.name, f.cardinality - (encoder.schema.fields[i]?.cardinality ?? 0)] as const).filter(([, d]) => d > 0);
    ctx.print(`grew the encoder: ${grown.length ? grown.map(([n, d]) => `${n} +${fmtNum(d)}`).join(', ') : 'no new values'}`);
  }
  ctx.print(`wrote ${v.out}: ${m.shards.length} shard${m.shards.length === 1 ? '' : 's'} + manifest.json in ${seconds.toFixed(1)}s (${fmtNum(Math.round(m.numRows / Math.max(1e-9, seconds)))} rows/s)`);
  return {
    input: v.input,
    format,
    out: v.out,
    rows: m.numRows,
    shards: m.shards.length,
    passes: r.passes,
    fields: m.schema.fields,
    ...(r.hashReport ? { hashing: r.hashReport } : {}),
    seconds,
  };
}
