import * as tf from '@tensorflow/tfjs';
import type { RankingScorer } from '../ranking-scorer.js';

/**
 * A scorer over a score table held in JavaScript: `table[u][i]` is the score of user u for item i.
 * Tests use it as the source of truth for brute-force references. No `scorePairs`, so the
 * sampled protocol goes through its scoreMatrix fallback.
 */
export function matrixScorer(table: readonly Float32Array[], numItems: number): RankingScorer {
  return {
    numItems,
    scoreMatrix(users: Int32Array, items?: Int32Array): tf.Tensor2D {
      const cols = items ?? Int32Array.from({ length: numItems }, (_, i) => i);
      const out = new Float32Array(users.length * cols.length);
      users.forEach((u, r) => {
        const row = table[u];
        if (!row) throw new Error(`matrixScorer: no user ${u}`);
        cols.forEach((i, c) => (out[r * cols.length + c] = row[i] as number));
      });
      return tf.tensor2d(out, [users.length, cols.length]);
    },
  };
}

/** A random score table with many ties (scores rounded to `levels` distinct values). */
export function randomTable(rng: { int(n: number): number }, numUsers: number, numItems: number, levels: number): Float32Array[] {
  return Array.from({ length: numUsers }, () => Float32Array.from({ length: numItems }, () => rng.int(levels)));
}
