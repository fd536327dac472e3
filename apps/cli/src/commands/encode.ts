import { defineCommand } from '../command.js';
import { CliError } from '../errors.js';
import { COLUMNS_OPTION, FORMAT_OPTION, loadInput } from '../inputs.js';
import { writeDataset } from '../outputs.js';
import { printSummary, summarize } from '../summary.js';

/** `fm encode`: a raw file to an encoded `.arrow` (+ encoder sidecar). */
export const encodeCommand = defineCommand({
  name: 'encode',
  summary: 'encode a raw data file (MovieLens, CSV, libFM, libFFM) into an .arrow file',
  usage: 'encode --input FILE [--format F] [--columns SPEC] --out FILE.arrow',
  description: `
Parses the input (bad lines are reported with file:line), fits an encoder (vocabularies with an
out-of-vocabulary bucket per field) and writes the encoded rows as an Arrow IPC file. The encoder is
saved beside it as FILE.encoder.json (and item titles as FILE.items.json when the source has them),
so that raw ids can be scored later.`,
  options: {
    input: { type: 'string', short: 'i', placeholder: 'FILE', required: true, description: 'raw input file (or a MovieLens directory)' },
    format: FORMAT_OPTION,
    columns: COLUMNS_OPTION,
    out: { type: 'string', short: 'o', placeholder: 'FILE.arrow', required: true, description: 'output .arrow file' },
  },
  examples: ['fm encode --input ml-100k/u.data --out out/ml100k.arrow', 'fm encode --input clicks.csv --columns "label=click,site:cat,ad:cat" --out out/clicks.arrow'],
  async run({ values: v }, ctx) {
    if (!v.out.toLowerCase().endsWith('.arrow')) throw new CliError(`--out ${v.out}: expected a file name ending in .arrow`);
    const t0 = performance.now();
    const input = await loadInput(v.input, {
      command: 'encode',
      ...(v.format !== undefined ? { format: v.format } : {}),
      ...(v.columns !== undefined ? { columns: v.columns } : {}),
    });
    const files = await writeDataset(v.out, input.dataset, {
      ...(input.encoder ? { encoder: input.encoder } : {}),
      ...(input.titles ? { titles: input.titles } : {}),
    });
    const summary = summarize(input.dataset, input.interactions);
    printSummary(ctx, summary, `${v.input} (${input.format})`);
    if (input.skipped > 0) ctx.note(`skipped ${input.skipped} bad lines; first: ${input.errors[0] ?? ''}`);
    ctx.print(`wrote ${files.join(', ')}`);
    return { input: v.input, format: input.format, files, summary, skipped: input.skipped, seconds: (performance.now() - t0) / 1000 };
  },
});
