import { checkK } from './validate.js';

/**
 * Names of the ranking metrics, as used in result keys (`"ndcg@10"`, `"mrr"`):
 * - `hr`: hit rate@k, 1 if any relevant item is in the top k.
 * - `ndcg`: normalised discounted cumulative gain@k, binary gains.
 * - `map`: average precision@k (averaged over users: MAP@k).
 * - `precision`: relevant items in the top k divided by k.
 * - `recall`: relevant items in the top k divided by the number of relevant items.
 * - `mrr`: reciprocal rank of the first relevant item (no cut-off; see {@link reciprocalRank}).
 */
export type RankingMetricName = 'hr' | 'ndcg' | 'map' | 'precision' | 'recall' | 'mrr';

/** Every {@link RankingMetricName}, in the order results list them. */
export const RANKING_METRIC_NAMES: readonly RankingMetricName[] = ['hr', 'ndcg', 'map', 'precision', 'recall', 'mrr'];

/** The result key of a metric: `"hr@10"`, `"ndcg@5"`, …, and `"mrr"` (which has no cut-off). */
export function metricKey(name: RankingMetricName, k: number): string {
  return name === 'mrr' ? 'mrr' : `${name}@${k}`;
}

/** A set of relevant item ids, as a Set or a list (duplicates in a list count once). */
export type RelevantItems = ReadonlySet<number> | ArrayLike<number>;

/** @internal */
export function toSet(relevant: RelevantItems): ReadonlySet<number> {
  if (relevant instanceof Set) return relevant as ReadonlySet<number>;
  return new Set(Array.from(relevant as ArrayLike<number>));
}

/**
 * Relevance flags of a ranked list: `hits[i] = 1` when `ranked[i]` is relevant. Throws when the
 * list names an item twice (a ranked list is a permutation of distinct items).
 * @internal
 */
export function hitsOf(fn: string, ranked: ArrayLike<number>, relevant: ReadonlySet<number>): Uint8Array {
  const hits = new Uint8Array(ranked.length);
  const seen = new Set<number>();
  for (let i = 0; i < ranked.length; i++) {
    const item = ranked[i] as number;
    if (seen.has(item)) throw new Error(`${fn}: the ranked list has item ${item} twice (positions ${Array.from(ranked).indexOf(item) + 1} and ${i + 1})`);
    seen.add(item);
    hits[i] = relevant.has(item) ? 1 : 0;
  }
  return hits;
}

/**
 * One cut-off metric from relevance flags (`hits[i]` for 1-based position i + 1) and the number of
 * relevant items R. Returns 0 when R = 0. `mrr` ignores k and scans the whole `hits` array.
 * @internal
 */
export function metricFromHits(name: RankingMetricName, hits: ArrayLike<number>, numRelevant: number, k: number): number {
  if (numRelevant === 0) return 0;
  const n = Math.min(k, hits.length);
  switch (name) {
    case 'hr': {
      for (let i = 0; i < n; i++) if (hits[i]) return 1;
      return 0;
    }
    case 'precision':
    case 'recall': {
      let c = 0;
      for (let i = 0; i < n; i++) c += hits[i] ? 1 : 0;
      return name === 'precision' ? c / k : c / numRelevant;
    }
    case 'ndcg': {
      let dcg = 0;
      for (let i = 0; i < n; i++) if (hits[i]) dcg += 1 / Math.log2(i + 2);
      let idcg = 0;
      const ideal = Math.min(numRelevant, k);
      for (let i = 0; i < ideal; i++) idcg += 1 / Math.log2(i + 2);
      return dcg / idcg;
    }
    case 'map': {
      let c = 0;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        if (hits[i]) {
          c++;
          sum += c / (i + 1);
        }
      }
      return sum / Math.min(numRelevant, k);
    }
    case 'mrr': {
      for (let i = 0; i < hits.length; i++) if (hits[i]) return 1 / (i + 1);
      return 0;
    }
  }
}

/**
 * One metric when exactly one item is relevant and sits at 1-based `rank` (the sampled protocol):
 * when rank ≤ k, hr = recall = 1, ndcg = 1/log2(rank + 1), map = 1/rank, precision = 1/k, and all
 * are 0 when rank > k; mrr = 1/rank whatever k.
 * @internal
 */
export function metricFromRank(name: RankingMetricName, rank: number, k: number): number {
  if (name === 'mrr') return 1 / rank;
  if (rank > k) return 0;
  switch (name) {
    case 'hr':
    case 'recall':
      return 1;
    case 'ndcg':
      return 1 / Math.log2(rank + 1);
    case 'map':
      return 1 / rank;
    case 'precision':
      return 1 / k;
  }
}

function single(fn: string, name: RankingMetricName, ranked: ArrayLike<number>, relevant: RelevantItems, k: number): number {
  checkK(fn, k);
  const rel = toSet(relevant);
  return metricFromHits(name, hitsOf(fn, ranked, rel), rel.size, k);
}

/**
 * Hit rate@k for one user: 1 when at least one relevant item is among the first k of `ranked`, else 0.
 * Returns 0 when `relevant` is empty.
 * @param ranked item ids, best first (distinct).
 * @param relevant the user's relevant item ids.
 * @param k cut-off ≥ 1.
 */
export function hitRateAtK(ranked: ArrayLike<number>, relevant: RelevantItems, k: number): number {
  return single('hitRateAtK', 'hr', ranked, relevant, k);
}

/**
 * NDCG@k for one user with binary gains: DCG@k = Σ_{i ≤ k, ranked[i] relevant} 1 / log2(i + 1)
 * (i 1-based), divided by the ideal DCG Σ_{i ≤ min(|relevant|, k)} 1 / log2(i + 1).
 * Returns 0 when `relevant` is empty.
 *
 * Reference: Järvelin & Kekäläinen (2002), "Cumulated gain-based evaluation of IR techniques".
 */
export function ndcgAtK(ranked: ArrayLike<number>, relevant: RelevantItems, k: number): number {
  return single('ndcgAtK', 'ndcg', ranked, relevant, k);
}

/**
 * Average precision@k for one user, with the convention
 * AP@k = (1 / min(|relevant|, k)) Σ_{i ≤ k} P@i · rel_i,
 * where P@i is the precision of the first i items and rel_i is 1 when the i-th item is relevant.
 * The normaliser min(|relevant|, k) makes a perfect top-k list score 1 even when the user has more
 * than k relevant items. The mean over users is MAP@k. Returns 0 when `relevant` is empty.
 */
export function averagePrecisionAtK(ranked: ArrayLike<number>, relevant: RelevantItems, k: number): number {
  return single('averagePrecisionAtK', 'map', ranked, relevant, k);
}

/**
 * Precision@k for one user: (relevant items among the first k) / k. The denominator is k even when
 * `ranked` is shorter than k (missing positions count as misses). Returns 0 when `relevant` is empty.
 */
export function precisionAtK(ranked: ArrayLike<number>, relevant: RelevantItems, k: number): number {
  return single('precisionAtK', 'precision', ranked, relevant, k);
}

/**
 * Recall@k for one user: (relevant items among the first k) / |relevant|. Below 1 whenever the
 * user has more than k relevant items. Returns 0 when `relevant` is empty.
 */
export function recallAtK(ranked: ArrayLike<number>, relevant: RelevantItems, k: number): number {
  return single('recallAtK', 'recall', ranked, relevant, k);
}

/**
 * Reciprocal rank for one user: 1 / (1-based position of the first relevant item in `ranked`), with
 * no cut-off other than the length of the list; 0 when no relevant item is in the list or
 * `relevant` is empty. The mean over users is MRR. Pass the full ranking for unlimited MRR; the
 * evaluation protocols compute it over every candidate.
 */
export function reciprocalRank(ranked: ArrayLike<number>, relevant: RelevantItems): number {
  const rel = toSet(relevant);
  return metricFromHits('mrr', hitsOf('reciprocalRank', ranked, rel), rel.size, 1);
}
