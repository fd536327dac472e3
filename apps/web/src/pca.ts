import { Rng } from '@fm/data';

/** Result of {@link pca2}. */
export interface Pca2 {
  /** `[rows * 2]` row-major projections onto the first two principal components. */
  coords: Float64Array;
  /** `[2 * cols]` unit principal directions, row-major (component 0 first). */
  components: Float64Array;
  /** Variances along the two components (eigenvalues of the sample covariance, `n - 1` denominator). */
  variances: [number, number];
  /** Column means that were subtracted. */
  mean: Float64Array;
}

/**
 * First two principal components of a row-major `[rows, cols]` matrix by power iteration on the
 * sample covariance `C = Xcᵀ Xc / (n − 1)` (Xc column-centred), with deflation `C ← C − λ₁ u₁u₁ᵀ`
 * for the second (Golub & Van Loan, "Matrix Computations", §7.3 and §8.2). Deterministic: the
 * start vector comes from a seeded {@link Rng}. Each component's sign is fixed so that its
 * largest-magnitude entry is positive. `cols` of 1 gives a zero second component.
 */
export function pca2(data: ArrayLike<number>, rows: number, cols: number, opts: { iterations?: number; tolerance?: number; seed?: number } = {}): Pca2 {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) {
    throw new Error(`pca2: rows (${rows}) and cols (${cols}) must be positive integers`);
  }
  if (data.length < rows * cols) throw new Error(`pca2: data has ${data.length} values, expected rows*cols = ${rows * cols}`);
  const iterations = opts.iterations ?? 500;
  const tol = opts.tolerance ?? 1e-10;
  const mean = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c] = (mean[c] as number) + (data[r * cols + c] as number) / rows;
  const cov = new Float64Array(cols * cols);
  const denom = Math.max(1, rows - 1);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < cols; i++) {
      const xi = (data[r * cols + i] as number) - (mean[i] as number);
      if (xi === 0) continue;
      for (let j = i; j < cols; j++) {
        cov[i * cols + j] = (cov[i * cols + j] as number) + (xi * ((data[r * cols + j] as number) - (mean[j] as number))) / denom;
      }
    }
  }
  for (let i = 0; i < cols; i++) for (let j = 0; j < i; j++) cov[i * cols + j] = cov[j * cols + i] as number;

  const rng = new Rng(opts.seed ?? 1);
  const components = new Float64Array(2 * cols);
  const variances: [number, number] = [0, 0];
  for (let k = 0; k < Math.min(2, cols); k++) {
    let v: Float64Array = new Float64Array(cols);
    for (let i = 0; i < cols; i++) v[i] = rng.next() - 0.5;
    normalize(v);
    let lambda = 0;
    for (let it = 0; it < iterations; it++) {
      const w = matVec(cov, v, cols);
      const norm = Math.hypot(...w);
      if (norm < 1e-300) {
        lambda = 0;
        break;
      }
      for (let i = 0; i < cols; i++) w[i] = (w[i] as number) / norm;
      let diff = 0;
      for (let i = 0; i < cols; i++) diff = Math.max(diff, Math.abs((w[i] as number) - (v[i] as number)));
      v = w;
      lambda = norm;
      if (diff < tol) break;
    }
    // Rayleigh quotient for the eigenvalue (robust also when the iteration stopped early).
    const cv = matVec(cov, v, cols);
    lambda = dot(v, cv);
    fixSign(v);
    components.set(v, k * cols);
    variances[k] = Math.max(0, lambda);
    for (let i = 0; i < cols; i++) {
      for (let j = 0; j < cols; j++) cov[i * cols + j] = (cov[i * cols + j] as number) - lambda * (v[i] as number) * (v[j] as number);
    }
  }
  const coords = new Float64Array(rows * 2);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < 2; k++) {
      let s = 0;
      for (let c = 0; c < cols; c++) s += ((data[r * cols + c] as number) - (mean[c] as number)) * (components[k * cols + c] as number);
      coords[r * 2 + k] = s;
    }
  }
  return { coords, components, variances, mean };
}

function matVec(m: Float64Array, v: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += (m[i * n + j] as number) * (v[j] as number);
    out[i] = s;
  }
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

function normalize(v: Float64Array): void {
  const n = Math.hypot(...v) || 1;
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / n;
}

function fixSign(v: Float64Array): void {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (Math.abs(v[i] as number) > Math.abs(v[best] as number)) best = i;
  if ((v[best] as number) < 0) for (let i = 0; i < v.length; i++) v[i] = -(v[i] as number);
}
