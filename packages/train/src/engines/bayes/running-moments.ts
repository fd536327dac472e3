/**
 * Per-row running mean and variance over a stream of prediction vectors (Welford's update in
 * Float64), so the predictive mean and standard deviation over posterior samples cost O(rows) per
 * sample and stay accurate when the spread is small next to the mean.
 */
export class RunningMoments {
  /** Number of vectors added. */
  count = 0;
  /** `[rows]` running means. */
  readonly mean: Float64Array;
  /** `[rows]` running sums of squared deviations. */
  readonly m2: Float64Array;

  constructor(rows: number) {
    this.mean = new Float64Array(rows);
    this.m2 = new Float64Array(rows);
  }

  /** Adds one vector of `[rows]` values. */
  add(values: Float64Array): void {
    const c = ++this.count;
    const mean = this.mean;
    const m2 = this.m2;
    for (let i = 0; i < mean.length; i++) {
      const x = values[i] as number;
      const m = mean[i] as number;
      const d = x - m;
      const next = m + d / c;
      mean[i] = next;
      m2[i] = (m2[i] as number) + d * (x - next);
    }
  }

  /** `[rows]` population standard deviations √(m2 / count), plus `extraVariance` under the root. */
  std(extraVariance = 0): Float32Array {
    const out = new Float32Array(this.mean.length);
    const c = this.count;
    for (let i = 0; i < out.length; i++) out[i] = Math.sqrt((c > 0 ? (this.m2[i] as number) / c : 0) + extraVariance);
    return out;
  }

  /** Forgets everything. */
  reset(): void {
    this.count = 0;
    this.mean.fill(0);
    this.m2.fill(0);
  }
}
