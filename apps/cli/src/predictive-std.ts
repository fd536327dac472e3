import type * as tf from '@tensorflow/tfjs';
import { SparseDataset, type FieldSchema } from '@fm/data';
import { bayesOf, predictDistribution, type NativeModel } from '@fm/train';
import { UsageError } from './errors.js';
import type { UserItemLayout } from './ranking.js';

/**
 * Throws the usage error of `--std` on a model without posterior samples: only a model trained with
 * `--solver mcmc` has a predictive distribution (ALS is a point estimate, gradient solvers too).
 */
export function requireBayesian(model: tf.LayersModel | NativeModel, command: string, dir: string): void {
  const fm = bayesOf(model);
  if (fm?.settings.solver === 'mcmc') return;
  const what = fm ? 'solver als, a point estimate' : 'a gradient solver';
  throw new UsageError(`fm ${command}: --std needs a model trained with --solver mcmc (posterior samples); ${dir} was trained by ${what}`, command);
}

/**
 * The predictive standard deviation of (user, item) rows of a two-field model, over its kept MCMC
 * samples (`predictDistribution` of `@fm/train`): of ŷ for regression, of P(y = 1) for binary.
 * @param user field-local user id; @param items `[n]` field-local item ids.
 * @returns `[n]` standard deviations.
 */
export function pairStd(model: tf.LayersModel | NativeModel, schema: FieldSchema, layout: UserItemLayout, user: number, items: ArrayLike<number>): Float32Array {
  const n = items.length;
  const ids = new Int32Array(2 * n);
  for (let r = 0; r < n; r++) {
    ids[2 * r] = layout.userOffset + user;
    ids[2 * r + 1] = layout.itemOffset + (items[r] as number);
  }
  const ds = new SparseDataset(
    { schema, labels: new Float32Array(n), offsets: Int32Array.from({ length: n + 1 }, (_, r) => 2 * r), ids, values: new Float32Array(2 * n).fill(1) },
  );
  return predictDistribution(model, ds).std;
}
