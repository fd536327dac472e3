import { checkBinaryLabels, checkPaired } from './validate.js';

/**
 * Fraction of correct binary decisions, predicting 1 when `score ≥ threshold`.
 * Use the default threshold 0.5 for probabilities and 0 for logits.
 *
 * @param scores `[n]` probabilities or logits.
 * @param labels `[n]` labels, each exactly 0 or 1.
 * @param threshold decision threshold, default 0.5.
 */
export function accuracy(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold = 0.5): number {
  checkPaired('accuracy', 'scores', scores, 'labels', labels);
  checkBinaryLabels('accuracy', labels);
  if (!Number.isFinite(threshold)) throw new Error(`accuracy: threshold must be finite, got ${threshold}`);
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    const predicted = (scores[i] as number) >= threshold ? 1 : 0;
    if (predicted === labels[i]) correct++;
  }
  return correct / labels.length;
}
