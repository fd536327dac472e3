// Raw files encoded through the streaming encoder (`encodeToShards`) when the in-memory loaders
// cannot do it: hashing (`--hash-bits`) and growing a saved encoder (`--init-from`).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectSource, type Encoder, type SparseDataset } from '@fm/data';
import { encodeToShards, type EncodeInput } from '@fm/data/node';
import { CliError } from './errors.js';
import { columnSpec, type InputFormat, type LoadedInput, type LoadInputOptions } from './inputs.js';
import { openShards } from './shard-input.js';

/** The streaming encoder's description of a raw input file. */
export function encodeInputOf(path: string, format: InputFormat, opts: Pick<LoadInputOptions, 'columns' | 'command' | 'zeroBased'>): EncodeInput {
  switch (format) {
    case 'csv':
    case 'parquet':
      return { format, path, columns: columnSpec(path, opts) };
    case 'libffm':
      return { format: 'libffm', path };
    case 'libfm':
      return { format: 'libsvm', path, ...(opts.zeroBased ? { zeroBased: true } : {}) };
    default:
      throw new CliError(`${path}: ${format} input cannot be encoded into shards (use CSV, Parquet, libFM or libFFM)`);
  }
}

/**
 * Encodes a raw file with hashing and/or by growing `opts.encoder`, through a temporary shard
 * directory (removed afterwards), and reads it back into memory.
 */
export async function encodeThroughShards(path: string, format: InputFormat, opts: LoadInputOptions, flag: string): Promise<LoadedInput> {
  const input = encodeInputOf(path, format, opts);
  const tmp = await mkdtemp(join(tmpdir(), 'fm-encode-'));
  try {
    let r;
    try {
      r = await encodeToShards(input, join(tmp, 'data'), {
        ...(opts.encoder ? { encoder: opts.encoder } : {}),
        ...(opts.grow ? { grow: true } : {}),
        ...(opts.hashing ? { hashing: opts.hashing } : {}),
        onProgress: () => opts.signal?.throwIfAborted(),
      });
    } catch (e) {
      if (opts.signal?.aborted || (e as Error).name === 'ParseError') throw e;
      throw new CliError(`${flag} ${(e as Error).message.replace(/^encodeToShards: /, '')}`);
    }
    const sd = await openShards(join(tmp, 'data'), flag);
    const dataset = await collectSource(sd);
    return { path, source: path, format, dataset, ...(r.encoder ? { encoder: r.encoder } : {}), ...(r.hashReport ? { hashReport: r.hashReport } : {}) };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * A shard directory read into memory (for a validation set, an evaluation's training pairs, or a
 * small set). With `encoder`, the shards must have been encoded with it (same fields and ids).
 */
export async function readShardInput(path: string, flag: string, encoder?: Encoder): Promise<{ dataset: SparseDataset; encoder?: Encoder }> {
  const sd = await openShards(path, flag);
  const own = sd.encoder();
  if (encoder && (!sd.schema.equals(encoder.schema) || (own && JSON.stringify(own.toJSON()) !== JSON.stringify(encoder.toJSON())))) {
    throw new CliError(`${flag} ${path}: its fields differ from the model's or the training data's; encode it with that encoder (fm encode --shards --encoder MODEL_DIR)`);
  }
  const dataset = await collectSource(sd);
  const enc = encoder ?? own;
  return { dataset, ...(enc ? { encoder: enc } : {}) };
}
