import { leaveLastOut, randomSplit, selectInteractions, temporalSplit, type Split } from '@fm/data';
import { writeFileAtomic } from '../atomic.js';
import { defineCommand } from '../command.js';
import { CliError } from '../errors.js';
import { COLUMNS_OPTION, FORMAT_OPTION, loadInput } from '../inputs.js';
import { formatUData, writeDataset } from '../outputs.js';
import { fmtNum } from '../text.js';

/** `fm split`: train/test split of a data file. */
export const splitCommand = defineCommand({
  name: 'split',
  summary: 'split a data file into train and test (random, leave-last-out per user, or temporal)',
  usage: 'split --input FILE [--format F] --strategy random|leave-last-out|temporal --train OUT --test OUT',
  description: `
Outputs ending in .arrow are written encoded (both with the same encoder, fitted on the whole
input, so test ids line up with train ids); with MovieLens input, other names get u.data-style TSV.
leave-last-out and temporal need user ids and timestamps (MovieLens input, or .arrow files with
"user" and "timestamp" columns as written by fm encode / fm generate).`,
  options: {
    input: { type: 'string', short: 'i', placeholder: 'FILE', required: true, description: 'input file' },
    format: FORMAT_OPTION,
    columns: COLUMNS_OPTION,
    strategy: { type: 'enum', choices: ['random', 'leave-last-out', 'temporal'], default: 'random', description: 'how to split' },
    'test-fraction': { type: 'number', min: 0, max: 1, exclusiveMin: true, exclusiveMax: true, default: 0.1, placeholder: 'F', description: 'test share (random, temporal)' },
    seed: { type: 'int', default: 42, description: 'random seed (random split; tie-breaking)' },
    train: { type: 'string', placeholder: 'OUT', required: true, description: 'train output' },
    test: { type: 'string', placeholder: 'OUT', required: true, description: 'test output' },
  },
  examples: ['fm split --input out/ratings.arrow --strategy leave-last-out --train out/train.arrow --test out/test.arrow'],
  async run({ values: v }, ctx) {
    const input = await loadInput(v.input, {
      command: 'split',
      ...(v.format !== undefined ? { format: v.format } : {}),
      ...(v.columns !== undefined ? { columns: v.columns } : {}),
    });
    const ds = input.dataset;
    const user = input.interactions?.user ?? ds.columns.user;
    const ts = input.interactions?.timestamp ?? ds.columns.timestamp;
    let split: Split;
    if (v.strategy === 'random') {
      split = randomSplit(ds.numRows, { testFraction: v['test-fraction'], seed: v.seed });
    } else if (v.strategy === 'leave-last-out') {
      if (!(user instanceof Int32Array) || !(ts instanceof Float64Array)) {
        throw new CliError(`${v.input}: leave-last-out needs per-row user ids and timestamps ("user" and "timestamp" columns)`);
      }
      split = leaveLastOut(user, ts, { seed: v.seed });
    } else {
      if (!(ts instanceof Float64Array)) throw new CliError(`${v.input}: a temporal split needs per-row timestamps (a "timestamp" column)`);
      split = temporalSplit(ts, { testFraction: v['test-fraction'] });
    }
    const files: string[] = [];
    for (const [out, rows] of [
      [v.train, split.train],
      [v.test, split.test],
    ] as const) {
      if (out.toLowerCase().endsWith('.arrow')) {
        files.push(...(await writeDataset(out, ds.select(rows), {
          ...(input.encoder ? { encoder: input.encoder } : {}),
          ...(input.titles ? { titles: input.titles } : {}),
        })));
      } else if (input.interactions) {
        await writeFileAtomic(out, formatUData(selectInteractions(input.interactions, rows)));
        files.push(out);
      } else {
        throw new CliError(`${out}: only .arrow outputs are possible for ${input.format} input`);
      }
    }
    ctx.print(`${v.strategy} split of ${fmtNum(ds.numRows)} rows: train ${fmtNum(split.train.length)}, test ${fmtNum(split.test.length)}`);
    ctx.print(`wrote ${files.join(', ')}`);
    return { strategy: v.strategy, rows: ds.numRows, train: split.train.length, test: split.test.length, files };
  },
});
