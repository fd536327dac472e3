import { MetricAccumulator } from './metric-accumulator.js';
import { RANKING_METRIC_NAMES, hitsOf, metricFromHits, toSet, type RankingMetricName, type RelevantItems } from './ranking-metrics.js';

/** Mean ranking metrics over users. */
export interface RankingMetricsResult {
  /** Mean of each metric over the evaluated users, keyed by {@link metricKey}: `"hr@10"`, `"mrr"`. */
  metrics: Record<string, number>;
  /** Number of users averaged over. */
  users: number;
  /** Users skipped because their relevant set was empty (they are not counted as zeros). */
  skipped: number;
}

/**
 * Averages ranking metrics over users. User u contributes `lists[u]` (recommended item ids, best
 * first) and `relevants[u]` (the user's relevant items). Users with an empty relevant set are
 * skipped — no metric is defined for them — and counted in `skipped`. MRR is computed within each
 * given list (0 when no relevant item appears in it).
 *
 * @param lists per-user ranked item ids.
 * @param relevants per-user relevant item ids, same length as `lists`.
 * @param ks cut-offs, e.g. `[5, 10]`.
 * @param names metrics to compute, default all of {@link RANKING_METRIC_NAMES}.
 */
export function rankingMetrics(
  lists: readonly ArrayLike<number>[],
  relevants: readonly RelevantItems[],
  ks: readonly number[],
  names: readonly RankingMetricName[] = RANKING_METRIC_NAMES,
): RankingMetricsResult {
  if (lists.length !== relevants.length) {
    throw new Error(`rankingMetrics: ${lists.length} ranked lists but ${relevants.length} relevant sets; they must be paired per user`);
  }
  const acc = new MetricAccumulator('rankingMetrics', ks, names);
  let skipped = 0;
  for (let u = 0; u < lists.length; u++) {
    const rel = toSet(relevants[u] as RelevantItems);
    if (rel.size === 0) {
      skipped++;
      continue;
    }
    const hits = hitsOf(`rankingMetrics (user ${u})`, lists[u] as ArrayLike<number>, rel);
    acc.addHits(hits, rel.size, metricFromHits('mrr', hits, rel.size, 1));
  }
  return { metrics: acc.means(), users: acc.count, skipped };
}
