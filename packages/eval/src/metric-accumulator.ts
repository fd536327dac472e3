import { RANKING_METRIC_NAMES, metricFromHits, metricFromRank, metricKey, type RankingMetricName } from './ranking-metrics.js';
import { checkK } from './validate.js';

/** Sums per-user ranking metrics and reports their means. @internal */
export class MetricAccumulator {
  readonly ks: readonly number[];
  readonly names: readonly RankingMetricName[];
  private readonly sums = new Map<string, number>();
  count = 0;

  constructor(fn: string, ks: readonly number[], names: readonly RankingMetricName[] = RANKING_METRIC_NAMES) {
    if (ks.length === 0) throw new Error(`${fn}: ks is empty; give at least one cut-off, e.g. [10]`);
    for (const k of ks) checkK(fn, k);
    if (names.length === 0) throw new Error(`${fn}: metrics is empty; choose from ${RANKING_METRIC_NAMES.join(', ')}`);
    for (const n of names) {
      if (!RANKING_METRIC_NAMES.includes(n)) {
        throw new Error(`${fn}: unknown metric "${String(n)}", expected one of ${RANKING_METRIC_NAMES.join(', ')}`);
      }
    }
    this.ks = ks;
    this.names = names;
    for (const name of names) for (const k of ks) this.sums.set(metricKey(name, k), 0);
  }

  private add(key: string, v: number): void {
    this.sums.set(key, (this.sums.get(key) as number) + v);
  }

  /**
   * Adds one user from the relevance flags of a ranked list (`hits`, best first), the number of
   * relevant items, and the reciprocal rank to record for `mrr`.
   */
  addHits(hits: ArrayLike<number>, numRelevant: number, reciprocalRank: number): void {
    this.count++;
    for (const name of this.names) {
      if (name === 'mrr') this.add('mrr', reciprocalRank);
      else for (const k of this.ks) this.add(metricKey(name, k), metricFromHits(name, hits, numRelevant, k));
    }
  }

  /** Adds one case with a single relevant item at 1-based `rank`. */
  addRank(rank: number): void {
    this.count++;
    for (const name of this.names) {
      if (name === 'mrr') this.add('mrr', metricFromRank('mrr', rank, 1));
      else for (const k of this.ks) this.add(metricKey(name, k), metricFromRank(name, rank, k));
    }
  }

  /** Means over the added users (NaN for every metric when none were added). */
  means(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, sum] of this.sums) out[key] = this.count === 0 ? Number.NaN : sum / this.count;
    return out;
  }
}
