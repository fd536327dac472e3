import type { EncoderJSON } from './encoder.js';
import { FieldSchema, type FieldSpec } from './field-schema.js';
import type { HashReport } from './hashing.js';

/** Format tag of a sharded dataset's manifest. */
export const SHARDS_FORMAT = 'fm-shards';
/** Version of the manifest layout this package writes and reads. */
export const SHARDS_VERSION = 1;
/** File name of the manifest inside a shard directory. */
export const SHARDS_MANIFEST = 'manifest.json';

/** One shard: an Arrow IPC file in the directory (the layout of `datasetToIPC`). */
export interface ShardInfo {
  /** File name inside the directory, e.g. `part-00000.arrow`. */
  file: string;
  rows: number;
  nnz: number;
  /** Size of the file in bytes. */
  bytes: number;
  /** Longest row in the shard. */
  maxRowLength: number;
}

/** Hashing settings of an encoded dataset, and the collisions seen while encoding it. */
export interface ShardHashing {
  seed: number;
  /** Hash bits per hashed field. */
  bits: Record<string, number>;
  report?: HashReport;
}

/**
 * `manifest.json` of a sharded dataset: a directory of Arrow IPC shards of bounded size written
 * by `ShardWriter` (`@fm/data/node`). The manifest is written last, so a directory with one is
 * complete. `schema` is authoritative for every shard (a shard's own embedded schema may be a
 * prefix of it when the last field grew while writing).
 */
export interface ShardManifest {
  format: typeof SHARDS_FORMAT;
  version: typeof SHARDS_VERSION;
  schema: { fields: FieldSpec[] };
  numRows: number;
  nnz: number;
  maxRowLength: number;
  /** Side columns every shard carries. */
  columns: string[];
  shards: ShardInfo[];
  /** The encoder that produced the rows, to encode test files the same way. */
  encoder?: EncoderJSON;
  /** Hashing settings (also inside `encoder`) and the collision report. */
  hashing?: ShardHashing;
  /** Where the rows came from (input file and format, generator options, …), for people. */
  source?: Record<string, unknown>;
  /** ISO time of writing. */
  createdAt: string;
}

function count(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/**
 * Checks a parsed manifest (format, version, schema, shard list and totals); throws naming
 * `where` (the file) and what is wrong. Returns it typed, with its schema built.
 */
export function parseShardManifest(json: unknown, where: string): { manifest: ShardManifest; schema: FieldSchema } {
  const m = json as Partial<ShardManifest> | null;
  if (typeof m !== 'object' || m === null) throw new Error(`${where}: expected a JSON object`);
  if (m.format !== SHARDS_FORMAT) throw new Error(`${where}: expected format "${SHARDS_FORMAT}", got ${JSON.stringify(m.format)}`);
  if (m.version !== SHARDS_VERSION) {
    throw new Error(`${where}: manifest version ${JSON.stringify(m.version)}, this @fm/data reads version ${SHARDS_VERSION}`);
  }
  let schema: FieldSchema;
  try {
    schema = FieldSchema.fromJSON(m.schema);
  } catch (e) {
    throw new Error(`${where}: bad "schema": ${(e as Error).message}`);
  }
  if (!Array.isArray(m.shards)) throw new Error(`${where}: expected a "shards" array`);
  if (!Array.isArray(m.columns) || !m.columns.every((c) => typeof c === 'string')) throw new Error(`${where}: expected a "columns" array of names`);
  let rows = 0;
  let nnz = 0;
  let maxLen = 0;
  const files = new Set<string>();
  m.shards.forEach((s: Partial<ShardInfo>, i) => {
    if (typeof s?.file !== 'string' || !/^[\w.-]+$/.test(s.file) || s.file === SHARDS_MANIFEST) {
      throw new Error(`${where}: shard ${i} needs a plain "file" name inside the directory`);
    }
    if (files.has(s.file)) throw new Error(`${where}: shard file "${s.file}" is listed twice`);
    files.add(s.file);
    for (const k of ['rows', 'nnz', 'bytes', 'maxRowLength'] as const) {
      if (!count(s[k])) throw new Error(`${where}: shard ${i} (${s.file}) needs an integer "${k}" ≥ 0`);
    }
    rows += s.rows as number;
    nnz += s.nnz as number;
    maxLen = Math.max(maxLen, s.maxRowLength as number);
  });
  if (m.numRows !== rows || m.nnz !== nnz || m.maxRowLength !== maxLen) {
    throw new Error(
      `${where}: totals (numRows ${m.numRows}, nnz ${m.nnz}, maxRowLength ${m.maxRowLength}) disagree with the shards (${rows}, ${nnz}, ${maxLen})`,
    );
  }
  return { manifest: m as ShardManifest, schema };
}
