import { sweepRange, update } from './column-sweep.js';
import { sweepBlock } from './relational-block.js';
import { drawLaneSeeds, localLanes } from './sweep-lanes.js';
import type { SweepContext } from './sweep-context.js';

export type { SweepContext } from './sweep-context.js';

/** Updates w₀ (h = 1 on every row). */
export function sweepBias(c: SweepContext): void {
  const r = c.residual;
  const n = r.length;
  let b = 0;
  for (let i = 0; i < n; i++) b += r[i] as number;
  const old = c.bias[0] as number;
  const next = update(c, old, n, b, c.lambdaBias, 0);
  const d = next - old;
  c.bias[0] = next;
  if (d !== 0) for (let i = 0; i < n; i++) r[i] = (r[i] as number) - d;
}

/**
 * One pass over every feature's parameters in the order of `c.plan` (see sweep-plan.ts; without one, feature by
 * feature): each feature's linear weight wₗ and then its factors v_l0 … v_l,k−1 (sweepColumn), keeping r and q
 * current. Any fixed order of coordinates is a valid Gibbs scan and a valid coordinate descent. A laned segment
 * (a field in which no row has two entries) draws one seed per lane from the chain's generator and runs its lanes
 * on `c.lanes` (worker threads where registered); the features of a relational block (`c.blocks`) take the same
 * updates in the same order from per-key sums.
 */
export function sweepFeatures(c: SweepContext, linear: boolean): void {
  const n = c.linear.length;
  for (const seg of c.plan ?? [{ lo: 0, hi: n }]) {
    if (seg.lanes) (c.lanes ?? localLanes).run(c, seg, c.rng ? drawLaneSeeds(c.rng) : undefined, linear);
    else sweepSegment(c, seg.lo, seg.hi, linear);
  }
}

/** Features `[lo, hi)` one after another; a relational block among them is swept per key, in its place. */
function sweepSegment(c: SweepContext, lo: number, hi: number, linear: boolean): void {
  let l = lo;
  for (const block of c.blocks) {
    if (block.block.lo < lo || block.block.lo >= hi) continue;
    sweepRange(c, l, block.block.lo, linear);
    // the block's features, in the same order, per key (relational-block.ts)
    sweepBlock(c, block, linear);
    l = block.block.hi;
  }
  sweepRange(c, l, hi, linear);
}
