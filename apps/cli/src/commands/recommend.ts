import { recommend, recommendAll } from '@fm/eval';
import { commitOutputs } from '@fm/data/node';
import { defineCommand } from '../command.js';
import { UsageError } from '../errors.js';
import { checkFormatFlags, COLUMNS_OPTION, FORMAT_OPTION, formatFlags, loadForModel } from '../inputs.js';
import { loadScoringBundle, titleOf } from '../model-store.js';
import { yieldToEventLoop } from '@fm/train';
import { BACKEND_OPTION, WASM_THREADS_OPTION, drawProgress, initBackend } from '../modeling.js';
import { localIdOf, pairScorer, rawIdOf, userItemPairs } from '../ranking.js';
import { formatTable } from '../text.js';
import { checkOutputs, describeKept } from '../output-plan.js';
import { predictionOf } from '../predictions.js';
import { pairStd, requireBayesian } from '../predictive-std.js';
import { modelLayout, modelSide, recommendWithSide, sideScorer, sideStd, userRows } from '../side-recommend.js';

/** A user's list: local item ids, raw scores (ratings or logits), and the predictive std when asked. */
type Top = { items: Int32Array; scores: Float32Array; std?: Float32Array };

/** A CSV cell: quoted when it holds a comma, a quote or a line break. */
const csvCell = (x: string | number): string => {
  const t = String(x);
  return /[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
};

/** `fm recommend`: top-k items for a user. */
export const recommendCommand = defineCommand({
  name: 'recommend',
  summary: "a user's top-k items from a saved model (raw ids in, titles out)",
  usage: 'recommend --model DIR --user ID|--all-users [--k 10] [--exclude-seen FILE] [--out FILE.csv]',
  description: `
Scores every item for the user and prints the best k, with titles when the training data had them: the
predicted rating (clipped to the training ratings' range, as fm predict and fm eval do; ranked by the
unclipped score) or P(relevant).
--std (models trained with --solver mcmc) adds the predictive standard deviation of each score over
the kept posterior samples: of the predicted rating, or of p(relevant) for a binary model.
--exclude-seen FILE leaves out the items the user has in FILE (typically the training file) and
prints the user's own ratings from it next to the recommendations.
--all-users lists every user of the model (with --out FILE.csv: one row per recommendation,
"user,item,rank,score[,std]" with raw ids, a file fm encode reads back); --out works for one user too.`,
  options: {
    model: { type: 'string', placeholder: 'DIR', required: true, description: 'model directory from fm train' },
    user: { type: 'string', short: 'u', placeholder: 'ID', description: 'raw user id (as in the source data)' },
    'all-users': { type: 'boolean', description: 'recommend for every user of the model (needs --out)' },
    out: { type: 'string', short: 'o', placeholder: 'FILE', description: 'write the lists as CSV: user,item,rank,score[,std]' },
    force: { type: 'boolean', description: 'overwrite an output file that fm did not write' },
    k: { type: 'int', min: 1, default: 10, description: 'number of items' },
    'exclude-seen': { type: 'string', placeholder: 'FILE', description: "data file whose items for this user are excluded" },
    std: { type: 'boolean', description: 'also print the predictive standard deviation of each score (models trained with --solver mcmc)' },
    format: FORMAT_OPTION,
    columns: COLUMNS_OPTION,
    backend: BACKEND_OPTION,
    'wasm-threads': WASM_THREADS_OPTION,
  },
  examples: ['fm recommend --model out/fm-model --user 196 --k 10 --exclude-seen out/train.arrow', 'fm recommend --model out/fm-model --all-users --k 20 --exclude-seen out/train.arrow --out recs.csv'],
  async run({ values: v }, ctx) {
    if (v.format !== undefined && v['exclude-seen'] === undefined) throw new UsageError('fm recommend: --format reads the --exclude-seen file; give --exclude-seen FILE (or drop --format)', 'recommend');
    if ((v.user === undefined) === (v['all-users'] !== true)) throw new UsageError('fm recommend: give --user ID or --all-users (one of them)', 'recommend');
    if (v['all-users'] && v.out === undefined) throw new UsageError('fm recommend: --all-users writes its lists to --out FILE.csv; give --out', 'recommend');
    await checkFormatFlags('recommend', v, [v['exclude-seen']]);
    if (v.out !== undefined) {
      const inputs = [{ flag: '--model', path: v.model }, ...(v['exclude-seen'] !== undefined ? [{ flag: '--exclude-seen', path: v['exclude-seen'] }] : [])];
      await checkOutputs('recommend', inputs, [{ flag: '--out', path: v.out, kind: 'file' }], v.force);
      ctx.kept = await describeKept([{ flag: '--out', path: v.out, kind: 'file' }]);
    }
    const backend = await initBackend(v.backend, ctx, v['wasm-threads']);
    // LR/FM/FFM/MF score on the native kernels: loaded straight into their arrays
    const bundle = await loadScoringBundle(v.model, backend.backend);
    if (v.std) requireBayesian(bundle.model, 'recommend', v.model);
    // a model trained with side features scores full rows (the user's and each item's features)
    const side = modelSide(bundle);
    const layout = modelLayout(bundle, v.model);
    const users = v.user !== undefined ? Int32Array.of(localIdOf(bundle.encoder, 'user', v.user, layout)) : Int32Array.from({ length: layout.numUsers - 1 }, (_, u) => u + 1); // 0: the OOV bucket
    // each user's excluded items (the out-of-vocabulary bucket is never an item) and their ratings there
    const seenOf = new Map<number, { item: number; rating: number }[]>();
    if (v['exclude-seen'] !== undefined) {
      const input = await loadForModel(v['exclude-seen'], '--exclude-seen', bundle, { command: 'recommend', ...formatFlags(v) }, ctx);
      const pairs = userItemPairs(input.dataset, layout);
      for (let r = 0; r < pairs.user.length; r++) {
        const u = pairs.user[r] as number;
        let list = seenOf.get(u);
        if (!list) seenOf.set(u, (list = []));
        list.push({ item: pairs.item[r] as number, rating: input.dataset.labels[r] as number });
      }
    }
    const excludeOf = (u: number) => new Set<number>([0, ...(seenOf.get(u) ?? []).map((x) => x.item)]);
    // a side-feature model scores the user's part against every item's part (native kernels, Bayesian samples);
    // only a tfjs model, which reads a row's slots by position, scores each full row
    const scorer = side ? sideScorer(bundle.model, side.encoder, side.side, layout) : pairScorer(bundle.model, layout);
    const topOf = async (u: number): Promise<Top> => {
      if (!scorer) {
        if (!side) throw new Error('fm recommend: a model without side features always has a scorer');
        return recommendWithSide(bundle.model, userRows(side.encoder, side.side, layout, u), v.k, excludeOf(u));
      }
      const found = await recommend(scorer, u, v.k, { exclude: excludeOf(u) });
      if (!v.std) return found;
      const std = side ? sideStd(bundle.model, side.encoder, side.side, layout, u, found.items) : pairStd(bundle.model, bundle.schema, layout, u, found.items);
      return { items: found.items, scores: found.scores, std };
    };
    // between users (or batches of them) Ctrl-C gets a turn and the progress line moves
    const progress = drawProgress(ctx, (total) => `recommending for ${total.toLocaleString('en-US')} users`);
    const step = async (done: number) => {
      progress.onProgress(done, users.length);
      await yieldToEventLoop();
      ctx.signal.throwIfAborted();
    };
    const tops: Top[] = [];
    try {
      if (users.length > 1 && scorer && !v.std) {
        // the whole catalogue for a batch of users per call; batches grow (to 1,024 users) while a call takes under
        // 50 ms and shrink past 200 ms, so a slow scorer (a Bayesian model averages its samples) still stops promptly
        const exclude = new Map(Array.from(users, (u) => [u, excludeOf(u)] as const));
        let batch = 1;
        for (let at = 0; at < users.length; ) {
          await step(at);
          const size = Math.min(batch, users.length - at);
          const t0 = performance.now();
          tops.push(...(await recommendAll(scorer, users.subarray(at, at + size), v.k, { exclude })));
          const ms = performance.now() - t0;
          batch = ms < 50 ? Math.min(1024, 2 * batch) : ms > 200 ? Math.max(1, batch >> 1) : batch;
          at += size;
        }
      } else {
        for (const u of users) {
          await step(tops.length);
          tops.push(await topOf(u));
        }
      }
    } finally {
      progress.clear();
    }
    // ranked by the raw score; shown as fm predict writes it: P(relevant), or the rating clipped to the training range
    const toShown = (s: number) => predictionOf(s, bundle.meta.task, bundle.meta.ratingRange);
    const listOf = (top: Top) =>
      Array.from(top.items).map((it, j) => {
        const raw = rawIdOf(bundle.encoder, 'item', it, layout);
        return { rank: j + 1, item: raw, title: titleOf(bundle, raw), score: toShown(top.scores[j] as number), ...(top.std ? { std: top.std[j] as number } : {}) };
      });
    const scoreName = bundle.meta.task === 'regression' ? 'predicted' : 'p(relevant)';
    if (v.out !== undefined) {
      const lines = [`user,item,rank,score${v.std ? ',std' : ''}`];
      users.forEach((u, c) => {
        const raw = csvCell(rawIdOf(bundle.encoder, 'user', u, layout));
        for (const r of listOf(tops[c] as Top)) lines.push(`${raw},${csvCell(r.item)},${r.rank},${Number(r.score.toPrecision(7))}${r.std !== undefined ? `,${Number(r.std.toPrecision(7))}` : ''}`);
      });
      ctx.signal.throwIfAborted();
      await commitOutputs([{ path: v.out, data: `${lines.join('\n')}\n` }]);
    }
    if (v['all-users']) {
      ctx.print(`wrote ${v.out}: top ${v.k} (${scoreName}) for each of ${users.length.toLocaleString('en-US')} users${seenOf.size > 0 ? `, excluding each one's items in ${v['exclude-seen']}` : ''}`);
      return { backend: backend.backend, users: users.length, k: v.k, out: v.out, rows: tops.reduce((a, t) => a + t.items.length, 0) };
    }
    const user = users[0] as number;
    const recs = listOf(tops[0] as Top);
    const seen = (seenOf.get(user) ?? [])
      .map((x) => {
        const raw = rawIdOf(bundle.encoder, 'item', x.item, layout);
        return { item: raw, title: titleOf(bundle, raw), rating: x.rating };
      })
      .sort((a, b) => b.rating - a.rating);
    const excluded = excludeOf(user).size - 1;
    ctx.print(`top ${recs.length} for user ${v.user}${excluded > 0 ? ` (excluding ${excluded} seen items)` : ''}:`);
    ctx.print(
      formatTable(
        ['#', 'item', 'title', scoreName, ...(v.std ? ['std'] : [])],
        recs.map((r) => [r.rank, String(r.item), r.title, Number(r.score.toFixed(3)), ...(r.std !== undefined ? [Number(r.std.toFixed(3))] : [])]),
      ),
    );
    if (seen.length > 0) {
      ctx.print('');
      ctx.print(`user ${v.user} rated ${seen.length} items in ${v['exclude-seen']}; highest first:`);
      ctx.print(formatTable(['item', 'title', 'rating'], seen.slice(0, v.k).map((s) => [String(s.item), s.title, s.rating])));
    }
    if (v.out !== undefined) ctx.print(`wrote ${v.out}`);
    return { backend: backend.backend, user: v.user, k: v.k, recommendations: recs, seen: seen.length, seen_top: seen.slice(0, v.k), ...(v.out !== undefined ? { out: v.out } : {}) };
  },
});
