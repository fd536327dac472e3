import { readFile, stat } from 'node:fs/promises';
import { Encoder } from '@fm/data';
import { defineCommand } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { COLUMNS_OPTION, describeUnseen, encoderSidecar, FORMAT_OPTION, loadInput, titlesSidecar, ZERO_BASED_OPTION } from '../inputs.js';
import { loadModelBundle } from '../model-store.js';
import { checkOutputs, describeKept, type PlannedInput } from '../output-plan.js';
import { datasetOutputs, writeDataset } from '../outputs.js';
import { printSummary, summarize } from '../summary.js';

/** The encoder saved in a model directory, or in an `.encoder.json` file. */
async function readEncoder(path: string): Promise<Encoder> {
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new CliError(`--encoder ${path}: no such model directory or encoder file`);
  if (st.isDirectory()) {
    const bundle = await loadModelBundle(path, '--encoder');
    bundle.model.dispose();
    if (!bundle.encoder) throw new CliError(`--encoder ${path}: the model directory has no encoder (it was trained on an .arrow file without one)`);
    return bundle.encoder;
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
  summary: 'encode a raw data file (MovieLens, CSV, libFM, libFFM) into an .arrow file',
  usage: 'encode --input FILE [--format F] [--columns SPEC] [--encoder MODEL_DIR|FILE.encoder.json] --out FILE.arrow',
  description: `
Parses the input (bad lines are reported with file:line), fits an encoder (vocabularies with an
out-of-vocabulary bucket per field) — or reuses a saved one with --encoder, so a test file gets the
training file's ids (values it never saw go to the out-of-vocabulary bucket and are counted) — and
writes the encoded rows as an Arrow IPC file. The encoder is saved beside it as FILE.encoder.json
(and item titles as FILE.items.json when the source has them); the three replace older ones as one unit.`,
  options: {
    input: { type: 'string', short: 'i', placeholder: 'FILE', required: true, description: 'raw input file (or a MovieLens directory)' },
    format: FORMAT_OPTION,
    columns: COLUMNS_OPTION,
    'zero-based': ZERO_BASED_OPTION,
    encoder: { type: 'string', placeholder: 'MODEL_DIR|FILE', description: 'encode with the encoder of a model directory or an .encoder.json file' },
    force: { type: 'boolean', description: 'overwrite output files that fm did not write' },
    out: { type: 'string', short: 'o', placeholder: 'FILE.arrow', required: true, description: 'output .arrow file' },
  },
  examples: [
    'fm encode --input ml-100k/u.data --out out/ml100k.arrow',
    'fm encode --input clicks.csv --columns "label=click,site:cat,ad:cat" --out out/clicks.arrow',
    'fm encode --input test.libfm --encoder out/model --out out/test.arrow',
  ],
  async run({ values: v }, ctx) {
    if (!v.out.toLowerCase().endsWith('.arrow')) throw new UsageError(`fm encode: --out ${v.out}: expected a file name ending in .arrow`, 'encode');
    const t0 = performance.now();
    const inputs: PlannedInput[] = [{ flag: '--input', path: v.input }];
    if (v.input.toLowerCase().endsWith('.arrow')) inputs.push({ flag: '--input (its encoder sidecar)', path: encoderSidecar(v.input) }, { flag: '--input (its titles sidecar)', path: titlesSidecar(v.input) });
    if (v.encoder !== undefined) inputs.push({ flag: '--encoder', path: v.encoder });
    const outputs = datasetOutputs('--out', v.out);
    await checkOutputs('encode', inputs, outputs, v.force);
    ctx.kept = await describeKept(outputs.slice(0, 1));
    const encoder = v.encoder !== undefined ? await readEncoder(v.encoder) : undefined;
    const input = await loadInput(v.input, {
      command: 'encode',
      flag: '--input',
      ...(v.format !== undefined ? { format: v.format } : {}),
      ...(v.columns !== undefined ? { columns: v.columns } : {}),
      ...(encoder ? { encoder } : {}),
      zeroBased: v['zero-based'],
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
