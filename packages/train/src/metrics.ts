/** Root mean squared error between predictions and targets. */
export function rmse(pred: ArrayLike<number>, labels: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < labels.length; i++) {
    const d = (pred[i] as number) - (labels[i] as number);
    s += d * d;
  }
  return Math.sqrt(s / Math.max(1, labels.length));
}

/** Mean log loss of raw logits against 0/1 (or [0, 1]) labels, computed stably. */
export function logLossOfLogits(logits: ArrayLike<number>, labels: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < labels.length; i++) {
    const x = logits[i] as number;
    const y = labels[i] as number;
    s += Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)));
  }
  return s / Math.max(1, labels.length);
}

/**
 * Area under the ROC curve (the Mann-Whitney statistic: the probability that a random positive
 * scores above a random negative, ties counting ½). Labels > 0.5 are positives. NaN without both classes.
 */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number));
  let rankSumPos = 0;
  let pos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1] as number] === scores[order[i] as number]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) {
      if ((labels[order[t] as number] as number) > 0.5) {
        rankSumPos += avgRank;
        pos++;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Mean BPR loss `−log σ(s⁺ − s⁻)` and the fraction of pairs ranked right (ties ½) — the pairwise AUC. */
export function pairwiseMetrics(pos: ArrayLike<number>, neg: ArrayLike<number>): { loss: number; auc: number } {
  let loss = 0;
  let right = 0;
  for (let i = 0; i < pos.length; i++) {
    const d = (pos[i] as number) - (neg[i] as number);
    loss += Math.max(-d, 0) + Math.log1p(Math.exp(-Math.abs(d)));
    right += d > 0 ? 1 : d === 0 ? 0.5 : 0;
  }
  const m = Math.max(1, pos.length);
  return { loss: loss / m, auc: right / m };
}
