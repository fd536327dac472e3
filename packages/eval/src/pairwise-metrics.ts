import { checkPaired } from './validate.js';

/**
 * Pairwise ranking metrics of aligned (positive, negative) scores: the mean BPR loss
 * −log σ(s⁺ − s⁻) (Rendle et al. 2009, "BPR: Bayesian Personalized Ranking from Implicit Feedback",
 * UAI), computed stably, and the share of pairs ranked right (ties count ½) — the pairwise AUC.
 * @param pos `[n]` scores of positives.
 * @param neg `[n]` scores of their negatives.
 */
export function pairwiseMetrics(pos: ArrayLike<number>, neg: ArrayLike<number>): { loss: number; auc: number } {
  checkPaired('pairwiseMetrics', 'pos', pos, 'neg', neg);
  let loss = 0;
  let right = 0;
  for (let i = 0; i < pos.length; i++) {
    const d = (pos[i] as number) - (neg[i] as number);
    loss += Math.max(-d, 0) + Math.log1p(Math.exp(-Math.abs(d)));
    right += d > 0 ? 1 : d === 0 ? 0.5 : 0;
  }
  return { loss: loss / pos.length, auc: right / pos.length };
}
