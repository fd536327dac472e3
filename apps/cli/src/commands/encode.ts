import { readFile, stat } from 'node:fs/promises';
import { Encoder } from '@fm/data';
import { defineCommand } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { checkFormatFlags, COLUMNS_OPTION, describeUnseen, encoderSidecar, FORMAT_OPTION, formatFlags, loadInput, titlesSidecar, ZERO_BASED_OPTION } from '../inputs.js';
import { loadEncoderOf } from '../model-store.js';
import { checkOutputs, describeKept, type PlannedInput } from '../output-plan.js';
import { datasetOutputs, writeDataset } from '../outputs.js';
import { HASH_BITS_OPTION, HASH_SEED_OPTION } from '../shard-input.js';
import { printSummary, summarize } from '../summary.js';
import { encodeShards } from './encode-shards.js';

/** The encoder saved in a model directory, or in an `.encoder.json` file. */
async function readEncoder(path: string): Promise<Encoder> {
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new CliError(`--encoder ${path}: no such model directory or encoder file`);
  if (st.isDirectory()) {
    // the encoder only: a big model's weights are not read
    const encoder = await loadEncoderOf(path, '--encoder');
    if (!encoder) throw new CliError(`--encoder ${path}: the model directory has no encoder (it was trained on an .arrow file without one)`);
    return encoder;
  }
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new CliError(`--encoder ${path}: not valid JSON (${(e as Error).message})`);
  }
  try {
    return Encoder.fromJSON(json);
  } catch (e) {
    throw new CliError(`--encoder ${path}: ${(e as Error).message}`);
  }
}

/** `fm encode`: a raw file to an encoded `.arrow` (+ encoder sidecar). */
export const encodeCommand = defineCommand({
  name: 'encode',
  summary: 'encode a raw data file (MovieLens, CSV, Parquet, libFM, libFFM) into an .arrow file or a shard directory',
  usage: 'encode --input FILE [--format F] [--columns SPEC] [--encoder MODEL_DIR|FILE.encoder.json] --out FILE.arrow | --shards --out DIR [--hash-bits B]',
  description: `
Parses the input (bad lines are reported with file:line), fits an encoder (vocabularies with an
out-of-vocabulary bucket per field) — or reuses a saved one with --encoder, so a test file gets the
training file's ids (values it never saw go to the out-of-vocabulary bucket and are counted) — and
writes the encoded rows as an Arrow IPC file. The encoder is saved beside it as FILE.encoder.json
(and item titles as FILE.items.json when the source has them); the three replace older ones as one unit.

--shards streams a file of any size (CSV, Parquet file or folder, libFM, libFFM) into a shard directory:
Arrow IPC shards of bounded size (--shard-mb, --shard-rows) and a manifest.json with the schema, row
counts and the encoder. Memory follows one chunk and the vocabularies: two passes (count values, then
encode) or one with --hash-bits (each categorical field hashed into 2^B ids; collisions are counted and
printed) or with --encoder (--grow adds the new values of the file to its vocabularies: a warm start
with fm train --init-from). A terminal shows progress with an ETA. The directory replaces an older one
as a unit; Ctrl-C or a crash leaves the old one. fm train, fm eval take the directory as --data.`,
  options: {
    input: { type: 'string', short: 'i', placeholder: 'FILE', required: true, description: 'raw input file (or a MovieLens directory)' },
    format: FORMAT_OPTION,
    columns: COLUMNS_OPTION,
    'zero-based': ZERO_BASED_OPTION,
    encoder: { type: 'string', placeholder: 'MODEL_DIR|FILE', description: 'encode with the encoder of a model directory or an .encoder.json file' },
    force: { type: 'boolean', description: 'overwrite output files that fm did not write' },
    shards: { type: 'boolean', description: 'stream into a shard directory --out DIR (any input size)' },
    'shard-mb': { type: 'number', min: 1, placeholder: 'MB', description: 'with --shards: most MiB per shard file (default 64)' },
    'shard-rows': { type: 'int', min: 1, placeholder: 'N', description: 'with --shards: most rows per shard file' },
    'hash-bits': HASH_BITS_OPTION,
    'hash-seed': HASH_SEED_OPTION,
    grow: { type: 'boolean', description: 'with --shards --encoder: add the values the encoder lacks (new ids after the old ones) instead of the out-of-vocabulary bucket' },
    out: { type: 'string', short: 'o', placeholder: 'FILE.arrow|DIR', required: true, description: 'output .arrow file (a directory with --shards)' },
  },
  examples: [
    'fm encode --input ml-100k/u.data --out out/ml100k.arrow',
    'fm encode --input clicks.csv --columns "label=click,site:cat,ad:cat" --out out/clicks.arrow',
    'fm encode --input test.libfm --encoder out/model --out out/test.arrow',
    'fm encode --input day1.ffm --shards --hash-bits 20 --out out/day1',
    'fm encode --input spark-out/ --format parquet --columns "label=click,site:cat,ad:cat" --shards --out out/clicks',
  ],
  async run({ values: v }, ctx) {
    if (!v.shards) {
      for (const f of ['shard-mb', 'shard-rows', 'hash-bits'] as const) if (v[f] !== undefined) throw new UsageError(`fm encode: --${f} needs --shards`, 'encode');
      if (v.grow) throw new UsageError('fm encode: --grow needs --shards', 'encode');
    } else {
      if (v.out.toLowerCase().endsWith('.arrow')) throw new UsageError(`fm encode: --shards writes a directory; --out ${v.out} looks like a file name`, 'encode');
      const inputs: PlannedInput[] = [{ flag: '--input', path: v.input }];
      if (v.encoder !== undefined) inputs.push({ flag: '--encoder', path: v.encoder });
      return encodeShards(v, async () => (v.encoder !== undefined ? readEncoder(v.encoder) : undefined), inputs, ctx);
    }
    if (!v.out.toLowerCase().endsWith('.arrow')) throw new UsageError(`fm encode: --out ${v.out}: expected a file name ending in .arrow`, 'encode');
    const t0 = performance.now();
    const inputs: PlannedInput[] = [{ flag: '--input', path: v.input }];
    if (v.input.toLowerCase().endsWith('.arrow')) inputs.push({ flag: '--input (its encoder sidecar)', path: encoderSidecar(v.input) }, { flag: '--input (its titles sidecar)', path: titlesSidecar(v.input) });
    if (v.encoder !== undefined) inputs.push({ flag: '--encoder', path: v.encoder });
    const outputs = datasetOutputs('--out', v.out);
    await checkOutputs('encode', inputs, outputs, v.force);
    ctx.kept = await describeKept(outputs.slice(0, 1));
    const encoder = v.encoder !== undefined ? await readEncoder(v.encoder) : undefined;
    await checkFormatFlags('encode', v, [v.input]);
    const input = await loadInput(v.input, {
      command: 'encode',
      flag: '--input',
      ...formatFlags(v),
      ...(encoder ? { encoder } : {}),
      signal: ctx.signal,
    });
    const unseen = input.unseen ? describeUnseen(v.input, input.unseen, input.dataset.numRows) : undefined;
    if (unseen) ctx.note(unseen);
    ctx.signal.throwIfAborted();
    const files = await writeDataset(v.out, input.dataset, {
      ...(input.encoder ? { encoder: input.encoder } : {}),
      ...(input.titles ? { titles: input.titles } : {}),
    });
    const summary = summarize(input.dataset, input.interactions);
    printSummary(ctx, summary, `${v.input} (${input.format})`);
    ctx.print(`wrote ${files.join(', ')}`);
    return {
      input: v.input,
      format: input.format,
      files,
      summary,
      ...(input.zeroBased !== undefined ? { zero_based: input.zeroBased } : {}),
      ...(input.unseen ? { unseen: input.unseen } : {}),
      seconds: (performance.now() - t0) / 1000,
    };
  },
});
