import * as tf from '@tensorflow/tfjs';
import { similarItems } from '@fm/eval';
import { itemFactors } from '@fm/layers';
import { isNativeModel } from '@fm/train';
import { defineCommand } from '../command.js';
import { CliError } from '../errors.js';
import { loadScoringBundle, titleOf } from '../model-store.js';
import { BACKEND_OPTION, WASM_THREADS_OPTION, initBackend } from '../modeling.js';
import { localIdOf, rawIdOf } from '../ranking.js';
import { formatTable } from '../text.js';
import { itemPartFactors, modelLayout, modelSide, sideParts } from '../side-recommend.js';

/** `fm similar`: items closest to an item in the model's latent space. */
export const similarCommand = defineCommand({
  readOnly: true,
  name: 'similar',
  summary: 'items most similar to an item by the latent factors of a saved fm or mf model',
  usage: 'similar --model DIR --item ID [--k 10] [--metric cosine|dot]',
  options: {
    model: { type: 'string', placeholder: 'DIR', required: true, description: 'model directory from fm train' },
    item: { type: 'string', short: 'i', placeholder: 'ID', required: true, description: 'raw item id' },
    k: { type: 'int', min: 1, default: 10, description: 'number of items' },
    metric: { type: 'enum', choices: ['cosine', 'dot'], default: 'cosine', description: 'similarity of factor vectors' },
    backend: BACKEND_OPTION,
    'wasm-threads': WASM_THREADS_OPTION,
  },
  examples: ['fm similar --model out/fm-model --item 50 --k 5'],
  async run({ values: v }, ctx) {
    const backend = await initBackend(v.backend, ctx, v['wasm-threads']);
    // an LR/FM/FFM/MF model is read straight into native arrays; only its item rows become a tensor
    const bundle = await loadScoringBundle(v.model, backend.backend);
    // a model with side features compares each item's part (its id's factors plus its attributes')
    const side = modelSide(bundle);
    const layout = modelLayout(bundle, v.model);
    const item = localIdOf(bundle.encoder, 'item', v.item, layout);
    let factors: tf.Tensor2D;
    try {
      const model = bundle.model;
      /** One field's factor rows (FFM: the block towards the user field). */
      const factorsOf = (field: number): { values: Float32Array; k: number } => {
        if (isNativeModel(model)) return model.fieldFactors(field, layout.userField);
        const t = itemFactors(model, field, layout.userField);
        try {
          return { values: t.dataSync() as Float32Array, k: t.shape[1] };
        } finally {
          t.dispose();
        }
      };
      const { values, k } = side ? itemPartFactors(bundle.schema, layout, sideParts(side.encoder, side.side, layout).itemFeatures, factorsOf) : factorsOf(layout.itemField);
      factors = tf.tensor2d(values, [values.length / k, k]);
    } catch (e) {
      throw new CliError(`${v.model}: a ${bundle.meta.kind} model has no item factors to compare (${(e as Error).message})`);
    }
    try {
      const bad = (await factors.isFinite().logicalNot().any().data())[0];
      if (bad) {
        throw new CliError(`${v.model}: the model's item factors hold NaN or infinite values (its training diverged): retrain it, e.g. with a lower --lr`);
      }
      // Ask for one more: the OOV bucket (local id 0) is not an item and is filtered out.
      const top = await similarItems(factors, item, Math.min(v.k + 1, layout.numItems - 1), { metric: v.metric as 'cosine' | 'dot' });
      const list = Array.from(top.items)
        .map((it, j) => ({ it, score: top.scores[j] as number }))
        .filter((x) => x.it !== 0)
        .slice(0, v.k)
        .map((x, j) => {
          const raw = rawIdOf(bundle.encoder, 'item', x.it, layout);
          return { rank: j + 1, item: raw, title: titleOf(bundle, raw), score: x.score };
        });
      const title = titleOf(bundle, v.item);
      ctx.print(`items most similar to ${v.item}${title ? ` (${title})` : ''} by ${v.metric}:`);
      ctx.print(formatTable(['#', 'item', 'title', v.metric], list.map((r) => [r.rank, String(r.item), r.title, Number(r.score.toFixed(4))])));
      return { backend: backend.backend, item: v.item, title, metric: v.metric, similar: list };
    } finally {
      factors.dispose();
    }
  },
});
