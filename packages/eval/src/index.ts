// @fm/eval: metrics, evaluation protocols, recommend and similar items. Platform-neutral.
export { rmse, mae, r2 } from './regression-metrics.js';
export { auc } from './auc.js';
export { logLoss, logLossFromLogits } from './log-loss.js';
export { accuracy } from './accuracy.js';
export { pairwiseMetrics } from './pairwise-metrics.js';
export {
  hitRateAtK,
  ndcgAtK,
  averagePrecisionAtK,
  precisionAtK,
  recallAtK,
  reciprocalRank,
  metricKey,
  RANKING_METRIC_NAMES,
  type RankingMetricName,
  type RelevantItems,
} from './ranking-metrics.js';
export { rankingMetrics, type RankingMetricsResult } from './ranking-metrics-mean.js';
export { rankByScore } from './rank-by-score.js';
export type { RankingScorer } from './ranking-scorer.js';
export { factorScorer, type FactorScorerOptions } from './factor-scorer.js';
export { modelScorer, type ModelScorerOptions, type PredictingModel, type ExtraFeatures } from './model-scorer.js';
export { popularityScorer } from './popularity-scorer.js';
export type { Interactions, EvaluationResult } from './interactions.js';
export { evaluateSampled, type SampledEvaluationOptions } from './evaluate-sampled.js';
export { evaluateFullRanking, type FullRankingOptions } from './evaluate-full-ranking.js';
export { parseNcfNegatives, type NcfNegatives } from './parse-ncf-negatives.js';
export { recommend, recommendAll, type RecommendOptions, type RecommendAllOptions, type TopK } from './recommend.js';
export { similarItems, type SimilarItemsOptions } from './similar-items.js';
