import { describe, expect, it } from 'vitest';
import { leaveLastOut } from '../splits.js';
import { generateImplicit } from './implicit.js';

describe('generateImplicit', () => {
  const opts = { users: 300, items: 400, interactionsPerUser: 30, seed: 4 };

  it('has the stated shape: distinct items per user, rating 1, per-user floor, mean count ± 10%, increasing timestamps', () => {
    const { interactions: x, items } = generateImplicit(opts);
    expect(items.size).toBe(400);
    const perUser = new Map<number, Set<number>>();
    const problems: string[] = [];
    for (let r = 0; r < x.length; r++) {
      if (x.rating[r] !== 1) problems.push(`row ${r}: rating ${x.rating[r]}`);
      const s = perUser.get(x.user[r]!) ?? new Set<number>();
      if (s.has(x.item[r]!)) problems.push(`row ${r}: repeated item`);
      if (!(x.item[r]! >= 1 && x.item[r]! <= 400)) problems.push(`row ${r}: item ${x.item[r]}`);
      s.add(x.item[r]!);
      perUser.set(x.user[r]!, s);
      if (r > 0 && x.user[r - 1] === x.user[r] && !(x.timestamp[r]! > x.timestamp[r - 1]!)) problems.push(`row ${r}: time`);
    }
    expect(problems).toEqual([]);
    expect(perUser.size).toBe(300);
    expect(Math.min(...Array.from(perUser.values(), (s) => s.size))).toBeGreaterThanOrEqual(5);
    expect(Math.abs(x.length / 300 - 30)).toBeLessThan(3);
  });

  it('is deterministic for a seed and different for another', () => {
    expect(generateImplicit(opts).interactions).toEqual(generateImplicit(opts).interactions);
    expect(Array.from(generateImplicit({ ...opts, seed: 5 }).interactions.item.slice(0, 100))).not.toEqual(
      Array.from(generateImplicit(opts).interactions.item.slice(0, 100)),
    );
  });

  it('the planted affinity beats popularity at ranking each user’s held-out item (HR@10)', () => {
    const { interactions: x, planted } = generateImplicit(opts);
    const split = leaveLastOut(x.user, x.timestamp, { seed: 1 });
    const seen = new Map<number, Set<number>>();
    for (const r of split.train) seen.set(x.user[r]!, (seen.get(x.user[r]!) ?? new Set()).add(x.item[r]!));
    const k = 8;
    let hitModel = 0;
    let hitPop = 0;
    for (const r of split.test) {
      const u = x.user[r]! - 1;
      const target = x.item[r]!;
      const scoreModel = (i: number): number => {
        let d = 0;
        for (let f = 0; f < k; f++) d += planted.userFactors[u * k + f]! * planted.itemFactors[(i - 1) * k + f]!;
        return planted.itemLogPopularity[i - 1]! + planted.affinity * d;
      };
      const scorePop = (i: number): number => planted.itemLogPopularity[i - 1]!;
      for (const [score, add] of [
        [scoreModel, () => hitModel++],
        [scorePop, () => hitPop++],
      ] as const) {
        const t = score(target);
        let better = 0;
        for (let i = 1; i <= 400; i++) if (i !== target && !seen.get(u + 1)?.has(i) && score(i) > t) better++;
        if (better < 10) add();
      }
    }
    expect(hitModel / split.test.length).toBeGreaterThan(hitPop / split.test.length + 0.05);
  });

  it('rejects bad options', () => {
    expect(() => generateImplicit({ items: 10, interactionsPerUser: 11 })).toThrow(/interactionsPerUser/);
    expect(() => generateImplicit({ rank: 0 })).toThrow(/rank/);
  });
});
