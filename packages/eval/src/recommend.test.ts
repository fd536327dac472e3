import { Rng } from '@fm/data';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { factorScorer, recommend, recommendAll, similarItems } from './index.js';
import { useBackend } from './test-utils/backend.js';
import { matrixScorer, randomTable } from './test-utils/matrix-scorer.js';

/** Brute force: sort (score desc, id asc) in JS and take the first k. */
function bruteTopK(scores: ArrayLike<number>, k: number, skip: (i: number) => boolean): number[] {
  return Array.from({ length: scores.length }, (_, i) => i)
    .filter((i) => !skip(i))
    .sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b)
    .slice(0, k);
}

describe.each(['cpu', 'wasm'] as const)('recommend / similarItems on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('recommend equals a brute-force sort with exclusions, ties by lower id', async () => {
    const rng = new Rng(3);
    const numItems = 30;
    const table = randomTable(rng, 4, numItems, 6);
    const scorer = matrixScorer(table, numItems);
    const before = tf.memory().numTensors;
    for (let u = 0; u < 4; u++) {
      const exclude = Int32Array.from(rng.permutation(numItems).subarray(0, 8));
      const ex = new Set(exclude);
      for (const k of [1, 5, 22, 40]) {
        const r = await recommend(scorer, u, k, { exclude: u % 2 ? exclude : ex });
        const expected = bruteTopK(table[u]!, k, (i) => ex.has(i));
        expect(Array.from(r.items)).toEqual(expected); // k = 40 > 22 unexcluded items → 22 come back
        expect(Array.from(r.scores)).toEqual(expected.map((i) => table[u]![i]));
      }
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('recommendAll equals recommend for every user, across batches', async () => {
    const rng = new Rng(9);
    const numItems = 25;
    const table = randomTable(rng, 7, numItems, 5);
    const scorer = matrixScorer(table, numItems);
    const exclude = new Map<number, Int32Array>();
    for (let u = 0; u < 7; u += 2) exclude.set(u, Int32Array.from(rng.permutation(numItems).subarray(0, 6)));
    const users = Int32Array.of(6, 0, 3, 1, 5, 2, 4);
    const before = tf.memory().numTensors;
    const all = await recommendAll(scorer, users, 10, { exclude, batchSize: 3 });
    expect(tf.memory().numTensors).toBe(before);
    for (let j = 0; j < users.length; j++) {
      const u = users[j] as number;
      const one = await recommend(scorer, u, 10, { exclude: exclude.get(u) ?? new Int32Array(0) });
      const expected = bruteTopK(table[u]!, 10, (i) => exclude.get(u)?.includes(i) ?? false);
      expect(Array.from(all[j]!.items)).toEqual(expected);
      expect(Array.from(all[j]!.items)).toEqual(Array.from(one.items));
      expect(Array.from(all[j]!.scores)).toEqual(Array.from(one.scores));
    }
  });

  it('recommend rejects out-of-range exclusions and NaN scores', async () => {
    const s = matrixScorer([Float32Array.of(1, Number.NaN)], 2);
    await expect(recommend(s, 0, 1, { exclude: Int32Array.of(2) })).rejects.toThrow(/excluded item 2 is outside \[0, 2\)/);
    await expect(recommend(s, 0, 1)).rejects.toThrow(/NaN for user 0/);
  });

  it('similarItems equals brute-force cosine and dot similarity, the item itself excluded', async () => {
    const rng = new Rng(9);
    const numItems = 25;
    const d = 4;
    const f = Array.from({ length: numItems }, () => Array.from({ length: d }, () => rng.int(5) - 2));
    f[3] = [0, 0, 0, 0]; // a zero vector: cosine 0 with everything
    const Q = tf.tensor2d(f);
    const dot = (a: number[], b: number[]) => a.reduce((s, x, j) => s + x * (b[j] as number), 0);
    const before = tf.memory().numTensors;
    for (const item of [0, 3, 7, 24]) {
      const q = f[item]!;
      const dots = f.map((v) => dot(v, q));
      const cos = f.map((v) => {
        const den = Math.sqrt(dot(v, v) * dot(q, q));
        return den > 0 ? dot(v, q) / den : 0;
      });
      for (const [metric, ref] of [['dot', dots], ['cosine', cos]] as const) {
        const r = await similarItems(Q, item, 6, { metric });
        // cosine values are float32 on the backend: compare the ids where scores are distinct, values loosely
        Array.from(r.scores).forEach((s, j) => expect(s).toBeCloseTo(ref[r.items[j]!]!, 5));
        expect(Array.from(r.items)).not.toContain(item);
        if (metric === 'dot') expect(Array.from(r.items)).toEqual(bruteTopK(ref, 6, (i) => i === item));
        const kth = r.scores[5]!;
        // nothing outside the list beats the 6th score
        ref.forEach((s, i) => {
          if (i !== item && !r.items.includes(i)) expect(s).toBeLessThanOrEqual(kth + 1e-6);
        });
      }
    }
    const all = await similarItems(Q, 0, 100);
    expect(all.items.length).toBe(numItems - 1);
    expect(tf.memory().numTensors).toBe(before);
    Q.dispose();
  });

  it('recommend works through a factor scorer', async () => {
    // user [1, 0]: scores = first column of Q = [0.1, 0.9, 0.5]; item 1 excluded → [2, 0]
    const P = tf.tensor2d([[1, 0]]);
    const Q = tf.tensor2d([[0.1, 5], [0.9, 0], [0.5, 1]]);
    const r = await recommend(factorScorer(P, Q), 0, 2, { exclude: new Set([1]) });
    expect(Array.from(r.items)).toEqual([2, 0]);
    tf.dispose([P, Q]);
  });
});
