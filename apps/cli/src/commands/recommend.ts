import { recommend } from '@fm/eval';
import { defineCommand } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { checkFormatFlags, COLUMNS_OPTION, FORMAT_OPTION, loadInput } from '../inputs.js';
import { loadScoringBundle, titleOf } from '../model-store.js';
import { BACKEND_OPTION, initBackend } from '../modeling.js';
import { localIdOf, pairScorer, rawIdOf, userItemLayout, userItemPairs } from '../ranking.js';
import { formatTable } from '../text.js';
import { pairStd, requireBayesian } from '../predictive-std.js';
import { recommendWithSide, sideLayout, userRows } from '../side-recommend.js';

/** `fm recommend`: top-k items for a user. */
export const recommendCommand = defineCommand({
  readOnly: true,
  name: 'recommend',
  summary: "a user's top-k items from a saved model (raw ids in, titles out)",
  usage: 'recommend --model DIR --user ID [--k 10] [--exclude-seen FILE]',
  description: `
Scores every item for the user and prints the best k, with titles when the training data had them.
--std (models trained with --solver mcmc) adds the predictive standard deviation of each score over
the kept posterior samples: of the predicted rating, or of p(relevant) for a binary model.
--exclude-seen FILE leaves out the items the user has in FILE (typically the training file) and
prints the user's own ratings from it next to the recommendations.`,
  options: {
    model: { type: 'string', placeholder: 'DIR', required: true, description: 'model directory from fm train' },
    user: { type: 'string', short: 'u', placeholder: 'ID', required: true, description: 'raw user id (as in the source data)' },
    k: { type: 'int', min: 1, default: 10, description: 'number of items' },
    'exclude-seen': { type: 'string', placeholder: 'FILE', description: "data file whose items for this user are excluded" },
    std: { type: 'boolean', description: 'also print the predictive standard deviation of each score (models trained with --solver mcmc)' },
    format: FORMAT_OPTION,
    columns: COLUMNS_OPTION,
    backend: BACKEND_OPTION,
  },
  examples: ['fm recommend --model out/fm-model --user 196 --k 10 --exclude-seen out/train.arrow'],
  async run({ values: v }, ctx) {
    if (v.format !== undefined && v['exclude-seen'] === undefined) throw new UsageError('fm recommend: --format reads the --exclude-seen file; give --exclude-seen FILE (or drop --format)', 'recommend');
    await checkFormatFlags('recommend', v, [v['exclude-seen']]);
    const backend = await initBackend(v.backend, ctx);
    // LR/FM/FFM/MF score on the native kernels: loaded straight into their arrays
    const bundle = await loadScoringBundle(v.model, backend.backend);
    if (v.std) requireBayesian(bundle.model, 'recommend', v.model);
    // a model trained with side features scores full rows (the user's and each item's features)
    const side = bundle.side && bundle.encoder ? { side: bundle.side, encoder: bundle.encoder } : undefined;
    const layout = side ? sideLayout(bundle.schema, v.model) : userItemLayout(bundle.schema, v.model);
    const user = localIdOf(bundle.encoder, 'user', v.user, layout);
    const exclude = new Set<number>([0]); // the out-of-vocabulary bucket is not an item
    const seen: { item: string | number; title: string; rating: number }[] = [];
    if (v['exclude-seen'] !== undefined) {
      const input = await loadInput(v['exclude-seen'], {
        command: 'recommend',
        flag: '--exclude-seen',
        signal: ctx.signal,
        ...(bundle.encoder ? { encoder: bundle.encoder } : {}),
        ...(bundle.side ? { side: bundle.side } : {}),
        ...(v.format !== undefined ? { format: v.format } : {}),
        ...(v.columns !== undefined ? { columns: v.columns } : {}),
      });
      if (input.dataset.schema.fieldDims.join(',') !== bundle.meta.fieldDims.join(',')) {
        throw new CliError(`${v['exclude-seen']}: its fields differ from the model's; pass a file encoded with the model's encoder`);
      }
      const pairs = userItemPairs(input.dataset, layout);
      for (let r = 0; r < pairs.user.length; r++) {
        if (pairs.user[r] !== user) continue;
        const it = pairs.item[r] as number;
        exclude.add(it);
        const raw = rawIdOf(bundle.encoder, 'item', it, layout);
        seen.push({ item: raw, title: titleOf(bundle, raw), rating: input.dataset.labels[r] as number });
      }
      seen.sort((a, b) => b.rating - a.rating);
    }
    let top: { items: Int32Array; scores: Float32Array; std?: Float32Array };
    if (side) top = await recommendWithSide(bundle.model, userRows(side.encoder, side.side, layout, user), v.k, exclude, v.std);
    else {
      const found = await recommend(pairScorer(bundle.model, layout), user, v.k, { exclude });
      top = { items: found.items, scores: found.scores, ...(v.std ? { std: pairStd(bundle.model, bundle.schema, layout, user, found.items) } : {}) };
    }
    let scores = Array.from(top.scores);
    if (bundle.meta.task !== 'regression') scores = scores.map((s) => 1 / (1 + Math.exp(-s)));
    const std = top.std;
    const recs = Array.from(top.items).map((it, j) => {
      const raw = rawIdOf(bundle.encoder, 'item', it, layout);
      return { rank: j + 1, item: raw, title: titleOf(bundle, raw), score: scores[j] as number, ...(std ? { std: std[j] as number } : {}) };
    });
    const scoreName = bundle.meta.task === 'regression' ? 'predicted' : 'p(relevant)';
    ctx.print(`top ${recs.length} for user ${v.user}${exclude.size > 1 ? ` (excluding ${exclude.size - 1} seen items)` : ''}:`);
    ctx.print(
      formatTable(
        ['#', 'item', 'title', scoreName, ...(std ? ['std'] : [])],
        recs.map((r) => [r.rank, String(r.item), r.title, Number(r.score.toFixed(3)), ...(r.std !== undefined ? [Number(r.std.toFixed(3))] : [])]),
      ),
    );
    if (seen.length > 0) {
      ctx.print('');
      ctx.print(`user ${v.user} rated ${seen.length} items in ${v['exclude-seen']}; highest first:`);
      ctx.print(formatTable(['item', 'title', 'rating'], seen.slice(0, v.k).map((s) => [String(s.item), s.title, s.rating])));
    }
    return { backend: backend.backend, user: v.user, k: v.k, recommendations: recs, seen: seen.length, seen_top: seen.slice(0, v.k) };
  },
});
