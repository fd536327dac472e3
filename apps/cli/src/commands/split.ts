import { leaveLastOut, randomSplit, temporalSplit, type Split } from '@fm/data';
import { commitOutputs, readLines, type OutputFile } from '@fm/data/node';
import { defineCommand } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { checkFormatFlags, COLUMNS_OPTION, encoderSidecar, FORMAT_OPTION, formatFlags, loadInput, titlesSidecar, ZERO_BASED_OPTION, type LoadedInput } from '../inputs.js';
import { checkOutputs, describeKept, type PlannedInput, type PlannedOutput } from '../output-plan.js';
import { datasetFiles, datasetOutputs } from '../outputs.js';
import { fmtNum } from '../text.js';

const isArrow = (p: string) => p.toLowerCase().endsWith('.arrow');

/** True when the first data line of a text input is a header (MovieLens ratings.csv, CSV with a header). */
function hasHeader(input: LoadedInput, columns: string | undefined): boolean {
  if (input.format === 'movielens') return input.layout === 'ratings.csv';
  if (input.format === 'csv') return !/(^|,)\s*header\s*=\s*(no|false|0)\s*(,|$)/.test(columns ?? '');
  return false;
}

/**
 * The selected rows of a text input as text, its lines unchanged (read and written as latin1, so
 * every byte is kept), a header line copied to both outputs. With strict parsing every non-blank,
 * non-header line is one row, in order.
 */
async function splitLines(input: LoadedInput, columns: string | undefined, parts: Int32Array[], signal: AbortSignal): Promise<string[]> {
  const which = new Int8Array(input.dataset.numRows).fill(-1);
  parts.forEach((rows, p) => rows.forEach((r) => (which[r] = p)));
  const out = parts.map(() => [] as string[]);
  const header = hasHeader(input, columns);
  let row = 0;
  let sawHeader = false;
  for await (const raw of readLines(input.source, 'latin1', signal)) {
    if (raw.trim() === '') continue;
    if (header && !sawHeader) {
      sawHeader = true;
      for (const o of out) o.push(raw);
      continue;
    }
    const p = which[row++];
    if (p === undefined) throw new CliError(`${input.source}: has more data lines than rows were read (${input.dataset.numRows}); was it changed meanwhile?`);
    if (p >= 0) out[p]?.push(raw);
  }
  if (row !== input.dataset.numRows) throw new CliError(`${input.source}: has ${row} data lines but ${input.dataset.numRows} rows were read; was it changed meanwhile?`);
  return out.map((lines) => (lines.length > 0 ? `${lines.join('\n')}\n` : ''));
}

/** `fm split`: train/test split of a data file. */
export const splitCommand = defineCommand({
  name: 'split',
  summary: 'split a data file into train and test (random, leave-last-out per user, or temporal)',
  usage: 'split --input FILE [--format F] --strategy random|leave-last-out|temporal --train OUT --test OUT',
  description: `
Outputs ending in .arrow are written encoded (both with the same encoder, fitted on the whole
input, so test ids line up with train ids). Other names get the input's own text format: its lines
unchanged (MovieLens TSV, ::, csv; libFM; libFFM; CSV, a header kept in both), so they read back
with fm like the input. The two outputs (and their sidecars) replace older ones as one unit; neither
may be the input or the other output, and a file fm did not write is only overwritten with --force.
leave-last-out and temporal need user ids and timestamps (MovieLens input, or .arrow files with
"user" and "timestamp" columns as written by fm encode / fm generate).`,
  options: {
    input: { type: 'string', short: 'i', placeholder: 'FILE', required: true, description: 'input file' },
    format: FORMAT_OPTION,
    columns: COLUMNS_OPTION,
    'zero-based': ZERO_BASED_OPTION,
    strategy: { type: 'enum', choices: ['random', 'leave-last-out', 'temporal'], default: 'random', description: 'how to split' },
    'test-fraction': { type: 'number', min: 0, max: 1, exclusiveMin: true, exclusiveMax: true, placeholder: 'F', description: 'test share (random, temporal; default 0.1)' },
    seed: { type: 'int', default: 42, description: 'random seed (random split; tie-breaking)' },
    train: { type: 'string', placeholder: 'OUT', required: true, description: 'train output' },
    test: { type: 'string', placeholder: 'OUT', required: true, description: 'test output' },
    force: { type: 'boolean', description: 'overwrite output files that fm did not write' },
  },
  examples: [
    'fm split --input out/ratings.arrow --strategy leave-last-out --train out/train.arrow --test out/test.arrow',
    'fm split --input ml-100k/u.data --strategy leave-last-out --train out/train.tsv --test out/test.tsv',
  ],
  async run({ values: v }, ctx) {
    const outs: [string, string][] = [
      ['--train', v.train],
      ['--test', v.test],
    ];
    const planned: PlannedOutput[] = outs.flatMap(([flag, path]) => (isArrow(path) ? datasetOutputs(flag, path) : [{ flag, path, kind: 'file' as const }]));
    if (v.strategy === 'leave-last-out' && v['test-fraction'] !== undefined) {
      throw new UsageError("fm split: --test-fraction sets the random and temporal splits' share; leave-last-out holds out each user's last interaction", 'split');
    }
    const testFraction = v['test-fraction'] ?? 0.1;
    const inputs: PlannedInput[] = [{ flag: '--input', path: v.input }];
    if (isArrow(v.input)) inputs.push({ flag: '--input (its encoder sidecar)', path: encoderSidecar(v.input) }, { flag: '--input (its titles sidecar)', path: titlesSidecar(v.input) });
    await checkOutputs('split', inputs, planned, v.force);
    ctx.kept = await describeKept(outs.map(([flag, path]) => ({ flag, path, kind: 'file' })));
    await checkFormatFlags('split', v, [v.input]);
    const input = await loadInput(v.input, {
      command: 'split',
      flag: '--input',
      ...formatFlags(v),
      signal: ctx.signal,
    });
    if (input.format === 'arrow') {
      const text = outs.find(([, p]) => !isArrow(p));
      if (text) throw new UsageError(`fm split: ${text[0]} ${text[1]}: the input is an .arrow file, so outputs must be .arrow files too`, 'split');
    }
    const ds = input.dataset;
    const user = input.interactions?.user ?? ds.columns.user;
    const ts = input.interactions?.timestamp ?? ds.columns.timestamp;
    let split: Split;
    if (v.strategy === 'random') {
      split = randomSplit(ds.numRows, { testFraction, seed: v.seed });
    } else if (v.strategy === 'leave-last-out') {
      if (!(user instanceof Int32Array) || !(ts instanceof Float64Array)) {
        throw new CliError(`${v.input}: leave-last-out needs per-row user ids and timestamps ("user" and "timestamp" columns)`);
      }
      split = leaveLastOut(user, ts, { seed: v.seed });
    } else {
      if (!(ts instanceof Float64Array)) throw new CliError(`${v.input}: a temporal split needs per-row timestamps (a "timestamp" column)`);
      split = temporalSplit(ts, { testFraction });
    }
    const parts = [split.train, split.test];
    const files: OutputFile[] = [];
    const remove: string[] = [];
    const text = outs.some(([, p]) => !isArrow(p)) ? await splitLines(input, v.columns, parts, ctx.signal) : [];
    outs.forEach(([, path], k) => {
      if (isArrow(path)) {
        const set = datasetFiles(path, ds.select(parts[k] as Int32Array), {
          ...(input.encoder ? { encoder: input.encoder } : {}),
          ...(input.titles ? { titles: input.titles } : {}),
        });
        files.push(...set.files);
        remove.push(...set.remove);
      } else files.push({ path, data: Buffer.from(text[k] as string, 'latin1') });
    });
    ctx.signal.throwIfAborted();
    await commitOutputs(files, remove);
    const written = files.map((f) => f.path);
    ctx.print(`${v.strategy} split of ${fmtNum(ds.numRows)} rows: train ${fmtNum(split.train.length)}, test ${fmtNum(split.test.length)}`);
    ctx.print(`wrote ${written.join(', ')}`);
    return { strategy: v.strategy, rows: ds.numRows, train: split.train.length, test: split.test.length, files: written };
  },
});
