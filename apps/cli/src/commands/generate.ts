import { dirname, join } from 'node:path';
import { encodeInteractions, fmPaperToyTable, generateCtr, generateImplicit, generateRatings } from '@fm/data';
import { commitOutputs } from '@fm/data/node';
import { defineCommand } from '../command.js';
import { UsageError } from '../errors.js';
import { titlesOf } from '../inputs.js';
import { checkOutputs, describeKept, type PlannedOutput } from '../output-plan.js';
import { datasetOutputs, formatUData, formatUItem, writeDataset } from '../outputs.js';
import { printSummary, summarize } from '../summary.js';
import { fmtNum } from '../text.js';
import { generateCtrShards } from './generate-shards.js';

const KINDS = ['ratings', 'implicit', 'ctr', 'toy'] as const;
/** The generator flags, and the data sets that read each (another data set's flag is a usage error, never ignored). */
const GENERATOR_FLAGS = {
  users: ['ratings', 'implicit'],
  items: ['ratings', 'implicit'],
  density: ['ratings'],
  rank: ['ratings', 'implicit', 'ctr'],
  noise: ['ratings'],
  rows: ['ctr'],
  fields: ['ctr'],
  'hash-size': ['ctr'],
  'per-user': ['implicit'],
} as const satisfies Record<string, readonly (typeof KINDS)[number][]>;

/** `fm generate`: seeded synthetic data sets. */
export const generateCommand = defineCommand({
  name: 'generate',
  summary: 'write a seeded synthetic data set (ratings, implicit, ctr, or the FM paper toy table)',
  usage: 'generate ratings|implicit|ctr|toy --out FILE [flags]',
  description: `
ratings   explicit 1-5 ratings from a planted low-rank model (MovieLens-100K shaped by default:
          943 users x 1,682 items at 6.3% density); --format movielens writes the ratings file
          (tab-separated, any name) + u.item beside it (titles)
implicit  implicit feedback (rating 1) with power-law item popularity and planted affinities
ctr       many hashed categorical fields with 0/1 labels from a planted FM (--rows, --fields);
          --format shards streams any number of rows into a shard directory (bounded memory)
toy       the 7-row table of Rendle, "Factorization Machines" (ICDM 2010), fig. 1`,
  maxPositionals: 1,
  options: {
    out: { type: 'string', placeholder: 'FILE', required: true, description: 'output file (.arrow, u.data path with --format movielens, a directory with --format shards)' },
    format: { type: 'enum', choices: ['arrow', 'movielens', 'shards'], default: 'arrow', description: 'output format (shards: ctr only)' },
    'shard-mb': { type: 'number', min: 1, placeholder: 'MB', description: 'with --format shards: most MiB per shard file (default 64)' },
    'shard-rows': { type: 'int', min: 1, placeholder: 'N', description: 'with --format shards: most rows per shard file' },
    users: { type: 'int', min: 1, description: 'number of users (ratings: 943, implicit)' },
    items: { type: 'int', min: 2, description: 'number of items (ratings: 1682, implicit)' },
    density: { type: 'number', min: 0, max: 1, exclusiveMin: true, description: 'fraction of user-item pairs rated (ratings: 0.063)' },
    rank: { type: 'int', min: 1, description: 'rank of the planted model' },
    noise: { type: 'number', min: 0, description: 'rating noise standard deviation (ratings)' },
    rows: { type: 'int', min: 1, description: 'rows (ctr: 1,000,000)' },
    fields: { type: 'int', min: 2, description: 'categorical fields (ctr: 39)' },
    'hash-size': { type: 'int', min: 2, placeholder: 'N', description: 'total hashed ids (ctr: 1,000,000)' },
    'per-user': { type: 'number', min: 1, placeholder: 'N', description: 'mean interactions per user (implicit)' },
    seed: { type: 'int', default: 42, description: 'random seed' },
    force: { type: 'boolean', description: 'overwrite output files that fm did not write (e.g. a real u.item)' },
  },
  examples: [
    'fm generate ratings --out out/ratings.arrow',
    'fm generate ratings --format movielens --out out/ml/u.data',
    'fm generate ctr --rows 100000 --fields 10 --out out/ctr.arrow',
    'fm generate ctr --rows 20000000 --format shards --out out/ctr-20m',
  ],
  async run({ values: v, positionals }, ctx) {
    const kind = positionals[0];
    if (kind === undefined) throw new UsageError(`fm generate: which data set? expected one of ${KINDS.join('|')}`, 'generate');
    if (!(KINDS as readonly string[]).includes(kind)) {
      throw new UsageError(`fm generate: unknown data set "${kind}", expected one of ${KINDS.join('|')}`, 'generate');
    }
    for (const [flag, readers] of Object.entries(GENERATOR_FLAGS) as [keyof typeof GENERATOR_FLAGS, readonly string[]][]) {
      if (v[flag] === undefined || readers.includes(kind)) continue;
      const own = (Object.keys(GENERATOR_FLAGS) as (keyof typeof GENERATOR_FLAGS)[]).filter((f) => (GENERATOR_FLAGS[f] as readonly string[]).includes(kind));
      throw new UsageError(`fm generate ${kind}: --${flag} applies to ${readers.join(' and ')}; ${kind} takes ${own.length ? own.map((f) => `--${f}`).join(', ') : 'none of the size flags'}`, 'generate');
    }
    if (v.format === 'movielens' && (kind === 'ctr' || kind === 'toy')) {
      throw new UsageError(`fm generate: --format movielens only applies to ratings and implicit, not ${kind}`, 'generate');
    }
    if (v.format === 'shards') {
      if (kind !== 'ctr') throw new UsageError(`fm generate: --format shards applies to ctr, not ${kind}`, 'generate');
      return generateCtrShards(v, ctx);
    }
    for (const f of ['shard-mb', 'shard-rows'] as const) if (v[f] !== undefined) throw new UsageError(`fm generate: --${f} needs --format shards`, 'generate');
    if (v.format === 'arrow' && !v.out.toLowerCase().endsWith('.arrow')) {
      throw new UsageError(`fm generate: --out ${v.out}: expected a file name ending in .arrow (or --format movielens for a ratings text file)`, 'generate');
    }
    const itemPath = join(dirname(v.out), 'u.item');
    const outputs: PlannedOutput[] =
      v.format === 'movielens'
        ? [
            { flag: '--out', path: v.out, kind: 'file' },
            { flag: '--out (the u.item titles file beside it)', path: itemPath, kind: 'file' },
          ]
        : datasetOutputs('--out', v.out);
    await checkOutputs('generate', [], outputs, v.force);
    ctx.kept = await describeKept(outputs.slice(0, 1));
    const t0 = performance.now();
    const written: string[] = [];
    let info: Record<string, unknown> = {};
    if (kind === 'ratings' || kind === 'implicit') {
      const gen =
        kind === 'ratings'
          ? generateRatings({
              ...(v.users !== undefined ? { users: v.users } : {}),
              ...(v.items !== undefined ? { items: v.items } : {}),
              ...(v.density !== undefined ? { density: v.density } : {}),
              ...(v.rank !== undefined ? { rank: v.rank } : {}),
              ...(v.noise !== undefined ? { noise: v.noise } : {}),
              round: true,
              seed: v.seed,
            })
          : generateImplicit({
              ...(v.users !== undefined ? { users: v.users } : {}),
              ...(v.items !== undefined ? { items: v.items } : {}),
              ...(v['per-user'] !== undefined ? { interactionsPerUser: v['per-user'] } : {}),
              ...(v.rank !== undefined ? { rank: v.rank } : {}),
              seed: v.seed,
            });
      if ('bestRmse' in gen) info = { bestRmse: gen.bestRmse, globalMean: gen.globalMean, rank: gen.rank, noise: gen.noise };
      if (v.format === 'movielens') {
        ctx.signal.throwIfAborted();
        await commitOutputs([
          { path: v.out, data: formatUData(gen.interactions) },
          { path: itemPath, data: Buffer.from(formatUItem(gen.items), 'latin1') },
        ]);
        written.push(v.out, itemPath);
      }
      const { dataset, encoder } = encodeInteractions(gen.interactions);
      const titles = titlesOf(gen.items);
      if (v.format === 'arrow') {
        ctx.signal.throwIfAborted();
        written.push(...(await writeDataset(v.out, dataset, { encoder, ...(titles ? { titles } : {}) })));
      }
      const summary = summarize(dataset, gen.interactions);
      printSummary(ctx, summary, `${kind}`);
      if ('bestRmse' in gen) ctx.print(`  planted model: rank ${gen.rank}, noise ${gen.noise}, best achievable RMSE ${gen.bestRmse.toFixed(4)}`);
      ctx.print(`wrote ${written.join(', ')}`);
      return { kind, files: written, summary, ...info, seconds: (performance.now() - t0) / 1000 };
    }
    if (kind === 'ctr') {
      const gen = generateCtr({
        ...(v.rows !== undefined ? { rows: v.rows } : {}),
        ...(v.fields !== undefined ? { fields: v.fields } : {}),
        ...(v['hash-size'] !== undefined ? { hashSize: v['hash-size'] } : {}),
        ...(v.rank !== undefined ? { rank: v.rank } : {}),
        seed: v.seed,
      });
      ctx.signal.throwIfAborted();
      written.push(...(await writeDataset(v.out, gen.dataset)));
      const summary = summarize(gen.dataset);
      printSummary(ctx, summary, 'ctr');
      ctx.print(`  planted model: base rate ${gen.baseRate.toFixed(4)}, best achievable log loss ${gen.bestLogLoss.toFixed(4)}`);
      ctx.print(`wrote ${written.join(', ')} in ${fmtNum((performance.now() - t0) / 1000)}s`);
      return { kind, files: written, summary, bestLogLoss: gen.bestLogLoss, baseRate: gen.baseRate, seconds: (performance.now() - t0) / 1000 };
    }
    const toy = fmPaperToyTable();
    written.push(...(await writeDataset(v.out, toy.dataset)));
    const summary = summarize(toy.dataset);
    printSummary(ctx, summary, 'FM paper toy table (Rendle 2010, fig. 1)');
    ctx.print(`  features: ${toy.featureNames.join(', ')}`);
    ctx.print(`wrote ${written.join(', ')}`);
    return { kind, files: written, summary, featureNames: toy.featureNames };
  },
});
