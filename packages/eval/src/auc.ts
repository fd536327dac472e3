import { checkBinaryLabels, checkPaired } from './validate.js';

/**
 * Area under the ROC curve, computed from ranks (the Mann–Whitney U statistic):
 * AUC = (Σ_{positives} rank − P(P+1)/2) / (P·N), where ranks are 1-based ascending ranks of the
 * scores and tied scores share their average rank. Equivalently, the probability that a random
 * positive scores above a random negative, a tie counting ½. O(n log n).
 *
 * Reference: Hanley & McNeil (1982), "The meaning and use of the area under a ROC curve".
 *
 * @param scores `[n]` scores (any monotone scale: logits, probabilities).
 * @param labels `[n]` labels, each exactly 0 or 1.
 * @throws when lengths differ, entries are not finite, a label is not 0/1, or one class is absent.
 */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  checkPaired('auc', 'scores', scores, 'labels', labels);
  checkBinaryLabels('auc', labels);
  const n = scores.length;
  let numPos = 0;
  for (let i = 0; i < n; i++) numPos += labels[i] as number;
  const numNeg = n - numPos;
  if (numPos === 0 || numNeg === 0) {
    throw new Error(`auc: needs at least one positive and one negative label, got ${numPos} positives and ${numNeg} negatives`);
  }
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => (scores[a] as number) - (scores[b] as number));
  let rankSumPos = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    const s = scores[order[start] as number] as number;
    while (end < n && scores[order[end] as number] === s) end++;
    // positions start..end-1 (0-based) share the average 1-based rank (start + 1 + end) / 2
    const avgRank = (start + 1 + end) / 2;
    for (let j = start; j < end; j++) rankSumPos += (labels[order[j] as number] as number) * avgRank;
    start = end;
  }
  return (rankSumPos - (numPos * (numPos + 1)) / 2) / (numPos * numNeg);
}
