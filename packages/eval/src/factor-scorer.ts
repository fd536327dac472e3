import * as tf from '@tensorflow/tfjs';
import type { RankingScorer } from './ranking-scorer.js';

/** Optional bias terms of a {@link factorScorer}. */
export interface FactorScorerOptions {
  /** `[numUsers]` per-user bias. */
  userBias?: tf.Tensor1D;
  /** `[numItems]` per-item bias. */
  itemBias?: tf.Tensor1D;
  /** Scalar added to every score. */
  globalBias?: number;
}

/**
 * A scorer for latent-factor models (matrix factorisation, BPR-MF, or the user/item blocks of an
 * FM): score(u, i) = ⟨p_u, q_i⟩ + b_u + b_i + b, computed as one matMul per call.
 * The scorer keeps references to the given tensors and does not own them: keep them alive while
 * it is used and dispose them yourself.
 *
 * It has no `scorePairs`, on purpose: gathering one factor row per (user, item) pair is slow on the
 * wasm backend (≈0.7 s for 94k rows × 64 on the dev machine), while a matMul over a batch's users ×
 * union of candidate items and a `gatherND` of the needed entries took ≈0.1 s, so the sampled
 * protocol uses the latter.
 *
 * Reference: Koren, Bell & Volinsky (2009), "Matrix factorization techniques for recommender systems".
 *
 * @param userFactors `[numUsers, d]` user factors P.
 * @param itemFactors `[numItems, d]` item factors Q.
 */
export function factorScorer(userFactors: tf.Tensor2D, itemFactors: tf.Tensor2D, opts: FactorScorerOptions = {}): RankingScorer {
  if (userFactors.rank !== 2 || itemFactors.rank !== 2) {
    throw new Error(`factorScorer: factors must be rank 2, got user [${userFactors.shape}] and item [${itemFactors.shape}]`);
  }
  const [numUsers, d] = userFactors.shape;
  const [numItems, dItems] = itemFactors.shape;
  if (d !== dItems) throw new Error(`factorScorer: user factors have ${d} columns but item factors have ${dItems}`);
  if (opts.userBias && (opts.userBias.rank !== 1 || opts.userBias.shape[0] !== numUsers)) {
    throw new Error(`factorScorer: userBias has shape [${opts.userBias.shape}], expected [${numUsers}]`);
  }
  if (opts.itemBias && (opts.itemBias.rank !== 1 || opts.itemBias.shape[0] !== numItems)) {
    throw new Error(`factorScorer: itemBias has shape [${opts.itemBias.shape}], expected [${numItems}]`);
  }
  const globalBias = opts.globalBias ?? 0;
  const checkUsers = (users: Int32Array): void => {
    for (let i = 0; i < users.length; i++) {
      const u = users[i] as number;
      if (u < 0 || u >= numUsers) throw new Error(`factorScorer: users[${i}] = ${u} is outside [0, ${numUsers})`);
    }
  };
  const checkItems = (items: Int32Array): void => {
    for (let i = 0; i < items.length; i++) {
      const it = items[i] as number;
      if (it < 0 || it >= numItems) throw new Error(`factorScorer: items[${i}] = ${it} is outside [0, ${numItems})`);
    }
  };
  return {
    numItems,
    scoreMatrix(users: Int32Array, items?: Int32Array): tf.Tensor2D {
      checkUsers(users);
      if (items) checkItems(items);
      return tf.tidy(() => {
        const u = tf.tensor1d(users, 'int32');
        const it = items ? tf.tensor1d(items, 'int32') : undefined;
        const p = tf.gather(userFactors, u);
        const q = it ? tf.gather(itemFactors, it) : itemFactors;
        let s: tf.Tensor2D = tf.matMul(p, q, false, true);
        if (opts.userBias) s = tf.add(s, tf.gather(opts.userBias, u).reshape([-1, 1]));
        if (opts.itemBias) s = tf.add(s, it ? tf.gather(opts.itemBias, it) : opts.itemBias);
        if (globalBias !== 0) s = tf.add(s, globalBias);
        return s;
      });
    },
  };
}
